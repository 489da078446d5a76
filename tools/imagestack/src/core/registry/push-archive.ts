/**
 * Reading the archive `docker save` makes (Engine API v1.41 "ImageGet"), streamed, for
 * `push-image.ts`. Two layouts are read:
 * - the Docker image archive of dockerd ≤ 24 (moby `image/tarexport`): `manifest.json`
 *   (`[{ Config, RepoTags, Layers }]`), the config as `<image ID hex>.json`, each layer as an
 *   uncompressed `<v1 id>/layer.tar` (a layer whose diff ID appeared before is a symlink to the
 *   first one's `layer.tar`). The entries come in lexical order (moby tars a folder), so
 *   `manifest.json`, which says which `layer.tar` is which layer, comes after every layer;
 * - the OCI image layout of dockerd ≥ 25, whose `manifest.json` names `blobs/sha256/<hex>` paths.
 *
 * Because a layer's place in the image is only known at the end, each layer is written to a
 * file of `dir` while its diff ID (the sha256 of the uncompressed tar, OCI image spec "Layer
 * DiffID") is computed on the way; nothing bigger than a JSON file is ever held in memory.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';

/** One layer tar of the archive, written to a file. */
export interface SpooledLayer {
  /** Its path in the archive, e.g. `3f1c…/layer.tar`. */
  name: string;
  /** `sha256:<hex>` of the uncompressed tar (the diff ID). */
  diffId: string;
  /** Size of the uncompressed tar in bytes. */
  size: number;
  /** The file holding it. */
  file: string;
}

/** The image of a `docker save` archive. */
export interface SavedImage {
  /** The config blob as stored (its sha256 is the image ID). */
  config: Buffer;
  /** The layers in image order (bottom first), each a spooled file; a repeated layer appears again. */
  layers: SpooledLayer[];
}

/** Largest JSON entry read into memory (configs, manifest.json), in bytes. */
const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** True for an entry holding a layer tar to spool rather than read into memory. */
function isLayerEntry(name: string): boolean {
  return name.endsWith('/layer.tar') || name.startsWith('blobs/');
}

/**
 * Reads `archive` to its end: small JSON entries into memory, every layer tar into a file of
 * `dir` (named by its order), calling `onLayer` for each `…/layer.tar` as soon as it is
 * written (for pipelined uploads; the file stays until `dir` is removed).
 *
 * @throws Error naming what is wrong when the archive is not a `docker save` archive of exactly
 *   one image, is truncated, or its layers do not hash to the config's `rootfs.diff_ids`; the
 *   signal's reason when `signal` is aborted
 */
export async function readSavedImage(
  archive: NodeJS.ReadableStream,
  dir: string,
  onLayer?: (layer: SpooledLayer) => void,
  signal?: AbortSignal,
): Promise<SavedImage> {
  const small = new Map<string, Buffer>();
  const spooled = new Map<string, SpooledLayer>();
  const links = new Map<string, string>();
  const ex = extract();
  const source = archive instanceof Readable ? archive : Readable.from(archive as AsyncIterable<Buffer>);
  const fed = pipeline(source, ex, signal ? { signal } : {}).catch((e) => {
    ex.destroy(e);
    throw e;
  });
  fed.catch(() => undefined);
  try {
    for await (const entry of ex) {
      const { name, type, linkname } = entry.header;
      if (type === 'symlink' && linkname) {
        links.set(name, path.posix.normalize(path.posix.join(path.posix.dirname(name), linkname)));
        entry.resume();
      } else if (type === 'file' && isLayerEntry(name)) {
        const layer = await spool(entry, name, path.join(dir, `layer-${spooled.size}.tar`));
        spooled.set(name, layer);
        if (name.endsWith('/layer.tar')) onLayer?.(layer);
      } else if (type === 'file' && (entry.header.size ?? 0) <= MAX_JSON_BYTES) {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        small.set(name, Buffer.concat(chunks));
      } else {
        entry.resume();
      }
    }
    await fed;
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    const message = (e as Error).message;
    throw new Error(/unexpected end of data|premature close/i.test(message) ? 'the docker save archive is truncated' : `the docker save archive is unreadable: ${message}`);
  }
  return assemble(small, spooled, links);
}

/** Writes one entry to `file`, hashing it on the way. */
async function spool(entry: AsyncIterable<unknown>, name: string, file: string): Promise<SpooledLayer> {
  const hash = createHash('sha256');
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(Readable.from(entry), count, createWriteStream(file));
  return { name, diffId: `sha256:${hash.digest('hex')}`, size, file };
}

/** The image from the entries read: manifest.json's one image, its config, its layers in order, checked against the config. */
export function assemble(small: Map<string, Buffer>, spooled: Map<string, SpooledLayer>, links: Map<string, string>): SavedImage {
  const raw = small.get('manifest.json');
  if (!raw) throw new Error('the docker save archive has no manifest.json: it is not an image archive');
  let items: Array<{ Config?: string; Layers?: string[] }>;
  try {
    items = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new Error('the docker save archive has a manifest.json that is not JSON');
  }
  if (!Array.isArray(items) || items.length !== 1) {
    throw new Error(`the docker save archive holds ${Array.isArray(items) ? items.length : 'no list of'} images; pushImage takes the archive of one image`);
  }
  const [item] = items;
  // The OCI layout keeps the config under blobs/ with the layers: read back from its file.
  const spooledConfig = item.Config ? spooled.get(item.Config) : undefined;
  const config = item.Config ? (small.get(item.Config) ?? (spooledConfig && spooledConfig.size <= MAX_JSON_BYTES ? readFileSync(spooledConfig.file) : undefined)) : undefined;
  if (!config) throw new Error(`the docker save archive lacks the config ${JSON.stringify(item.Config)} its manifest.json names`);
  const layers = (item.Layers ?? []).map((name) => {
    let at = name;
    for (let hops = 0; links.has(at) && hops < 8; hops++) at = links.get(at)!;
    const layer = spooled.get(at);
    if (!layer) throw new Error(`the docker save archive lacks the layer ${name} its manifest.json names`);
    return layer;
  });
  const diffIds: unknown = JSON.parse(config.toString('utf8'))?.rootfs?.diff_ids;
  const got = layers.map((l) => l.diffId);
  if (!Array.isArray(diffIds) || diffIds.length !== got.length || diffIds.some((d, i) => d !== got[i])) {
    throw new Error(
      `the layers of the docker save archive do not hash to the diff IDs of its config (config: ${JSON.stringify(diffIds)}, layers: ${JSON.stringify(got)}); the archive is corrupt`,
    );
  }
  return { config, layers };
}
