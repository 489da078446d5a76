/**
 * Pushing one image layer, OCI distribution spec v1.1 "Pushing blobs":
 * - when its compressed digest is known (from a `mountFrom` image's manifest and config, or from
 *   an earlier push of this process): `HEAD /v2/<name>/blobs/<digest>` ("Checking if content
 *   exists"), then a cross-repository mount from each repository known to hold it
 *   (`POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<other>`, "Mounting a blob from another
 *   repository": 201 mounted; 202 means the registry opened an upload instead, which is cancelled);
 * - otherwise (or when no mount took) the layer is gzip-compressed while it is sent, as a streamed
 *   upload: `POST …/blobs/uploads/` (202 and a `Location`), one chunked `PATCH <location>` with
 *   the compressed stream ("Pushing a blob in chunks", a single chunk of unknown length: the
 *   streamed form docker-registry and other registries accept), then `PUT <location>?digest=<d>`
 *   with no body, `d` computed on the way. Never held in memory; a failed upload is tried again
 *   whole, in a new upload session.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { createGzip } from 'node:zlib';
import { CancelledError, RegistryError } from '../errors';
import { repositoryScope } from './auth';
import { backoffDelay } from './retry';
import type { Transport } from './transport';
import type { Descriptor } from './types';

/** Media type of a gzip-compressed layer in a Docker schema 2 manifest. */
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

/** Whole-upload attempts of one layer before its error is thrown. */
const UPLOAD_ATTEMPTS = 3;

/** A layer to push: its diff ID and how to read its uncompressed tar. */
export interface LayerSource {
  /** `sha256:<hex>` of the uncompressed tar. */
  diffId: string;
  /** Size of the uncompressed tar in bytes. */
  size: number;
  /** The file holding the uncompressed tar. */
  file: string;
}

/** Where a compressed layer is known to be: its descriptor and the repositories holding it. */
export interface KnownLayer {
  descriptor: Descriptor;
  repositories: string[];
}

/** How a layer got into the repository. */
export type LayerOutcome = 'sent' | 'present' | 'mounted';

/** Options of {@link pushLayer}. */
export interface PushLayerOptions {
  signal?: AbortSignal;
  /** Called with the compressed bytes sent so far, now and then. */
  onBytes?: (sent: number) => void;
}

/**
 * Puts the layer `layer` into `repository`: found there, mounted from a repository of `known`, or
 * compressed and sent.
 *
 * @param known the compressed blob of this diff ID, when known
 * @returns the compressed layer's descriptor, how it got there, and the bytes sent
 * @throws RegistryError when the registry refuses (after {@link UPLOAD_ATTEMPTS} whole attempts
 *   for temporary failures); CancelledError when `opts.signal` is aborted
 */
export async function pushLayer(
  t: Transport,
  repository: string,
  layer: LayerSource,
  known: KnownLayer | undefined,
  opts: PushLayerOptions = {},
): Promise<{ descriptor: Descriptor; outcome: LayerOutcome; bytesSent: number }> {
  const scope = repositoryScope(repository, ['pull', 'push']);
  if (known) {
    const { descriptor } = known;
    if (await blobExists(t, repository, descriptor.digest, opts.signal)) return { descriptor, outcome: 'present', bytesSent: 0 };
    for (const from of known.repositories.filter((r) => r !== repository)) {
      if (await mountBlob(t, repository, descriptor.digest, from, scope, opts.signal)) return { descriptor, outcome: 'mounted', bytesSent: 0 };
    }
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const descriptor = await uploadCompressed(t, repository, layer, scope, opts);
      return { descriptor, outcome: 'sent', bytesSent: descriptor.size };
    } catch (e) {
      if (opts.signal?.aborted) throw new CancelledError(`pushing layer ${layer.diffId} to ${repository}`);
      const temporary = e instanceof RegistryError ? e.temporary || e.status === undefined : true;
      if (!temporary || attempt >= UPLOAD_ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, backoffDelay(attempt - 1)));
    }
  }
}

