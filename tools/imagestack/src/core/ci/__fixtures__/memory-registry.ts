/** Test fixture: an in-memory registry of manifests for the marker and wait unit tests (the integration tests use the real registry). */
import type { Descriptor } from '../../registry';
import type { MarkerRegistry } from '../markers';

/** An in-memory registry of manifests (the real one is used by the integration tests). */
export function memoryRegistry(): MarkerRegistry & { manifests: Map<string, { bytes: Buffer; mediaType: string }> } {
  const manifests = new Map<string, { bytes: Buffer; mediaType: string }>();
  const descriptor = (m: { bytes: Buffer; mediaType: string }): Descriptor => ({ mediaType: m.mediaType, digest: 'sha256:x', size: m.bytes.length }) as Descriptor;
  return {
    manifests,
    async headManifest(repo, ref) {
      const m = manifests.get(`${repo}:${ref}`);
      return m && descriptor(m);
    },
    async getManifest(repo, ref) {
      const m = manifests.get(`${repo}:${ref}`);
      if (!m) throw new Error('manifest unknown');
      return { descriptor: descriptor(m), bytes: m.bytes };
    },
    async putManifest(repo, tag, bytes, mediaType) {
      manifests.set(`${repo}:${tag}`, { bytes, mediaType });
      return descriptor({ bytes, mediaType });
    },
  };
}

