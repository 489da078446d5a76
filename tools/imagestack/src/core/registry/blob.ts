/**
 * Blob download, OCI distribution spec v1.1, "Pulling blobs": GET
 * `/v2/<name>/blobs/<digest>`, following redirects (registries often send 307 to
 * object storage; the Authorization header is not sent there), checking the digest.
 * Meant for small blobs (image configs): the blob is held in memory.
 */
import { RegistryError } from '../errors';
import { isDigest } from '../reference/reference';
import { repositoryScope } from './auth';
import { matchesDigest } from './digest';
import { checkNames } from './manifest';
import type { Transport } from './transport';

/**
 * The bytes of blob `digest` in `repository`.
 *
 * @throws RegistryError when `digest` is not a digest, for any final status but 200
 *   (404 BLOB_UNKNOWN included), or when the bytes do not hash to `digest`
 */
export async function getBlob(t: Transport, repository: string, digest: string): Promise<Buffer> {
  checkNames(repository);
  if (!isDigest(digest)) throw new RegistryError(`getBlob needs a digest, not ${JSON.stringify(digest)}`, undefined);
  const path = `/v2/${repository}/blobs/${digest}`;
  const url = t.url(path);
  const res = await t.request({ method: 'GET', path, scope: repositoryScope(repository, ['pull']) });
  if (res.status !== 200) throw await t.error('GET', res, { repository }, url);
  const bytes = await t.body('GET', res, url);
  if (!matchesDigest(bytes, digest)) {
    throw new RegistryError(`GET ${url}: the blob received does not hash to ${digest}; the registry or a proxy corrupted it`, 200);
  }
  return bytes;
}
