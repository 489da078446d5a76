/**
 * Blob upload, OCI distribution spec v1.1, "Pushing blobs" → "Pushing a blob
 * monolithically" (the POST-then-PUT form): `POST /v2/<name>/blobs/uploads/` opens an
 * upload session and answers `202 Accepted` with its `Location`; `PUT <location>?digest=<digest>`
 * with the whole blob closes it with `201 Created`. A `HEAD /v2/<name>/blobs/<digest>`
 * first skips blobs the repository already holds ("Checking if content exists").
 *
 * Meant for small blobs held in memory (artifact configs and records, a few KiB); image
 * layers are pushed by the Docker engine, never by us.
 */
import { RegistryError } from '../errors';
import { repositoryScope } from './auth';
import { sha256Digest } from './digest';
import { checkNames } from './manifest';
import type { Transport } from './transport';
import type { Descriptor } from './types';

/**
 * Stores `bytes` as a blob of `repository` unless it is there already.
 *
 * @param mediaType the media type of the descriptor returned (the registry does not store it)
 * @returns the blob's descriptor (`digest` = sha256 of `bytes`, `size` in bytes) and
 *   whether it was uploaded (`false` when the HEAD found it)
 * @throws RegistryError for a HEAD answer other than 200/404, a POST answer other than 202
 *   (or one without `Location`), a PUT answer other than 201, or a stored digest that differs
 */
export async function pushBlob(
  t: Transport,
  repository: string,
  bytes: Buffer,
  mediaType = 'application/octet-stream',
): Promise<{ descriptor: Descriptor; uploaded: boolean }> {
  checkNames(repository);
  const digest = sha256Digest(bytes);
  const descriptor: Descriptor = { mediaType, digest, size: bytes.length };
  const scope = repositoryScope(repository, ['pull', 'push']);

  const blobPath = `/v2/${repository}/blobs/${digest}`;
  const head = await t.request({ method: 'HEAD', path: blobPath, scope });
  if (head.status === 200) {
    await head.arrayBuffer().catch(() => undefined);
    return { descriptor, uploaded: false };
  }
  if (head.status !== 404) throw await t.error('HEAD', head, { repository }, t.url(blobPath));
  await head.arrayBuffer().catch(() => undefined);

  const startPath = `/v2/${repository}/blobs/uploads/`;
  const start = await t.request({ method: 'POST', path: startPath, scope });
  if (start.status !== 202) throw await t.error('POST', start, { repository }, t.url(startPath));
  const location = start.headers.get('location');
  await start.arrayBuffer().catch(() => undefined);
  if (!location) {
    throw new RegistryError(`POST ${t.url(startPath)}: 202 without a Location header: the registry does not follow the OCI distribution spec ("Pushing blobs")`, 202);
  }
  // The Location may be relative and may carry its own query (docker-registry's `_state`).
  const target = new URL(location, t.url(startPath));
  target.searchParams.set('digest', digest);
  const put = await t.request({
    method: 'PUT',
    path: target.toString(),
    scope,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
    body: bytes,
  });
  if (put.status !== 201) throw await t.error('PUT', put, { repository }, `${target.origin}${target.pathname}`);
  const stored = put.headers.get('docker-content-digest');
  await put.arrayBuffer().catch(() => undefined);
  if (stored && stored.startsWith('sha256:') && stored !== digest) {
    throw new RegistryError(`PUT ${t.url(blobPath)}: the registry stored digest ${stored}, not ${digest}`, 201);
  }
  return { descriptor, uploaded: true };
}
