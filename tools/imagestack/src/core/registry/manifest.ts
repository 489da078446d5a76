/**
 * Manifest operations of the OCI distribution spec v1.1: HEAD and GET
 * `/v2/<name>/manifests/<reference>` ("Pulling manifests", "Checking if content
 * exists"), PUT ("Pushing manifests"), DELETE ("Deleting manifests").
 *
 * As in go-containerregistry (`remote/descriptor.go`, `crane/digest.go`): a descriptor
 * comes from HEAD, falling back to GET and hashing the body when HEAD is not enough.
 */
import { RegistryError } from '../errors';
import { isDigest, isRepositoryPath, isTag } from '../reference/reference';
import { repositoryScope } from './auth';
import { matchesDigest, sha256Digest } from './digest';
import { MANIFEST_ACCEPT, baseMediaType } from './media-types';
import type { Transport } from './transport';
import type { Descriptor } from './types';

/** Throws unless `repository` is a repository path and `reference` a tag or digest. */
export function checkNames(repository: string, reference?: string): void {
  if (!isRepositoryPath(repository)) {
    throw new RegistryError(`invalid repository name ${JSON.stringify(repository)}: use lower-case path components such as namespace/name`, undefined);
  }
  if (reference !== undefined && !isTag(reference) && !isDigest(reference)) {
    throw new RegistryError(`invalid tag or digest ${JSON.stringify(reference)} for ${repository}`, undefined);
  }
}

function manifestPath(repository: string, reference: string): string {
  return `/v2/${repository}/manifests/${reference}`;
}

/**
 * HEAD `/v2/<name>/manifests/<reference>` (OCI distribution spec v1.1, "Checking if
 * content exists in the registry"). The descriptor comes from `Docker-Content-Digest`,
 * `Content-Length` and `Content-Type`; when one is missing, or the registry refuses HEAD
 * (e.g. 405), from a GET whose body is hashed.
 *
 * @returns the descriptor, or `undefined` when the registry answers 404
 * @throws RegistryError for every other status after retries (401, 403, 5xx, …), never `undefined`
 */
export async function headManifest(t: Transport, repository: string, reference: string): Promise<Descriptor | undefined> {
  checkNames(repository, reference);
  const path = manifestPath(repository, reference);
  const res = await t.request({ method: 'HEAD', path, scope: repositoryScope(repository, ['pull']), headers: { accept: MANIFEST_ACCEPT } });
  if (res.status === 404) return undefined;
  if (res.status === 200) {
    const headerDigest = res.headers.get('docker-content-digest') ?? (isDigest(reference) ? reference : null);
    const length = res.headers.get('content-length');
    const mediaType = baseMediaType(res.headers.get('content-type'));
    if (headerDigest && isDigest(headerDigest) && length && /^\d+$/.test(length) && mediaType && mediaType !== 'application/json') {
      return { mediaType, digest: headerDigest, size: Number(length) };
    }
  } else if (res.status === 401 || res.status === 403 || res.status === 429 || res.status >= 500) {
    throw await t.error('HEAD', res, { repository }, t.url(path));
  }
  // HEAD said too little (or the registry does not do HEAD): GET and hash, like crane.Digest.
  try {
    return (await getManifest(t, repository, reference)).descriptor;
  } catch (err) {
    if (err instanceof RegistryError && err.status === 404) return undefined;
    throw err;
  }
}

/**
 * GET `/v2/<name>/manifests/<reference>` (OCI distribution spec v1.1, "Pulling
 * manifests") with the `Accept` header of every manifest and index type. The digest is
 * the sha256 of the bytes received; it is checked against the reference when that is
 * a digest, and against `Docker-Content-Digest` when the registry sent one.
 *
 * @returns the descriptor and the exact bytes (re-PUT them unchanged to keep the digest)
 * @throws RegistryError for any status but 200 (404 included: `codes` has MANIFEST_UNKNOWN),
 *   or when the bytes do not match the digest
 */
