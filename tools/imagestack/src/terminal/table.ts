/** Plain-text tables for the terminal: columns padded to their widest cell. */
import { formatBytes as formatSize } from '../core/util/format';

/**
 * Formats rows as an aligned table with a header line.
 *
 * @param header column titles
 * @param rows cells as strings, one array per row
 */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Milliseconds as `1.2s` / `3m04s`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Bytes in SI units (see core/util/format), or an empty cell when unknown. */
export function formatBytes(n: number | undefined): string {
  return n === undefined ? '' : formatSize(n);
}
