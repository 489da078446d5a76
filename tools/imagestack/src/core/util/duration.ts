/**
 * Durations as people type them on a command line: `90s`, `30m`, `1h30m`, `500ms`, or a
 * bare number of seconds (`45`). Units: `ms`, `s`, `m`, `h`; parts add up.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration.
 *
 * @param text e.g. `30m`, `1h30m`, `90s`, `45` (seconds)
 * @returns the duration in ms
 * @throws Error naming the text and the accepted forms when it is not a duration
 */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = part.exec(t); m; m = part.exec(t)) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    end = part.lastIndex;
  }
  if (!t || end !== t.length) {
    throw new Error(`"${text}" is not a duration: write e.g. 90s, 30m, 1h30m or 500ms (a bare number is seconds)`);
  }
  return Math.round(total);
}

/**
 * A duration the way {@link parseDuration} reads it: `45s`, `1m30s`, `30m`, `1h5m`
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
  const parts = [h ? `${h}h` : '', m ? `${m}m` : '', s || (!h && !m) ? `${s}s` : ''];
  return parts.join('');
}
