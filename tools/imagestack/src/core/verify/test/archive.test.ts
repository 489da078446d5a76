import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tar from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { packTestFolder } from './archive';

/** Reads a tar stream back: name → header and content. */
async function unpack(stream: NodeJS.ReadableStream): Promise<Map<string, { header: tar.Header; body: string }>> {
  const out = new Map<string, { header: tar.Header; body: string }>();
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      out.set(entry.header.name, { header: entry.header, body: Buffer.concat(chunks).toString('utf8') });
    }
  })();
  stream.pipe(extract as unknown as NodeJS.WritableStream);
  await done;
  return out;
}

describe('packTestFolder', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-archive-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const long = `${'deep/'.repeat(30)}leaf.txt`;
  writeFileSync(path.join(dir, 'run.sh'), 'echo hi\n');
  chmodSync(path.join(dir, 'run.sh'), 0o700);
  writeFileSync(path.join(dir, 'private.txt'), 'secret-ish\n');
  chmodSync(path.join(dir, 'private.txt'), 0o600);
  writeFileSync(path.join(dir, `with space "and" 'quotes'.txt`), 'q\n');
  writeFileSync(path.join(dir, 'ünïcödé-日本.txt'), 'u\n');
  mkdirSync(path.join(dir, path.dirname(long)), { recursive: true });
  writeFileSync(path.join(dir, long), 'l\n');
  symlinkSync('run.sh', path.join(dir, 'link.sh'));

  it('roots every entry at the mount path, parents first', async () => {
    const entries = await unpack(packTestFolder(dir));
    const names = [...entries.keys()];
    expect(names.slice(0, 2)).toEqual(['imagestack/', 'imagestack/test/']);
    expect(names).toContain('imagestack/test/run.sh');
    expect(names.every((n) => n.startsWith('imagestack/'))).toBe(true);
  });

  it('keeps spaces, quotes, non-ASCII and long names intact', async () => {
    const entries = await unpack(packTestFolder(dir));
    expect(entries.get(`imagestack/test/with space "and" 'quotes'.txt`)?.body).toBe('q\n');
    expect(entries.get('imagestack/test/ünïcödé-日本.txt')?.body).toBe('u\n');
    expect(entries.get(`imagestack/test/${long}`)?.body).toBe('l\n');
  });

  it('makes everything owned by root and readable by all; executables stay executable', async () => {
    const entries = await unpack(packTestFolder(dir));
    for (const { header } of entries.values()) {
      expect([header.uid, header.gid]).toEqual([0, 0]);
    }
    expect(entries.get('imagestack/test/')!.header.mode).toBe(0o755);
    expect(entries.get('imagestack/test/run.sh')!.header.mode).toBe(0o755);
    expect(entries.get('imagestack/test/private.txt')!.header.mode).toBe(0o644);
    expect(entries.get('imagestack/test/link.sh')!.header).toMatchObject({ type: 'symlink', linkname: 'run.sh' });
  });

  it('takes another mount path and owner', async () => {
    const entries = await unpack(packTestFolder(dir, { mount: '/opt/tests/', uid: 1000, gid: 1001 }));
    expect([...entries.keys()].slice(0, 2)).toEqual(['opt/', 'opt/tests/']);
    expect(entries.get('opt/tests/run.sh')!.header).toMatchObject({ uid: 1000, gid: 1001 });
  });

  it('throws for a folder that does not exist', () => {
    expect(() => packTestFolder(path.join(dir, 'nope'))).toThrow(/ENOENT/);
  });
});
