/**
 * The image manifest of each platform an image index names (OCI image-spec v1.1, "Image Index":
 * `manifests[]` descriptors with a `platform` object; the Docker manifest list has the same shape).
 */
import { formatPlatform } from '../../platform/platform';
import type { RegistryReader } from '../../ports';

/**
 * Per platform (`os/architecture[/variant]`), the digest of its image manifest in the index under
 * `repository:tag`; empty when the tag names a single image manifest (no platforms).
 * @throws RegistryError when the tag cannot be read (absent: MANIFEST_UNKNOWN)
 */
export async function indexPlatformDigests(client: Pick<RegistryReader, 'getManifest'>, repository: string, tag: string): Promise<Map<string, string>> {
  const { bytes } = await client.getManifest(repository, tag);
  let doc: { manifests?: Array<{ digest?: string; platform?: { os: string; architecture: string; variant?: string } }> };
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return new Map();
  }
  const out = new Map<string, string>();
  for (const m of doc.manifests ?? []) if (m.platform?.os && m.platform.architecture && m.digest) out.set(formatPlatform(m.platform), m.digest);
  return out;
}
