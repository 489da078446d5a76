/**
 * The promotion history in the real registry of the global setup: records written as OCI
 * artifacts (blobs by POST + PUT, manifest by PUT) and read back, newest first; a
 * repository that does not exist yet; a record tag never overwritten; a foreign artifact
 * under a record tag refused with a clear error. Nothing is faked.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { RegistryError } from '../../src/core/errors';
import { RegistryClient } from '../../src/core/registry';
import { OCI_MANIFEST } from '../../src/core/registry/media-types';
import { readPromotions, writePromotion, nextNumber, readPromotion } from '../../src/core/release/history';
import { PROMOTION_MEDIA_TYPE, promotionsRepository } from '../../src/core/release/record';
import type { Promotion } from '../../src/core/release/types';
import { testEnvironment } from '../support/env';

const D = (c: string) => `sha256:${c.repeat(64)}`;

function promotion(number: number, over: Partial<Promotion> = {}): Promotion {
  return {
    number,
    version: '2026.2',
    kind: 'promote',
    commit: `${number}`.repeat(40).slice(0, 40),
    at: new Date(Date.UTC(2026, 10, 21, 6, number)).toISOString(),
    by: 'tester',
    images: [
      { image: 'base', repository: 'x/base', sourceTag: `2026.2-${number}`, stableTag: '2026.2-stable', previousDigest: number > 1 ? D('a') : null, digest: D('b'), mediaType: OCI_MANIFEST },
    ],
    ...over,
  };
}

describe('promotion history in the registry', () => {
  let client: RegistryClient;
  const namespace = `it-history-${randomBytes(4).toString('hex')}`;

  beforeAll(() => {
    client = new RegistryClient({ registry: testEnvironment().registry, credentials: null });
  });

  it('is empty when the repository does not exist', async () => {
    expect(await readPromotions(client, namespace, '2026.2')).toEqual([]);
    expect(await nextNumber(client, namespace, '2026.2')).toBe(1);
  });

  it('writes records and reads them newest first, per version', async () => {
    const first = await writePromotion(client, namespace, promotion(1));
    expect(first.reference).toBe(`${client.registry}/${namespace}/imagestack-promotions:2026.2-000001`);
    await writePromotion(client, namespace, promotion(2, { kind: 'revert', revertOf: 1 }));
    await writePromotion(client, namespace, promotion(1, { version: '2026.1' }));
    expect(await nextNumber(client, namespace, '2026.2')).toBe(3);
    const history = await readPromotions(client, namespace, '2026.2');
    expect(history).toEqual([promotion(2, { kind: 'revert', revertOf: 1 }), promotion(1)]);
    expect((await readPromotions(client, namespace, '2026.1')).map((p) => p.number)).toEqual([1]);
    expect(await readPromotion(client, namespace, '2026.2', 9)).toBeUndefined();
    const { descriptor, bytes } = await client.getManifest(promotionsRepository(namespace), '2026.2-000001');
    expect(descriptor.mediaType).toBe(OCI_MANIFEST);
    expect(descriptor.digest).toBe(first.digest);
    expect(JSON.parse(bytes.toString()).artifactType).toBe(PROMOTION_MEDIA_TYPE);
  });

  it('never overwrites a record', async () => {
    const err = (await writePromotion(client, namespace, promotion(2, { by: 'someone else' })).catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.message).toContain('exists already');
    expect((await readPromotion(client, namespace, '2026.2', 2))?.by).toBe('tester');
  });

  it('refuses a foreign artifact under a record tag, naming it and the fix', async () => {
    const ns = `${namespace}-bad`;
    const repo = promotionsRepository(ns);
    const { descriptor: cfg } = await client.pushBlob(repo, Buffer.from('{}'), 'application/vnd.oci.empty.v1+json');
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/x-other', config: cfg, layers: [] }));
    await client.putManifest(repo, '2026.2-000001', manifest, OCI_MANIFEST);
    const err = (await readPromotions(client, ns, '2026.2').catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.message).toContain(`${client.registry}/${repo}:2026.2-000001 is not a valid imagestack promotion record`);
    expect(err.message).toContain('application/x-other');
    expect(err.message).toContain('fix:');
  });

  it('deleteTag: docker-registry 2.8 cannot delete a tag alone; it says so and keeps the tag', async () => {
    const repo = promotionsRepository(namespace);
    expect(await client.deleteTag(repo, '2026.2-000001')).toBe(false);
    expect(await client.headManifest(repo, '2026.2-000001')).toBeDefined();
  });

  it('pushBlob skips a blob the repository holds already', async () => {
    const repo = promotionsRepository(namespace);
    const bytes = Buffer.from(`blob ${randomBytes(4).toString('hex')}`);
    expect((await client.pushBlob(repo, bytes)).uploaded).toBe(true);
    const again = await client.pushBlob(repo, bytes);
    expect(again.uploaded).toBe(false);
    expect(await client.getBlob(repo, again.descriptor.digest)).toEqual(bytes);
  });
});