/** `HEAD /v2/<name>/blobs/<digest>`: true for 200, false for 404. */
export async function blobExists(t: Transport, repository: string, digest: string, signal?: AbortSignal): Promise<boolean> {
  const path = `/v2/${repository}/blobs/${digest}`;
  const res = await t.request({ method: 'HEAD', path, scope: repositoryScope(repository, ['pull', 'push']), signal });
  await res.arrayBuffer().catch(() => undefined);
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw await t.error('HEAD', res, { repository }, t.url(path));
}

/** Cross-repository mount: true when mounted (201); false when the registry would not (202: its upload session is cancelled). */
async function mountBlob(t: Transport, repository: string, digest: string, from: string, scope: string, signal?: AbortSignal): Promise<boolean> {
  const path = `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
  const res = await t.request({ method: 'POST', path, scope, signal });
  const location = res.headers.get('location');
  await res.arrayBuffer().catch(() => undefined);
  if (res.status === 201) return true;
  if (res.status !== 202) throw await t.error('POST', res, { repository }, t.url(path));
  if (location) {
    const cancel = await t.request({ method: 'DELETE', path: new URL(location, t.url(path)).toString(), scope, signal }).catch(() => undefined);
    await cancel?.arrayBuffer().catch(() => undefined);
  }
  return false;
}

/** One whole streamed upload (POST, PATCH, PUT) of the layer gzip-compressed. */
async function uploadCompressed(t: Transport, repository: string, layer: LayerSource, scope: string, opts: PushLayerOptions): Promise<Descriptor> {
  const startPath = `/v2/${repository}/blobs/uploads/`;
  const start = await t.request({ method: 'POST', path: startPath, scope, signal: opts.signal });
  const location = start.headers.get('location');
  await start.arrayBuffer().catch(() => undefined);
  if (start.status !== 202) throw await t.error('POST', start, { repository }, t.url(startPath));
  if (!location) throw new RegistryError(`POST ${t.url(startPath)}: 202 without a Location header: the registry does not follow the OCI distribution spec ("Pushing blobs")`, 202);

  // The stream is made again only to answer an auth challenge: each making counts afresh.
  let sent = { digest: '', size: 0 };
  const body = () => {
    const hash = createHash('sha256');
    const counted = { digest: '', size: 0 };
    sent = counted;
    let reported = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        counted.size += chunk.length;
        if (counted.size - reported >= 8 * 1024 * 1024) opts.onBytes?.((reported = counted.size));
        done(null, chunk);
      },
      flush(done) {
        counted.digest = `sha256:${hash.digest('hex')}`;
        done();
      },
    });
    const file = createReadStream(layer.file);
    const gzip = createGzip();
    file.once('error', (e) => count.destroy(e));
    gzip.once('error', (e) => count.destroy(e));
    return file.pipe(gzip).pipe(count);
  };
  const patchUrl = new URL(location, t.url(startPath)).toString();
  const patch = await t.request({ method: 'PATCH', path: patchUrl, scope, signal: opts.signal, headers: { 'content-type': 'application/octet-stream' }, body });
  const next = patch.headers.get('location');
  await patch.arrayBuffer().catch(() => undefined);
  if (patch.status !== 202 && patch.status !== 204) throw await t.error('PATCH', patch, { repository }, redactQuery(patchUrl));
  if (!sent.digest) throw new RegistryError(`PATCH ${redactQuery(patchUrl)}: the registry answered before the whole layer was sent`, patch.status, [], true);

  const target = new URL(next ?? location, patchUrl);
  target.searchParams.set('digest', sent.digest);
  const put = await t.request({ method: 'PUT', path: target.toString(), scope, signal: opts.signal, headers: { 'content-length': '0' } });
  const stored = put.headers.get('docker-content-digest');
  await put.arrayBuffer().catch(() => undefined);
  if (put.status !== 201) throw await t.error('PUT', put, { repository }, redactQuery(target.toString()));
  if (stored && stored.startsWith('sha256:') && stored !== sent.digest) {
    throw new RegistryError(`PUT ${redactQuery(target.toString())}: the registry stored digest ${stored}, not ${sent.digest}`, 201);
  }
  opts.onBytes?.(sent.size);
  return { mediaType: DOCKER_LAYER_GZIP, digest: sent.digest, size: sent.size };
}

/** An upload URL without its query (docker-registry's `_state` is an opaque token). */
function redactQuery(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