export async function getManifest(t: Transport, repository: string, reference: string): Promise<{ descriptor: Descriptor; bytes: Buffer }> {
  checkNames(repository, reference);
  const path = manifestPath(repository, reference);
  const url = t.url(path);
  const res = await t.request({ method: 'GET', path, scope: repositoryScope(repository, ['pull']), headers: { accept: MANIFEST_ACCEPT } });
  if (res.status !== 200) throw await t.error('GET', res, { repository }, url);
  const bytes = await t.body('GET', res, url);
  const digest = sha256Digest(bytes);
  if (isDigest(reference) && !matchesDigest(bytes, reference)) {
    throw new RegistryError(`GET ${url}: the manifest received does not match digest ${reference}; the registry or a proxy corrupted it`, 200);
  }
  const header = res.headers.get('docker-content-digest');
  if (header && header.startsWith('sha256:') && header !== digest) {
    throw new RegistryError(`GET ${url}: the manifest received hashes to ${digest} but the registry says ${header}; the registry or a proxy altered it`, 200);
  }
  let mediaType = baseMediaType(res.headers.get('content-type'));
  if (!mediaType || mediaType === 'application/json' || mediaType === 'application/octet-stream') {
    try {
      const parsed = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown };
      if (typeof parsed.mediaType === 'string') mediaType = parsed.mediaType;
    } catch {
      /* keep what the header said */
    }
  }
  return { descriptor: { mediaType: mediaType ?? 'application/octet-stream', digest, size: bytes.length }, bytes };
}

/**
 * PUT `/v2/<name>/manifests/<tag>` (OCI distribution spec v1.1, "Pushing manifests")
 * with `Content-Type: mediaType`. Every blob and child manifest it references must
 * already be in the repository. Retagging is a GET of the source followed by this PUT
 * with the same bytes (go-containerregistry `remote.Tag`): no layer moves.
 *
 * @param tag a tag, or the manifest's digest to push it untagged
 * @returns the descriptor of what was stored (digest = sha256 of `bytes`)
 * @throws RegistryError for any status but 201/200/202, or when the registry reports a
 *   different digest than the bytes hash to
 */
export async function putManifest(t: Transport, repository: string, tag: string, bytes: Buffer, mediaType: string): Promise<Descriptor> {
  checkNames(repository, tag);
  const path = manifestPath(repository, tag);
  const url = t.url(path);
  const digest = sha256Digest(bytes);
  if (isDigest(tag) && tag !== digest && !matchesDigest(bytes, tag)) {
    throw new RegistryError(`PUT ${url}: the manifest does not hash to ${tag}`, undefined);
  }
  const res = await t.request({
    method: 'PUT',
    path,
    scope: repositoryScope(repository, ['pull', 'push']),
    headers: { 'content-type': mediaType },
    body: bytes,
  });
  if (res.status !== 201 && res.status !== 200 && res.status !== 202) throw await t.error('PUT', res, { repository }, url);
  const header = res.headers.get('docker-content-digest');
  await res.arrayBuffer().catch(() => undefined);
  if (header && header.startsWith('sha256:') && header !== digest) {
    throw new RegistryError(`PUT ${url}: the registry stored digest ${header}, not ${digest}; it rewrote the manifest`, res.status);
  }
  return { mediaType, digest, size: bytes.length };
}

/**
 * DELETE `/v2/<name>/manifests/<digest>` (OCI distribution spec v1.1, "Deleting
 * manifests"). Removes the manifest and every tag pointing at it. Registries may refuse
 * (docker-registry needs `storage.delete.enabled: true`; the error says so).
 *
 * @throws RegistryError when `digest` is not a digest, or for any status but 202/200
 *   (404 when it does not exist, 405 when deletes are disabled)
 */
export async function deleteManifest(t: Transport, repository: string, digest: string): Promise<void> {
  checkNames(repository, digest);
  if (!isDigest(digest)) {
    throw new RegistryError(`deleteManifest needs a digest, not the tag ${JSON.stringify(digest)}: look it up with headManifest first`, undefined);
  }
  const path = manifestPath(repository, digest);
  const res = await t.request({ method: 'DELETE', path, scope: repositoryScope(repository, ['delete']) });
  if (res.status !== 202 && res.status !== 200) throw await t.error('DELETE', res, { repository }, t.url(path));
  await res.arrayBuffer().catch(() => undefined);
}
