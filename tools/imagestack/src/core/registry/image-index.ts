/**
 * Multi-platform images: assembling an image index from per-platform image manifests, and
 * reading which platforms an index names. The shape is the OCI image-spec v1.1, "Image Index"
 * (`schemaVersion` 2, `mediaType`, `manifests[]` of descriptors each with a `platform` object
 * `{ os, architecture, variant? }`), or its Docker predecessor, the manifest list (same JSON,
 * media type `application/vnd.docker.distribution.manifest.list.v2+json`). Putting it is the
 * distribution-spec v1.1 "Pushing Manifests": each child manifest must already be in the
 * repository (pushed by digest, without a tag), then the index is put under the tag; a registry
 * refuses an index naming a manifest it does not hold (400 MANIFEST_BLOB_UNKNOWN / MANIFEST_UNKNOWN).
 */
import { RegistryError } from '../errors';
import { formatPlatform, parsePlatform } from '../platform/platform';
import type { RegistryClient } from './client';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, isIndexMediaType, OCI_INDEX } from './media-types';
import type { Descriptor } from './types';

/** One platform's image manifest, as pushed (by digest). */
export interface PlatformManifest {
  /** `os/architecture[/variant]`. */
  platform: string;
  /** The image manifest's descriptor (media type, digest, size in bytes). */
  descriptor: Descriptor;
}

/**
 * The bytes of an index naming `manifests` in the order given: a Docker manifest list when every
 * child is a Docker schema 2 manifest (what dockerd 20.10 pushes; clients of that era read only
 * that), else an OCI image index.
 * @throws Error when `manifests` is empty or names a platform twice (a caller's bug)
 */
export function imageIndexBytes(manifests: readonly PlatformManifest[]): { bytes: Buffer; mediaType: string } {
  if (manifests.length === 0) throw new Error('internal: an image index needs at least one manifest');
  const seen = new Set(manifests.map((m) => m.platform));
  if (seen.size !== manifests.length) throw new Error('internal: an image index names each platform once');
  const mediaType = manifests.every((m) => m.descriptor.mediaType === DOCKER_MANIFEST) ? DOCKER_MANIFEST_LIST : OCI_INDEX;
  const index = {
    schemaVersion: 2,
    mediaType,
    manifests: manifests.map((m) => ({
      mediaType: m.descriptor.mediaType,
      digest: m.descriptor.digest,
      size: m.descriptor.size,
      platform: parsePlatform(m.platform),
    })),
  };
  return { bytes: Buffer.from(JSON.stringify(index)), mediaType };
}

/**
 * The platforms (`os/architecture[/variant]`) an index's bytes name, in its order, attestation
 * entries (`unknown/unknown`) left out; `undefined` when the bytes are not an index (a
 * single-platform image manifest).
 */
export function indexPlatforms(bytes: Buffer, mediaType: string): string[] | undefined {
  let doc: { manifests?: Array<{ platform?: { os?: string; architecture?: string; variant?: string } }> };
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isIndexMediaType(mediaType) && !Array.isArray(doc.manifests)) return undefined;
  return (doc.manifests ?? [])
    .map((m) => m.platform)
    .filter((p): p is { os: string; architecture: string; variant?: string } => typeof p?.os === 'string' && typeof p.architecture === 'string')
    .filter((p) => !(p.os === 'unknown' && p.architecture === 'unknown'))
    .map((p) => formatPlatform(p));
}

/**
 * Puts the index of `manifests` under `repository:tag` (each manifest already pushed by digest).
 * @returns the index's descriptor (digest = sha256 of the bytes put)
 * @throws RegistryError when the registry refuses it (e.g. a child manifest it does not hold)
 */
export function putImageIndex(
  client: Pick<RegistryClient, 'putManifest'>,
  repository: string,
  tag: string,
  manifests: readonly PlatformManifest[],
): Promise<Descriptor> {
  const { bytes, mediaType } = imageIndexBytes(manifests);
  return client.putManifest(repository, tag, bytes, mediaType);
}

/**
 * Which of `wanted` platforms the manifest under `repository:tag` lacks, in ONE request: a GET
 * of the manifest ("Pulling manifests", OCI distribution spec), a 404 meaning no such tag. The
 * plan asks this of every multi-platform tag, so a re-run costs one request per image and
 * version whatever its platforms (HEAD then GET would cost two). Same answers as
 * {@link missingPlatforms}.
 *
 * @returns `[]` when the tag is an index naming every one of `wanted`; the ones it lacks (every
 *   one for a single-platform image manifest); `undefined` when there is no such tag
 * @throws RegistryError for any answer but found / 404
 */
export async function missingPlatformsOfTag(
  client: Pick<RegistryClient, 'getManifest'>,
  repository: string,
  tag: string,
  wanted: readonly string[],
): Promise<string[] | undefined> {
  let found: { descriptor: Descriptor; bytes: Buffer };
  try {
    found = await client.getManifest(repository, tag);
  } catch (e) {
    if (e instanceof RegistryError && e.status === 404) return undefined;
    throw e;
  }
  const have = indexPlatforms(found.bytes, found.descriptor.mediaType) ?? [];
  return wanted.filter((p) => !have.includes(p));
}

/**
 * Which of `wanted` platforms the manifest under `repository:tag` lacks: `[]` when it is an
 * index naming every one; `undefined` when there is no such tag; every one of `wanted` when the
 * tag names a single-platform image manifest (it names no platform as an index does).
 */
export async function missingPlatforms(
  client: Pick<RegistryClient, 'getManifest' | 'headManifest'>,
  repository: string,
  tag: string,
  wanted: readonly string[],
): Promise<string[] | undefined> {
  if (!(await client.headManifest(repository, tag))) return undefined;
  const { descriptor, bytes } = await client.getManifest(repository, tag);
  const have = indexPlatforms(bytes, descriptor.mediaType) ?? [];
  return wanted.filter((p) => !have.includes(p));
}
