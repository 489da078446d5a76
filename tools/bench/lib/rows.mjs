/**
 * Result rows of the benchmark suite, and the table printed from them.
 *
 * A row: `{ name, metric, unit, value, min, max, runs, baseline, baselineName, ratio, goal, met }`
 * - name: the measure (e.g. `plan-scale`); metric: what this row measures (e.g. `wall N=1000 M=10000`);
 * - unit: `ms`, `MB`, `x`, `requests`, `exponent`...; value: the median (or the single figure);
 * - min/max/runs: the spread of the samples behind `value` (null when not a timing);
 * - baseline/baselineName: the figure it is compared with, timed in the same run, and what it is;
 * - ratio: value ÷ baseline, or the goal's own ratio (e.g. wall ÷ lower bound);
 * - goal: short text (`< 1 s`, `≤ 1.10 × lower bound`), null when the row is informative only;
 * - met: whether the goal holds (null when there is no goal).
 * Extra fields (e.g. `error`, `note`) are kept as they are.
 */

const FIELDS = ['name', 'metric', 'unit', 'value', 'min', 'max', 'runs', 'baseline', 'baselineName', 'ratio', 'goal', 'met'];

/** A row with every field present (null when missing); `name` defaults to the measure's name. */
export function normalizeRow(r, measureName) {
  const out = {};
  for (const f of FIELDS) out[f] = r[f] ?? null;
  out.name ??= measureName;
  if (out.ratio === null && typeof out.value === 'number' && typeof out.baseline === 'number' && out.baseline !== 0) {
    out.ratio = out.value / out.baseline;
  }
  if (out.goal === null) out.met = null;
  for (const [k, v] of Object.entries(r)) if (!FIELDS.includes(k)) out[k] = v;
  return out;
}

/** The row standing for a measure that threw: `met: false`, `error` = the message. */
export function errorRow(measureName, e) {
  return normalizeRow({ name: measureName, metric: 'error', goal: 'runs', met: false, error: String(e?.message ?? e) }, measureName);
}

/**
 * A timing row from `ctx.time()` stats: `{ median, min, max, samples }` in ms.
 * `o` may set every other field (metric, goal, met, baseline...).
 */
export function timingRow(stats, o) {
  return { unit: 'ms', value: stats.median, min: stats.min, max: stats.max, runs: stats.samples.length, ...o };
}

/** A number for the table: 3 significant digits, no exponent notation for usual sizes. */
export function fmt(x) {
  if (x === null || x === undefined) return '';
  if (typeof x === 'boolean') return x ? 'yes' : 'no';
  if (typeof x !== 'number') return String(x);
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toString();
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return '0';
  return x.toPrecision(2);
}

/** The rows as a plain-text table (also valid Markdown), one line per row. */
export function formatTable(rows) {
  const head = ['measure', 'metric', 'value', 'min–max', 'runs', 'baseline', 'ratio', 'goal', 'met'];
  const lines = rows.map((r) => [
    r.name,
    r.metric,
    r.value === null ? (r.error ? `error: ${r.error.split('\n')[0].slice(0, 80)}` : '') : `${fmt(r.value)} ${r.unit ?? ''}`.trim(),
    r.min === null && r.max === null ? '' : `${fmt(r.min)}–${fmt(r.max)}`,
    fmt(r.runs),
    r.baseline === null ? (r.baselineName ?? '') : `${fmt(r.baseline)} ${r.unit ?? ''} (${r.baselineName ?? ''})`.replace(/\s+\(\)$/, ''),
    r.ratio === null ? '' : fmt(r.ratio),
    r.goal ?? '',
    r.met === null ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(line)].join('\n');
}
