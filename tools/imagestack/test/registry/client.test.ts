/**
 * RegistryClient against the real docker-registry of the global setup, with real images
 * built and pushed by the real docker CLI. Nothing is faked here.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError } from '../../src/core/errors';
import { DOCKER_MANIFEST, OCI_INDEX, RegistryClient, type RequestEvent } from '../../src/core/registry';
import { testEnvironment } from '../support/env';
import { docker, dockerBuild, dockerPush } from './support';

const run = randomBytes(4).toString('hex');
const repo = `imagestack-test/registry-${run}`;

describe('RegistryClient against docker-registry', () => {
  let registry: string;
  let client: RegistryClient;
  const events: RequestEvent[] = [];
  let pushed: { digest: string; size: number };
  let other: { digest: string; size: number };
  let imageId: string;

  beforeAll(() => {
    registry = testEnvironment().registry;
    client = new RegistryClient({ registry, credentials: null, onRequest: (e) => events.push(e) });
    imageId = dockerBuild(`${registry}/${repo}:labelled`, 'FROM debian:bookworm-slim\nLABEL a=b\n');
    pushed = dockerPush(`${registry}/${repo}:labelled`);
    dockerBuild(`${registry}/${repo}:other`, `FROM debian:bookworm-slim\nLABEL which=other run=${run}\n`);
    other = dockerPush(`${registry}/${repo}:other`);
  });

  afterAll(() => {
    // Leave no test image in the engine (the registry keeps its copies under imagestack-test/).
    const tags = [`${registry}/${repo}:labelled`, `${registry}/${repo}:other`, `${registry}/${repo}-delete:doomed`];
    try {
      docker(['rmi', ...tags]);
    } catch {
      /* some were never made */
    }
  });

  it('pings the registry', async () => {
    await client.ping();
  });

  it('headManifest gives the digest and size docker push printed, in one request', async () => {
    events.length = 0;
    const d = await client.headManifest(repo, 'labelled');
    expect(d).toEqual({ mediaType: DOCKER_MANIFEST, digest: pushed.digest, size: pushed.size });
    expect(events.map((e) => `${e.method} ${e.status}`)).toEqual(['HEAD 200']);
  });

  it('getManifest returns the bytes that hash to that digest', async () => {
    const { descriptor, bytes } = await client.getManifest(repo, 'labelled');
    expect(descriptor.digest).toBe(pushed.digest);
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(pushed.digest);
    expect(bytes.length).toBe(pushed.size);
    expect(await client.headManifest(repo, pushed.digest)).toEqual(descriptor);
  });

  it('headManifest answers undefined for a missing tag and a missing repository', async () => {
    expect(await client.headManifest(repo, 'no-such-tag')).toBeUndefined();
    expect(await client.headManifest(`${repo}-absent`, 'latest')).toBeUndefined();
  });

  it('getManifest of a missing tag throws RegistryError 404 MANIFEST_UNKNOWN', async () => {
    const err = (await client.getManifest(repo, 'no-such-tag').catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBe(404);
    expect(err.codes).toEqual(['MANIFEST_UNKNOWN']);
    expect(err.temporary).toBe(false);
    expect(err.message).toContain(`GET http://${registry}/v2/${repo}/manifests/no-such-tag: 404`);
  });

  it('listTags lists the pushed tags, and [] for a missing repository', async () => {
    expect((await client.listTags(repo)).sort()).toEqual(expect.arrayContaining(['labelled', 'other']));
    expect(await client.listTags(`${repo}-absent`)).toEqual([]);
  });

  it('retags without pulling: GET the manifest, PUT it under a new tag, same digest', async () => {
    events.length = 0;
    const { descriptor, bytes } = await client.getManifest(repo, 'labelled');
    const put = await client.putManifest(repo, '2026.1-stable', bytes, descriptor.mediaType);
    expect(put).toEqual(descriptor);
    expect((await client.headManifest(repo, '2026.1-stable'))?.digest).toBe(pushed.digest);
    expect(events.every((e) => e.url.includes('/manifests/'))).toBe(true); // no blob moved
    expect(await client.listTags(repo)).toContain('2026.1-stable');
  });

  it('getImageConfig returns the config blob with its labels; its digest is the image ID', async () => {
    const { digest, manifestDigest, config } = await client.getImageConfig(repo, 'labelled');
    expect(config.config.Labels).toEqual({ a: 'b' });
    expect(digest).toBe(imageId);
    expect(manifestDigest).toBe(pushed.digest);
  });

  it('keeps a multi-platform index whole when retagging, and follows it to the platform asked for', async () => {
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { mediaType: DOCKER_MANIFEST, digest: other.digest, size: other.size, platform: { os: 'linux', architecture: 'arm64' } },
          { mediaType: DOCKER_MANIFEST, digest: pushed.digest, size: pushed.size, platform: { os: 'linux', architecture: 'amd64' } },
        ],
      }),
    );
    const put = await client.putManifest(repo, 'multi', index, OCI_INDEX);
    const { descriptor, bytes } = await client.getManifest(repo, 'multi');
    expect(descriptor).toEqual(put);
    expect(descriptor.mediaType).toBe(OCI_INDEX);
    expect(bytes.equals(index)).toBe(true);
    const retagged = await client.putManifest(repo, 'multi-stable', bytes, descriptor.mediaType);
    expect(retagged.digest).toBe(put.digest);

    expect((await client.getImageConfig(repo, 'multi-stable')).config.config.Labels).toEqual({ a: 'b' });
    const arm = await client.getImageConfig(repo, 'multi', { os: 'linux', architecture: 'arm64' });
    expect(arm.config.config.Labels).toMatchObject({ which: 'other' });
    expect(arm.manifestDigest).toBe(other.digest);
  });

  it('refuses a manifest whose blobs are not in the repository with 400 MANIFEST_BLOB_UNKNOWN', async () => {
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: `sha256:${'1'.repeat(64)}`, size: 2 },
        layers: [],
      }),
    );
    const err = (await client.putManifest(repo, 'broken', manifest, DOCKER_MANIFEST).catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBe(400);
    expect(err.codes).toContain('MANIFEST_BLOB_UNKNOWN');
    expect(err.temporary).toBe(false);
  });

  it('getBlob returns the config blob, verified', async () => {
    const { digest } = await client.getImageConfig(repo, 'labelled');
    const blob = await client.getBlob(repo, digest);
    expect(`sha256:${createHash('sha256').update(blob).digest('hex')}`).toBe(digest);
    const err = (await client.getBlob(repo, `sha256:${'2'.repeat(64)}`).catch((e: unknown) => e)) as RegistryError;
    expect(err.status).toBe(404);
    expect(err.codes).toEqual(['BLOB_UNKNOWN']);
  });

  it('deleteManifest removes a manifest; then HEAD answers undefined', async () => {
    const delRepo = `${repo}-delete`;
    docker(['tag', `${registry}/${repo}:other`, `${registry}/${delRepo}:doomed`]);
    const { digest } = dockerPush(`${registry}/${delRepo}:doomed`);
    expect((await client.headManifest(delRepo, 'doomed'))?.digest).toBe(digest);
    await client.deleteManifest(delRepo, digest);
    expect(await client.headManifest(delRepo, 'doomed')).toBeUndefined();
    expect(await client.headManifest(delRepo, digest)).toBeUndefined();
    const again = (await client.deleteManifest(delRepo, digest).catch((e: unknown) => e)) as RegistryError;
    expect(again.status).toBe(404);
    await expect(client.deleteManifest(delRepo, 'doomed')).rejects.toThrow(/needs a digest/);
  });

  it('says the registry is not running when nothing listens', async () => {
    const dead = new RegistryClient({ registry: '127.0.0.1:1', credentials: null, retries: 1, backoff: { baseMs: 1 } });
    await expect(dead.ping()).rejects.toThrow('cannot reach registry at http://127.0.0.1:1: is it running?');
  });
});
