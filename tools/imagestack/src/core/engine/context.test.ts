import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tarStream from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { EngineError } from '../errors';
import { packContext, specialFiles } from './context';

/** Every entry of the tar stream: name → { type, content, linkname }. */
async function entries(stream: NodeJS.ReadableStream): Promise<Map<string, { type: string; content: Buffer; linkname?: string }>> {
  const out = new Map<string, { type: string; content: Buffer; linkname?: string }>();
  const extract = tarStream.extract();
  extract.on('entry', (header, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (c: Buffer) => chunks.push(c));
    body.on('end', () => {
      out.set(header.name, { type: header.type ?? 'file', content: Buffer.concat(chunks), linkname: header.linkname ?? undefined });
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    stream.on('error', reject);
    stream.pipe(extract);
  });
  return out;
}

describe('packContext', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-context-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const large = Buffer.alloc(3 * 1024 * 1024 + 17, 7); // read in chunks, not whole
  mkdirSync(path.join(dir, 'src/deep'), { recursive: true });
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM debian:bookworm-slim\nCOPY . /ctx\n');
  writeFileSync(path.join(dir, '.dockerignore'), 'secret.txt\n*.log\n');
  writeFileSync(path.join(dir, 'secret.txt'), 'no');
  writeFileSync(path.join(dir, 'build.log'), 'no');
  writeFileSync(path.join(dir, 'empty'), '');
  writeFileSync(path.join(dir, 'src/deep/a.txt'), 'alpha\n');
  writeFileSync(path.join(dir, 'large.bin'), large);
  symlinkSync('src/deep/a.txt', path.join(dir, 'link'));

  it('streams every file not ignored, with its exact content, and appends the labels to the Dockerfile', async () => {
    const got = await entries(packContext(dir, 'Dockerfile', { 'org.opencontainers.image.title': 'x "y"' }));
    expect([...got.keys()].sort()).toEqual(['.', '.dockerignore', 'Dockerfile', 'empty', 'large.bin', 'link', 'src', 'src/deep', 'src/deep/a.txt']);
    expect(got.get('Dockerfile')!.content.toString()).toBe('FROM debian:bookworm-slim\nCOPY . /ctx\nLABEL "org.opencontainers.image.title"="x \\"y\\""\n');
    expect(got.get('src/deep/a.txt')!.content.toString()).toBe('alpha\n');
    expect(got.get('empty')!.content.length).toBe(0);
    expect(got.get('large.bin')!.content.equals(large)).toBe(true);
    expect(got.get('link')).toMatchObject({ type: 'symlink', linkname: 'src/deep/a.txt' });
  });

  it('fails the stream when the context folder does not exist', async () => {
    await expect(entries(packContext(path.join(dir, 'missing')))).rejects.toThrow(/ENOENT/);
  });
});

describe('specialFiles (issue 11: a FIFO in a context is named before the build)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-context-special-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'run'), { recursive: true });
  mkdirSync(path.join(dir, 'cache/deep'), { recursive: true });
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
  writeFileSync(path.join(dir, 'run/a.txt'), 'a');
  execFileSync('mkfifo', [path.join(dir, 'run/pipe')]);
  execFileSync('mkfifo', [path.join(dir, 'cache/deep/pipe')]);

  it('finds a FIFO the .dockerignore does not exclude, and packContext names it', async () => {
    writeFileSync(path.join(dir, '.dockerignore'), 'cache\n');
    expect(specialFiles(dir)).toEqual([{ path: 'run/pipe', kind: 'a FIFO (named pipe)' }]);
    const err = await entries(packContext(dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message).toContain(`${path.join(dir, 'run/pipe')} is a FIFO (named pipe)`);
  });

  it('finds none when the .dockerignore excludes them (as packContext does)', async () => {
    writeFileSync(path.join(dir, '.dockerignore'), 'cache\nrun/pipe\n');
    expect(specialFiles(dir)).toEqual([]);
    expect([...(await entries(packContext(dir))).keys()].sort()).toEqual(['.', '.dockerignore', 'Dockerfile', 'run', 'run/a.txt']);
  });

  it('finds none in a context folder that does not exist', () => {
    expect(specialFiles(path.join(dir, 'missing'))).toEqual([]);
  });
});

describe('packContext and specialFiles with inner contexts left out (variants)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-context-inner-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'cuda12/deep'), { recursive: true });
  mkdirSync(path.join(dir, 'cuda12x'), { recursive: true });
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM debian:bookworm-slim\nCOPY . /ctx\n');
  writeFileSync(path.join(dir, 'setup.sh'), 'echo\n');
  writeFileSync(path.join(dir, 'cuda12/Dockerfile'), 'FROM x\n');
  writeFileSync(path.join(dir, 'cuda12/deep/a.txt'), 'a\n');
  writeFileSync(path.join(dir, 'cuda12x/b.txt'), 'b\n');
  execFileSync('mkfifo', [path.join(dir, 'cuda12/pipe')]);

  it('sends nothing of an excluded folder, and only whole path segments match', async () => {
    const names = [...(await entries(packContext(dir, 'Dockerfile', {}, ['cuda12']))).keys()].sort();
    expect(names).toEqual(['.', 'Dockerfile', 'cuda12x', 'cuda12x/b.txt', 'setup.sh']);
    expect(specialFiles(dir, 'Dockerfile', ['cuda12'])).toEqual([]);
    expect(specialFiles(dir, 'Dockerfile').map((f) => f.path)).toEqual(['cuda12/pipe']);
  });
});
