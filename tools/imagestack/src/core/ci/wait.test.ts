import { describe, expect, it } from 'vitest';
import { writeFailureMarker } from './markers';
import { memoryRegistry } from './__fixtures__/memory-registry';
import { ParentFailedError, waitForParentTags, WaitTimeoutError, type ParentTag } from './wait';

const parent = (image: string): ParentTag => ({ image, version: '1', repository: `ns/${image}`, tag: '1-abc', reference: `reg/ns/${image}:1-abc` });

/** A fake clock: sleeping advances it and runs `at` callbacks due by then. */
function clock(at: Array<[number, () => Promise<void> | void]> = []) {
  let t = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
      for (const [when, fn] of at.filter(([when]) => when <= t)) {
        at.splice(at.indexOf(at.find(([w]) => w === when)!), 1);
        await fn();
      }
    },
  };
}

const put = (reg: ReturnType<typeof memoryRegistry>, p: ParentTag) => reg.putManifest(p.repository, p.tag, Buffer.from('{}'), 'application/vnd.oci.image.manifest.v1+json');

describe('waitForParentTags', () => {
  it('returns at once when the tags are there', async () => {
    const reg = memoryRegistry();
    await put(reg, parent('base'));
    const c = clock();
    await waitForParentTags(reg, [parent('base')], { timeoutMs: 60_000, namespace: 'ns', now: c.now, sleep: c.sleep });
    expect(c.sleeps).toEqual([]);
  });

  it('polls, backing off from 1 s up to pollMs, until every tag appeared, reporting progress', async () => {
    const reg = memoryRegistry();
    const c = clock([
      [3000, () => void put(reg, parent('base'))],
      [40_000, () => void put(reg, parent('side'))],
    ]);
    const progress: string[] = [];
    await waitForParentTags(reg, [parent('base'), parent('side')], {
      timeoutMs: 600_000,
      namespace: 'ns',
      pollMs: 10_000,
      now: c.now,
      sleep: c.sleep,
      onProgress: (missing) => progress.push(missing.map((p) => p.image).join(',')),
    });
    expect(c.sleeps.slice(0, 4)).toEqual([1000, 1500, 2250, 3375]);
    expect(Math.max(...c.sleeps)).toBe(10_000);
    expect(progress[0]).toBe('base,side');
    expect(progress.at(-1)).toBe('side');
  });

  it("stops at once on a parent's failure marker of this run, naming the parent and why", async () => {
    const reg = memoryRegistry();
    const c = clock([
      [5000, () => writeFailureMarker(reg, 'ns', { runId: 'r1', image: 'base', version: '1', tag: '1-abc', status: 'failed', reason: 'test failed: exit 3', createdAt: '' })],
    ]);
    const err = await waitForParentTags(reg, [parent('base')], { timeoutMs: 3_600_000, namespace: 'ns', runId: 'r1', now: c.now, sleep: c.sleep }).catch((e) => e);
    expect(err).toBeInstanceOf(ParentFailedError);
    expect(err.message).toBe('parent base 1 will not be pushed in this run (reg/ns/base:1-abc): its job failed: test failed: exit 3');
    expect(c.now()).toBeLessThan(10_000);
  });

  it('ignores markers of other runs and gives up after the timeout, naming the missing tags', async () => {
    const reg = memoryRegistry();
    await writeFailureMarker(reg, 'ns', { runId: 'old', image: 'base', version: '1', tag: '1-abc', status: 'failed', reason: 'x', createdAt: '' });
    const c = clock();
    const err = await waitForParentTags(reg, [parent('base')], { timeoutMs: 60_000, namespace: 'ns', runId: 'new', now: c.now, sleep: c.sleep }).catch((e) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(err.message).toMatch(/^waited 1m for reg\/ns\/base:1-abc: not in the registry, and no job of this run reported a failure/);
    expect(c.now()).toBe(60_000);
  });

  it('stops when cancelled', async () => {
    const reg = memoryRegistry();
    const ac = new AbortController();
    const c = clock([[2500, () => ac.abort()]]);
    await expect(waitForParentTags(reg, [parent('base')], { timeoutMs: 60_000, namespace: 'ns', signal: ac.signal, now: c.now, sleep: c.sleep })).rejects.toThrow('cancelled');
  });
});
