/**
 * Tag deletion, OCI distribution spec v1.1, "Deleting tags": `DELETE
 * /v2/<name>/manifests/<tag>` removes the tag alone and leaves the manifest (and every
 * other tag pointing at it) in place. Registries MAY refuse it: Debian's docker-registry
 * 2.8 answers 400 DIGEST_INVALID, others 400 UNSUPPORTED or 405. Deleting by digest
 * instead would remove every tag of that manifest, which is never what a caller of
 * this function wants.
 */
import { isDigest } from '../reference/reference';
import { RegistryError } from '../errors';
import { repositoryScope } from './auth';
import { checkNames } from './manifest';
import type { Transport } from './transport';

/**
 * Deletes tag `tag` of `repository`, keeping the manifest.
 *
 * @returns `true` when deleted (202/200), `false` when the registry does not support
 *   deleting a tag alone (400 with DIGEST_INVALID or UNSUPPORTED, 405) or the tag is gone (404)
 * @throws RegistryError for `tag` being a digest, and for every other failure (401, 403, 5xx, …)
 */
export async function deleteTag(t: Transport, repository: string, tag: string): Promise<boolean> {
  checkNames(repository, tag);
  if (isDigest(tag)) throw new RegistryError(`deleteTag needs a tag, not the digest ${tag}: deleting by digest removes every tag of the manifest`, undefined);
  const path = `/v2/${repository}/manifests/${tag}`;
  const res = await t.request({ method: 'DELETE', path, scope: repositoryScope(repository, ['delete']) });
  if (res.status === 202 || res.status === 200) {
    await res.arrayBuffer().catch(() => undefined);
    return true;
  }
  if (res.status === 405 || res.status === 404) {
    await res.arrayBuffer().catch(() => undefined);
    return false;
  }
  const err = await t.error('DELETE', res, { repository }, t.url(path));
  if (res.status === 400 && (err.codes.includes('DIGEST_INVALID') || err.codes.includes('UNSUPPORTED'))) return false;
  throw err;
}
