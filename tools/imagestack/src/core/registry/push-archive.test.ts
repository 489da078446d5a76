/**
 * Reading `docker save` archives (push-archive.ts) and assembling the Docker schema 2 manifest
 * (push-image.ts), on small archives made here in the two layouts dockerd writes: the Docker
 * image archive of dockerd ≤ 24 (entries in lexical order, so manifest.json comes last and a
 * repeated layer is a symlink) and the OCI layout of dockerd ≥ 25. No engine, no registry.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSavedImage } from './push-archive';
import { manifestBytes } from './push-image';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

type Entry = { name: string; data?: Buffer | string; linkname?: string };

/** A tar of `entries` in the order given. */
async function tarOf(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries) {
    if (e.linkname) p.entry({ name: e.name, type: 'symlink', linkname: e.linkname });
    else p.entry({ name: e.name }, e.data ?? '');
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Two layer tars, as `docker save` stores them (uncompressed). */
async function layers(): Promise<Buffer[]> {
  return [await tarOf([{ name: 'etc/one', data: 'one\n' }]), await tarOf([{ name: 'etc/two', data: 'two\n'.repeat(5000) }])];
}

function config(diffIds: string[]): Buffer {
  return Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } }));
}

describe('readSavedImage', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'push-archive-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the Docker image archive: layers in manifest.json order (not the archive\'s), a repeated layer through its symlink, each spooled with its diff ID', async () => {
    const [a, b] = await layers();
    const cfg = config([`sha256:${sha(a)}`, `sha256:${sha(b)}`, `sha256:${sha(a)}`]);
    // Lexical order, as moby tars its folder: the second layer's folder sorts first.
    const archive = await tarOf([
      { name: '1111/VERSION', data: '1.0' },
      { name: '1111/json', data: '{"id":"1111","parent":"ffff"}' },
      { name: '1111/layer.tar', data: b },
      { name: '2222/layer.tar', linkname: '../ffff/layer.tar' },
      { name: `${sha(cfg)}.json`, data: cfg },
      { name: 'ffff/layer.tar', data: a },
      { name: 'manifest.json', data: JSON.stringify([{ Config: `${sha(cfg)}.json`, RepoTags: null, Layers: ['ffff/layer.tar', '1111/layer.tar', '2222/layer.tar'] }]) },
      { name: 'repositories', data: '{}' },
    ]);
    const seen: string[] = [];
    const image = await readSavedImage(Readable.from([archive]), dir, (l) => seen.push(l.name));
    expect(image.config.equals(cfg)).toBe(true);
    expect(image.layers.map((l) => [l.name, l.diffId, l.size])).toEqual([
      ['ffff/layer.tar', `sha256:${sha(a)}`, a.length],
      ['1111/layer.tar', `sha256:${sha(b)}`, b.length],
      ['ffff/layer.tar', `sha256:${sha(a)}`, a.length],
    ]);
    expect(seen).toEqual(['1111/layer.tar', 'ffff/layer.tar']); // as each was written, in archive order
    expect(readFileSync(image.layers[1].file).equals(b)).toBe(true);
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it('reads the OCI layout of dockerd 25 and later (blobs/sha256/…)', async () => {
    const [a] = await layers();
    const cfg = config([`sha256:${sha(a)}`]);
    const archive = await tarOf([
      { name: `blobs/sha256/${sha(a)}`, data: a },
      { name: `blobs/sha256/${sha(cfg)}`, data: cfg },
      { name: 'index.json', data: '{}' },
      { name: 'manifest.json', data: JSON.stringify([{ Config: `blobs/sha256/${sha(cfg)}`, Layers: [`blobs/sha256/${sha(a)}`] }]) },
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
    ]);
    // The config is under blobs/ too: it is spooled like a layer, and read back from its file.
    const image = await readSavedImage(Readable.from([archive]), dir);
    expect(image.config.equals(cfg)).toBe(true);
    expect(image.layers.map((l) => l.diffId)).toEqual([`sha256:${sha(a)}`]);
  });

  it('refuses an archive whose layers do not hash to the config\'s diff IDs, naming both', async () => {
    const [a, b] = await layers();
    const cfg = config([`sha256:${sha(b)}`]);
    const archive = await tarOf([
      { name: `${sha(cfg)}.json`, data: cfg },
      { name: 'aaaa/layer.tar', data: a },
      { name: 'manifest.json', data: JSON.stringify([{ Config: `${sha(cfg)}.json`, Layers: ['aaaa/layer.tar'] }]) },
    ]);
    await expect(readSavedImage(Readable.from([archive]), dir)).rejects.toThrow(
      `the layers of the docker save archive do not hash to the diff IDs of its config (config: ["sha256:${sha(b)}"], layers: ["sha256:${sha(a)}"]); the archive is corrupt`,
    );
  });

  it('refuses an archive of two images, one without manifest.json, one lacking a layer, and a truncated one', async () => {
    const [a] = await layers();
    const cfg = config([`sha256:${sha(a)}`]);
    const two = await tarOf([{ name: 'manifest.json', data: JSON.stringify([{ Config: 'x.json' }, { Config: 'y.json' }]) }]);
    await expect(readSavedImage(Readable.from([two]), dir)).rejects.toThrow('the docker save archive holds 2 images; pushImage takes the archive of one image');
    const none = await tarOf([{ name: 'aaaa/layer.tar', data: a }]);
    await expect(readSavedImage(Readable.from([none]), dir)).rejects.toThrow('the docker save archive has no manifest.json: it is not an image archive');
    const lacking = await tarOf([
      { name: 'c.json', data: cfg },
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'c.json', Layers: ['aaaa/layer.tar'] }]) },
    ]);
    await expect(readSavedImage(Readable.from([lacking]), dir)).rejects.toThrow('the docker save archive lacks the layer aaaa/layer.tar its manifest.json names');
    const whole = await tarOf([{ name: 'aaaa/layer.tar', data: a }, { name: 'manifest.json', data: '[]' }]);
    await expect(readSavedImage(Readable.from([whole.subarray(0, 700)]), dir)).rejects.toThrow('the docker save archive is truncated');
  });

  it('ends with the signal\'s reason when aborted', async () => {
    const ctl = new AbortController();
    ctl.abort(new Error('stop'));
    const never = new Readable({ read() {} });
    await expect(readSavedImage(never, dir, undefined, ctl.signal)).rejects.toThrow('stop');
  });
});

describe('manifestBytes', () => {
  it('is a Docker schema 2 image manifest: config, then the layers in order, descriptors without other fields', () => {
    const config = { mediaType: 'application/vnd.docker.container.image.v1+json', digest: `sha256:${'c'.repeat(64)}`, size: 10 };
    const layer = { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: `sha256:${'a'.repeat(64)}`, size: 20 };
    const doc = JSON.parse(manifestBytes(config, [layer, { ...layer, extra: 1 } as never]).toString());
    expect(doc).toEqual({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config, layers: [layer, layer] });
  });
});
