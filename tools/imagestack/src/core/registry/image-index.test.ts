import { describe, expect, it } from 'vitest';
import { imageIndexBytes, indexPlatforms, missingPlatforms, missingPlatformsOfTag } from './image-index';
import { RegistryError } from '../errors';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from './media-types';

const d = (mediaType: string, n: number) => ({ mediaType, digest: `sha256:${String(n).repeat(64)}`, size: 500 + n });

describe('image index bytes (OCI image-spec "Image Index")', () => {
  it('names each platform manifest with its platform object, in order; a Docker manifest list when every child is Docker schema 2', () => {
    const { bytes, mediaType } = imageIndexBytes([
      { platform: 'linux/amd64', descriptor: d(DOCKER_MANIFEST, 1) },
      { platform: 'linux/arm/v7', descriptor: d(DOCKER_MANIFEST, 2) },
    ]);
    expect(mediaType).toBe(DOCKER_MANIFEST_LIST);
    expect(JSON.parse(bytes.toString())).toEqual({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST_LIST,
      manifests: [
        { ...d(DOCKER_MANIFEST, 1), platform: { os: 'linux', architecture: 'amd64' } },
        { ...d(DOCKER_MANIFEST, 2), platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
      ],
    });
    expect(indexPlatforms(bytes, mediaType)).toEqual(['linux/amd64', 'linux/arm/v7']);
  });

  it('is an OCI image index when any child is an OCI manifest; refuses no manifest and a platform twice', () => {
    const oci = imageIndexBytes([{ platform: 'linux/arm64', descriptor: d(OCI_MANIFEST, 3) }]);
    expect(oci.mediaType).toBe(OCI_INDEX);
    expect(() => imageIndexBytes([])).toThrow(/at least one/);
    expect(() => imageIndexBytes([1, 2].map((n) => ({ platform: 'linux/arm64', descriptor: d(OCI_MANIFEST, n) })))).toThrow(/once/);
  });

  it('reads no platforms from a single-platform manifest, and leaves attestation entries out', () => {
    expect(indexPlatforms(Buffer.from('{"schemaVersion":2,"config":{}}'), OCI_MANIFEST)).toBeUndefined();
    const withAttestation = Buffer.from(
      JSON.stringify({ manifests: [{ platform: { os: 'linux', architecture: 'arm64' } }, { platform: { os: 'unknown', architecture: 'unknown' } }] }),
    );
    expect(indexPlatforms(withAttestation, OCI_INDEX)).toEqual(['linux/arm64']);
  });

  // A recording fake of the registry's manifest reads, standing for the real registry (the
  // integration test test/platforms.test.ts asks the real one).
  it('says which wanted platforms a tag lacks: none, some, all (single-platform), or no tag', async () => {
    const store = new Map<string, { mediaType: string; bytes: Buffer }>([
      ['both', { mediaType: DOCKER_MANIFEST_LIST, bytes: imageIndexBytes([{ platform: 'linux/amd64', descriptor: d(DOCKER_MANIFEST, 1) }, { platform: 'linux/arm64', descriptor: d(DOCKER_MANIFEST, 2) }]).bytes }],
      ['amd', { mediaType: DOCKER_MANIFEST_LIST, bytes: imageIndexBytes([{ platform: 'linux/amd64', descriptor: d(DOCKER_MANIFEST, 1) }]).bytes }],
      ['single', { mediaType: DOCKER_MANIFEST, bytes: Buffer.from('{"schemaVersion":2,"config":{}}') }],
    ]);
    const client = {
      headManifest: async (_r: string, tag: string) => (store.has(tag) ? { ...d(store.get(tag)!.mediaType, 9) } : undefined),
      getManifest: async (_r: string, tag: string) => ({ descriptor: d(store.get(tag)!.mediaType, 9), bytes: store.get(tag)!.bytes }),
    };
    const wanted = ['linux/amd64', 'linux/arm64'];
    expect(await missingPlatforms(client, 'r', 'both', wanted)).toEqual([]);
    expect(await missingPlatforms(client, 'r', 'amd', wanted)).toEqual(['linux/arm64']);
    expect(await missingPlatforms(client, 'r', 'single', wanted)).toEqual(wanted);
    expect(await missingPlatforms(client, 'r', 'none', wanted)).toBeUndefined();

    // The plan's one-request form: GET only (a 404 RegistryError is "no tag"), same answers.
    const requests: string[] = [];
    const getOnly = {
      getManifest: async (r: string, tag: string) => {
        requests.push(`GET ${tag}`);
        if (!store.has(tag)) throw new RegistryError('not found', 404, ['MANIFEST_UNKNOWN']);
        return client.getManifest(r, tag);
      },
    };
    expect(await missingPlatformsOfTag(getOnly, 'r', 'both', wanted)).toEqual([]);
    expect(await missingPlatformsOfTag(getOnly, 'r', 'amd', wanted)).toEqual(['linux/arm64']);
    expect(await missingPlatformsOfTag(getOnly, 'r', 'single', wanted)).toEqual(wanted);
    expect(await missingPlatformsOfTag(getOnly, 'r', 'none', wanted)).toBeUndefined();
    expect(requests).toEqual(['GET both', 'GET amd', 'GET single', 'GET none']);
    // Any other failure is not "absent".
    const failing = { getManifest: async () => Promise.reject(new RegistryError('unauthorized', 401)) };
    await expect(missingPlatformsOfTag(failing, 'r', 'both', wanted)).rejects.toThrow('unauthorized');
  });
});
