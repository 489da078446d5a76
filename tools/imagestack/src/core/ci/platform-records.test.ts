/**
 * Digest records and the publish job's wait for them, with the in-memory registry of
 * `__fixtures__/memory-registry.ts` (it stands for the registry's manifest API: HEAD, GET, PUT
 * by `<repository>:<tag>`). The real registry: test/ci-matrix.test.ts, "platform dimension".
 */
import { describe, expect, it } from 'vitest';
import { memoryRegistry } from './__fixtures__/memory-registry';
import { MARKER_REPOSITORY, markerTag, writeFailureMarker } from './markers';
import { platformRecordTag, readPlatformRecord, writePlatformRecord, type PlatformRecord } from './platform-records';
import { PlatformJobFailedError, PlatformWaitTimeoutError, waitForPlatformRecords } from './platform-wait';

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/; // OCI distribution spec, tag grammar
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const record = (platform: string, over: Partial<PlatformRecord> = {}): PlatformRecord => ({
  runId: '7-1',
  image: 'base',
  version: '1',
  tag: '1-abc1234',
  platform,
  digest: digest(platform.endsWith('arm64') ? 'b' : 'a'),
  descriptiveTags: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('platform digest records', () => {
  it('have a valid tag per run, image, version and platform, never a failure marker\'s', () => {
    const t = platformRecordTag('7-1', 'base', '1', 'linux/arm64');
    expect(t).toMatch(TAG);
    expect(t).toMatch(/^[0-9a-f]{12}\.7-1\.base\.1\.linux-arm64$/);
    expect(t).not.toBe(platformRecordTag('7-1', 'base', '1', 'linux/amd64'));
    expect(t.split('.')[0]).not.toBe(markerTag('7-1', 'base', '1').split('.')[0]);
    expect(platformRecordTag('r'.repeat(64), 'i'.repeat(60), 'v'.repeat(60), 'linux/arm64')).toHaveLength(128);
  });

  it('are written to <namespace>/imagestack-runs as an empty OCI index and read back, descriptive tags included', async () => {
    const reg = memoryRegistry();
    const tags = [{ tag: '1-python-3.11-abc1234', part: 'python-3.11', tagger: 'python', status: 'not pushed' as const }];
    await writePlatformRecord(reg, 'ns', record('linux/arm64', { descriptiveTags: tags }));
    const [[key, m]] = [...reg.manifests];
    expect(key).toBe(`ns/${MARKER_REPOSITORY}:${platformRecordTag('7-1', 'base', '1', 'linux/arm64')}`);
    expect(JSON.parse(m.bytes.toString()).manifests).toEqual([]);
    expect(await readPlatformRecord(reg, 'ns', '7-1', 'base', '1', 'linux/arm64')).toEqual(record('linux/arm64', { descriptiveTags: tags }));
    expect(await readPlatformRecord(reg, 'ns', '7-1', 'base', '1', 'linux/amd64')).toBeUndefined();
    expect(await readPlatformRecord(reg, 'ns', '7-2', 'base', '1', 'linux/arm64')).toBeUndefined(); // a re-run sees none
  });

  it('refuse a record without a valid digest', async () => {
    const reg = memoryRegistry();
    await writePlatformRecord(reg, 'ns', record('linux/arm64', { digest: 'sha256:nope' }));
    await expect(readPlatformRecord(reg, 'ns', '7-1', 'base', '1', 'linux/arm64')).rejects.toThrow(/names no valid digest for that platform \("sha256:nope"/);
  });
});

/** A clock whose sleep advances it and runs the callbacks due. */
function clock(at: Array<[number, () => Promise<void>]> = []) {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
      for (const item of at.filter(([when]) => when <= t)) {
        at.splice(at.indexOf(item), 1);
        await item[1]();
      }
    },
  };
}

describe('waitForPlatformRecords (the publish job)', () => {
  const BOTH = ['linux/amd64', 'linux/arm64'];

  it('waits until every platform recorded its digest, and returns them in platform order', async () => {
    const reg = memoryRegistry();
    await writePlatformRecord(reg, 'ns', record('linux/arm64'));
    const c = clock([[5000, () => writePlatformRecord(reg, 'ns', record('linux/amd64'))]]);
    const got = await waitForPlatformRecords(reg, 'base', '1', BOTH, { timeoutMs: 60_000, namespace: 'ns', runId: '7-1', ...c });
    expect([...got].map(([p, r]) => [p, r.digest])).toEqual([
      ['linux/amd64', digest('a')],
      ['linux/arm64', digest('b')],
    ]);
    expect(c.now()).toBeGreaterThanOrEqual(5000);
  });

  it('stops at once on a failure marker of the image (a platform job failed): nothing to publish', async () => {
    const reg = memoryRegistry();
    await writePlatformRecord(reg, 'ns', record('linux/amd64'));
    const c = clock([
      [2000, () => writeFailureMarker(reg, 'ns', { runId: '7-1', image: 'base', version: '1', tag: '1-abc1234', status: 'failed', reason: 'test failed: exit 1', createdAt: '' })],
    ]);
    const err = await waitForPlatformRecords(reg, 'base', '1', BOTH, { timeoutMs: 30 * 60_000, namespace: 'ns', runId: '7-1', ...c }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformJobFailedError);
    expect((err as Error).message).toBe('a platform job of base 1 failed: test failed: exit 1; no index is put under 1-abc1234');
    expect(c.now()).toBeLessThan(10_000);
  });

  it('gives up after the timeout naming the missing platforms', async () => {
    const reg = memoryRegistry();
    await writePlatformRecord(reg, 'ns', record('linux/amd64'));
    const c = clock();
    const err = await waitForPlatformRecords(reg, 'base', '1', BOTH, { timeoutMs: 60_000, namespace: 'ns', runId: '7-1', ...c }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformWaitTimeoutError);
    expect((err as Error).message).toMatch(/^waited 1m for the linux\/arm64 job of base 1: no digest recorded, and no failure marker/);
  });

  it('with no time to wait, looks once', async () => {
    const reg = memoryRegistry();
    const c = clock();
    await expect(waitForPlatformRecords(reg, 'base', '1', BOTH, { timeoutMs: 0, namespace: 'ns', runId: '7-1', ...c })).rejects.toThrow(/for the linux\/amd64, linux\/arm64 jobs of base 1/);
    expect(c.now()).toBe(0);
  });
});
