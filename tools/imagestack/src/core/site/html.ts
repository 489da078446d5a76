/**
 * A tiny safe HTML builder: the `html` tagged template escapes every interpolated value
 * unless it is already {@link Html} (made by `html` itself or {@link raw}). Arrays are
 * joined; `undefined`, `null` and `false` render nothing. Escaping follows the HTML
 * standard's rules for text and double-quoted attribute values (`& < > " '`).
 */

/** Markup that is already safe. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Escapes text for HTML content and double-quoted attributes. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Marks trusted markup (constant CSS, generated SVG) as safe. */
export function raw(s: string): Html {
  return new Html(s);
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(v: Value): string {
  if (v === undefined || v === null || v === false || v === true) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return esc(String(v));
}

/** `html\`<p>${text}</p>\`` with `text` escaped. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}

/** Durations as people read them: `850 ms`, `12.3 s`, `4 min 05 s`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** An ISO 8601 time as `2026-11-21 06:30 UTC` (sites are read in many time zones; UTC says which). */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `sha256:0123456789ab…` → `sha256:0123456789ab` (12 hex, like `docker images`). */
export function shortDigest(d: string | undefined): string {
  if (!d) return '';
  const [alg, hex] = d.includes(':') ? d.split(':', 2) : ['', d];
  return `${alg ? `${alg}:` : ''}${hex.slice(0, 12)}`;
}

/** An image name as a safe file name (`gcc-assert` stays; anything else outside `[A-Za-z0-9._-]` → `_`). */
export function imageFile(name: string): string {
  return `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.html`;
}
