/**
 * An image's config blob (OCI image spec, "Image Configuration"): the manifest, through
 * an index when the reference names one, then the blob its `config` descriptor names.
 */
import { RegistryError } from '../errors';
import { getBlob } from './blob';
import { getManifest } from './manifest';
import { isIndexMediaType } from './media-types';
import type { Transport } from './transport';
import type { Platform } from './types';

/** Platform picked from an index when the caller names none. */
export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

interface IndexEntry {
  mediaType?: string;
  digest?: string;
  platform?: { os?: string; architecture?: string };
}

/**
 * Picks the manifest of `platform` from an index's `manifests`, skipping attestation
 * entries (`unknown/unknown`); the first image entry when none matches.
 *
 * @returns the entry's digest, or `undefined` when the index lists no image
 */
export function pickPlatform(manifests: readonly IndexEntry[], platform: Platform): string | undefined {
  const images = manifests.filter(
    (m) => typeof m.digest === 'string' && !(m.platform?.os === 'unknown' && m.platform?.architecture === 'unknown'),
  );
  const match = images.find((m) => m.platform?.os === platform.os && m.platform?.architecture === platform.architecture);
  return (match ?? images[0])?.digest;
}

/**
 * The parsed config blob of the image `repository:reference` (labels are at
 * `config.config.Labels`). An index is followed to the manifest of `platform`
 * (default linux/amd64; else its first image).
 *
 * @returns `digest`: the config blob's digest (the image ID `docker inspect` shows);
 *   `manifestDigest`: the single-platform manifest's digest; `config`: the parsed JSON
 * @throws RegistryError when a manifest or the blob is missing or unreadable, or the
 *   manifest has no config (e.g. Docker schema 1)
 */
export async function getImageConfig(
  t: Transport,
  repository: string,
  reference: string,
  platform: Platform = DEFAULT_PLATFORM,
): Promise<{ digest: string; manifestDigest: string; config: any }> {
  let { descriptor, bytes } = await getManifest(t, repository, reference);
  let manifest = parse(bytes, `${repository}:${reference}`);
  if (isIndexMediaType(descriptor.mediaType) || (Array.isArray(manifest.manifests) && !manifest.config)) {
    const chosen = pickPlatform(manifest.manifests ?? [], platform);
    if (!chosen) throw new RegistryError(`${t.registry}/${repository}:${reference} is an index with no image manifest`, undefined);
    ({ descriptor, bytes } = await getManifest(t, repository, chosen));
    manifest = parse(bytes, `${repository}@${chosen}`);
  }
  const configDigest = manifest.config?.digest;
  if (typeof configDigest !== 'string') {
    throw new RegistryError(`${t.registry}/${repository}:${reference} has no config descriptor (media type ${descriptor.mediaType}); push it as a Docker v2 or OCI image`, undefined);
  }
  const blob = await getBlob(t, repository, configDigest);
  let config: any;
  try {
    config = JSON.parse(blob.toString('utf8'));
  } catch {
    throw new RegistryError(`config blob ${configDigest} of ${t.registry}/${repository}:${reference} is not JSON`, undefined);
  }
  return { digest: configDigest, manifestDigest: descriptor.digest, config };
}

function parse(bytes: Buffer, what: string): { manifests?: IndexEntry[]; config?: { digest?: unknown } } {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new RegistryError(`the manifest of ${what} is not JSON`, undefined);
  }
}
