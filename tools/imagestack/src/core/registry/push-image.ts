/**
 * Pushing one image BY DIGEST, with no tag, from the archive `docker save` makes: one
 * platform's image of a multi-platform image, named afterwards by an image index
 * (`image-index.ts`). dockerd 20.10 pushes only tags, so this is our own registry client's job.
 *
 * The steps (OCI distribution spec v1.1, "Pushing blobs" then "Pushing manifests"; the
 * manifest is Docker's "Image Manifest V2, Schema 2"):
 * 1. The layers already known compressed: each `mountFrom` reference (a parent's tag or
 *    digest) gives its image manifest(s) and config(s), hence diff ID ↔ compressed blob for
 *    every layer of the parent, and earlier pushes of this process are remembered the same way.
 *    A child's layers start with its parent's, so those are never compressed nor sent again.
 * 2. The archive is read as it comes (`push-archive.ts`); each layer, once written to a
 *    temporary file, is pushed at once while the archive reading goes on (`push-layer.ts`:
 *    found, mounted, or compressed while sent), one layer upload at a time.
 * 3. The config blob (the archive's config file as it is: its digest stays the image ID).
 * 4. The image manifest, put under its own digest: no tag is created or moved.
 *
 * Nothing bigger than a JSON file is held in memory; the temporary files are removed at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { CancelledError } from '../errors';
import { parseReference } from '../reference/reference';
import { formatPlatform } from '../platform/platform';
import { getBlob } from './blob';
import { getManifest, checkNames, putManifest } from './manifest';
import { DOCKER_CONFIG, DOCKER_MANIFEST, isImageManifestMediaType, isIndexMediaType } from './media-types';
import { readSavedImage, type SpooledLayer } from './push-archive';
import { pushLayer, type KnownLayer, type LayerOutcome } from './push-layer';
import { pushBlob } from './upload';
import { sha256Digest } from './digest';
import type { Transport } from './transport';
import type { Descriptor } from './types';

/** What {@link pushImage} put. */
export interface PushedImage {
  /** The image manifest put: media type, digest, size in bytes. */
  descriptor: Descriptor;
  /** `os/architecture[/variant]` from the image config. */
  platform: string;
  /** Layers sent / found already in the repository / cross-mounted; bytes sent (compressed). */
  layers: { sent: number; present: number; mounted: number; bytesSent: number };
}

/** Options of {@link pushImage}. */
export interface PushImageOptions {
  /** Aborting ends the push at once (`CancelledError`); no manifest is put, nothing is tagged. */
  signal?: AbortSignal;
  /** Progress, one line each: `layer i/n …` with sizes in MB, then the manifest. */
  onProgress?: (detail: string) => void;
  /**
   * Repositories of the same registry whose blobs may be cross-mounted instead of sent: the
   * parents' and the base's. Each is a repository (`ns/name`) or, better, a reference in it
   * (`ns/name:tag`, `ns/name@sha256:…`; an index is followed to each of its images): then
   * its layers' compressed digests are known before anything is compressed, and the child's
   * copies of them are neither compressed nor sent. A reference that does not resolve is
   * skipped (the layers are then sent).
   */
  mountFrom?: readonly string[];
}

/**
 * Compressed layers pushed by this process: diff ID → its blob and the repositories holding it.
 * Not keyed by registry: a digest names the same bytes anywhere, and each use is checked (HEAD,
 * mount) before it is trusted; a mount source on another registry simply does not mount.
 */
const remembered = new Map<string, KnownLayer>();
/** Most entries {@link remembered} keeps (the oldest go first). */
const REMEMBERED_MAX = 10_000;

function remember(diffId: string, descriptor: Descriptor, repository: string): void {
  const key = diffId;
  const had = remembered.get(key);
  const repositories = [repository, ...(had?.descriptor.digest === descriptor.digest ? had.repositories.filter((r) => r !== repository) : [])].slice(0, 8);
  remembered.delete(key);
  remembered.set(key, { descriptor, repositories });
  if (remembered.size > REMEMBERED_MAX) remembered.delete(remembered.keys().next().value as string);
}

