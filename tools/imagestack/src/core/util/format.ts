/**
 * Bytes as people read them, in SI units as `docker images` shows them: `0 B`, `512 B`,
 * `1.5 kB`, `204.9 MB` → `205 MB` (no decimal from 100 up). For memory limits, which are
 * powers of 1024, see `verify/test/limits.ts`.
 *
 * Kept rather than `pretty-bytes`: it prints three significant digits and drops a trailing
 * zero (`1.23 MB`, `1 MB`) where the pages, tables and README show one decimal (`1.2 MB`, `1.0 MB`).
 *
 * @param n a size in bytes
 */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}
