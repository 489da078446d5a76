/**
 * Durations as people write them in specs.yml and on the command line: a sequence of
 * `<number><unit>` with units `w` (7 days), `d`, `h`, `m`, `s`, `ms`, e.g. `30d`, `1d12h`,
 * `90s`, `1.5h`. The same units as Go's `time.ParseDuration` plus days and weeks.
 *
 * Kept rather than a package: `ms` reads no sequences (`1d12h`) and `parse-duration` reads
 * what these must refuse (`30` as 30 ms, `1d 2h`, `3y`), and neither prints `3d4h`/`1m30s`.
 */

const UNIT_MS: Record<string, number> = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const PART = /(\d+(?:\.\d+)?)(ms|w|d|h|m|s)/gy;

/**
 * Parses a duration.
 *
 * @returns milliseconds (rounded down), or `undefined` when `text` is not a duration
 *   (no unit, unknown unit, empty, negative); zero is allowed
 */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (!s) return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = PART.exec(s)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    end = PART.lastIndex;
  }
  return end === s.length ? Math.floor(total) : undefined;
}

/** The fix to show for a bad duration. */
export const DURATION_FIX = 'write a number with a unit, e.g. "30d", "12h", "1d12h", "90s" (units: w, d, h, m, s, ms)';

/** Milliseconds as the largest unit and the next one, e.g. `3d4h`, `2h0m`, `1m30s`, `45s`. */
export function formatAge(ms: number): string {
  const units = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const;
  const rest = Math.max(0, Math.floor(ms));
  const i = units.findIndex(([, size]) => rest >= size);
  if (i < 0) return '0s';
  const [u1, s1] = units[i];
  const first = Math.floor(rest / s1);
  if (i === units.length - 1) return `${first}${u1}`;
  const [u2, s2] = units[i + 1];
  return `${first}${u1}${Math.floor((rest - first * s1) / s2)}${u2}`;
}

/**
 * A duration the way {@link parseDuration} reads it back: `45s`, `1m30s`, `30m`, `1h5m`
 * (whole seconds; `0s` below one second).
 *
 * @param ms a duration in ms
 */
export function formatDurationText(ms: number): string {
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', s || (!h && !m) ? `${s}s` : ''].join('');
}