/**
 * Pushes the image of a `docker save` archive to `repository` by digest (no tag).
 *
 * @param archive the uncompressed tar of `ImageEngine.saveImage`, read once to its end
 * @returns the image manifest's descriptor, the image's platform, and what the layers took
 * @throws RegistryError naming the request, status and fix when the registry refuses (a
 *   failed push leaves no manifest and no tag: there is none by design); Error when the archive
 *   is not the `docker save` archive of one image; CancelledError when `opts.signal` is aborted
 */
export async function pushImage(t: Transport, repository: string, archive: NodeJS.ReadableStream, opts: PushImageOptions = {}): Promise<PushedImage> {
  checkNames(repository);
  const progress = (s: string) => {
    try {
      opts.onProgress?.(s);
    } catch {
      /* a broken listener must not break the push */
    }
  };
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const cancelled = () => new CancelledError(`pushing ${t.registry}/${repository}`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'imagestack-push-'));
  const pushes = new Map<string, Promise<{ descriptor: Descriptor; outcome: LayerOutcome; bytesSent: number }>>();
  let queue: Promise<unknown> = Promise.resolve();
  try {
    const known = await knownLayers(t, opts.mountFrom ?? [], signal, progress);
    const start = (layer: SpooledLayer) => {
      if (pushes.has(layer.diffId)) return;
      const i = pushes.size + 1;
      const k = known.get(layer.diffId) ?? remembered.get(layer.diffId);
      const p = queue.then(async () => {
        const r = await pushLayer(t, repository, layer, k, {
          signal,
          onBytes: (b) => progress(`layer ${i}: ${mb(b)} sent (compressed) of ${mb(layer.size)} (uncompressed)`),
        });
        progress(`layer ${i}: ${r.outcome === 'sent' ? `sent, ${mb(r.bytesSent)} compressed` : r.outcome === 'mounted' ? `mounted from ${k?.repositories.join(', ')}` : 'already in the repository'} (${r.descriptor.digest.slice(0, 19)})`);
        remember(layer.diffId, r.descriptor, repository);
        return r;
      });
      p.catch(() => stop.abort()); // one failed layer stops the rest; its error is thrown below
      queue = p.catch(() => undefined);
      pushes.set(layer.diffId, p);
    };
    progress(`reading the image and pushing its layers to ${t.registry}/${repository}`);
    let image;
    try {
      image = await readSavedImage(archive, dir, start, signal);
    } catch (e) {
      if (opts.signal?.aborted) throw cancelled();
      // A layer upload that failed stopped the reading: its error says more.
      for (const p of pushes.values()) await p;
      throw e;
    }
    image.layers.forEach(start);
    const layers: Descriptor[] = [];
    const counts = { sent: 0, present: 0, mounted: 0, bytesSent: 0 };
    for (const layer of image.layers) {
      const r = await pushes.get(layer.diffId)!;
      layers.push(r.descriptor);
    }
    for (const p of pushes.values()) {
      const r = await p;
      counts[r.outcome]++;
      counts.bytesSent += r.bytesSent;
    }
    const config = JSON.parse(image.config.toString('utf8')) as { os?: string; architecture?: string; variant?: string };
    if (!config.os || !config.architecture) throw new Error('the config of the docker save archive names no os and architecture');
    const platform = formatPlatform({ os: config.os, architecture: config.architecture, variant: config.variant });
    const configDescriptor = (await pushBlob(t, repository, image.config, DOCKER_CONFIG)).descriptor;
    const bytes = manifestBytes(configDescriptor, layers);
    const descriptor = await putManifest(t, repository, sha256Digest(bytes), bytes, DOCKER_MANIFEST);
    progress(`image manifest ${descriptor.digest} (${platform}) put: ${counts.sent} layers sent (${mb(counts.bytesSent)}), ${counts.present} already there, ${counts.mounted} mounted`);
    return { descriptor, platform, layers: counts };
  } catch (e) {
    if (opts.signal?.aborted && !(e instanceof CancelledError)) throw cancelled();
    throw e;
  } finally {
    stop.abort();
    await queue;
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The bytes of a Docker schema 2 image manifest (Docker "Image Manifest V2, Schema 2"):
 * `schemaVersion` 2, its media type, the config's descriptor, the layers' descriptors in order.
 */
export function manifestBytes(config: Descriptor, layers: readonly Descriptor[]): Buffer {
  const d = (x: Descriptor) => ({ mediaType: x.mediaType, size: x.size, digest: x.digest });
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: DOCKER_MANIFEST, config: d(config), layers: layers.map(d) }, null, 3));
}

