/**
 * A small seeded pseudo-random generator for reproducible synthetic inputs.
 * Algorithm: mulberry32 (Tommy Ettinger, public domain), a 32-bit state generator with a
 * full 2^32 period, plenty for test data (not for cryptography).
 */

/**
 * @param {number} seed any integer (taken modulo 2^32)
 * @returns a generator object: `next()` uniform in [0, 1), `int(lo, hi)` uniform integer in
 *   [lo, hi] (inclusive), `pick(array)`, `chance(p)` true with probability p,
 *   `weighted(cumulative)` index drawn from a cumulative weight array (binary search).
 */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
    weighted(cumulative) {
      const x = next() * cumulative[cumulative.length - 1];
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid] > x) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    },
  };
}
