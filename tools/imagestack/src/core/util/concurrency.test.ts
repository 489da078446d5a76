import { describe, expect, it } from 'vitest';
import { mapLimit } from './concurrency';

describe('mapLimit', () => {
  it('keeps input order and at most `limit` calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([30, 10, 20, 5, 1], 2, async (ms, i) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return `${i}:${ms}`;
    });
    expect(out).toEqual(['0:30', '1:10', '2:20', '3:5', '4:1']);
    expect(most).toBe(2);
  });

  it('rejects with the first error', async () => {
    await expect(mapLimit([1, 2, 3], 1, async (n) => { if (n === 2) throw new Error('two'); return n; })).rejects.toThrow('two');
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});