/**
 * Diff ID → compressed blob for every layer of the images `mountFrom` names (an index: each of
 * its images), with the repository holding it. A plain repository (no tag nor digest) only adds
 * itself as a mount source for layers remembered from earlier pushes.
 */
async function knownLayers(t: Transport, mountFrom: readonly string[], signal: AbortSignal, progress: (s: string) => void): Promise<Map<string, KnownLayer>> {
  const known = new Map<string, KnownLayer>();
  for (const entry of mountFrom) {
    const ref = parseReference(entry.includes('/') ? entry : `${t.registry}/${entry}`);
    if (!ref || (ref.registry !== 'docker.io' && ref.registry !== t.registry)) {
      progress(`mountFrom ${entry}: not a repository of ${t.registry}; skipped`);
      continue;
    }
    const reference = ref.digest ?? ref.tag;
    if (!reference) {
      for (const k of remembered.values()) if (!k.repositories.includes(ref.path)) k.repositories.push(ref.path);
      continue;
    }
    try {
      for (const { manifest, config } of await imagesOf(t, ref.path, reference)) {
        const diffIds: unknown = config?.rootfs?.diff_ids;
        const layers: unknown = manifest?.layers;
        if (!Array.isArray(diffIds) || !Array.isArray(layers) || diffIds.length !== layers.length) continue;
        diffIds.forEach((diffId, i) => {
          const l = layers[i] as Descriptor;
          if (typeof diffId !== 'string' || typeof l?.digest !== 'string' || known.has(diffId)) return;
          known.set(diffId, { descriptor: { mediaType: l.mediaType, digest: l.digest, size: l.size }, repositories: [ref.path] });
        });
      }
    } catch (e) {
      if (signal.aborted) throw e;
      progress(`mountFrom ${entry}: ${(e as Error).message.split('\n')[0]}; its layers are not known, skipped`);
    }
  }
  return known;
}

/** The image manifest(s) and config(s) of `repository:reference` (each image of an index). */
async function imagesOf(t: Transport, repository: string, reference: string): Promise<Array<{ manifest: any; config: any }>> {
  const { descriptor, bytes } = await getManifest(t, repository, reference);
  const doc = JSON.parse(bytes.toString('utf8'));
  const digests: string[] = isIndexMediaType(descriptor.mediaType)
    ? (doc.manifests ?? []).filter((m: { mediaType?: string }) => isImageManifestMediaType(m.mediaType)).map((m: { digest: string }) => m.digest)
    : [];
  const manifests = digests.length ? await Promise.all(digests.map(async (d) => JSON.parse((await getManifest(t, repository, d)).bytes.toString('utf8')))) : [doc];
  return Promise.all(
    manifests
      .filter((m) => typeof m?.config?.digest === 'string')
      .map(async (manifest) => ({ manifest, config: JSON.parse((await getBlob(t, repository, manifest.config.digest)).toString('utf8')) })),
  );
}

/** Bytes as MB with one decimal. */
function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

