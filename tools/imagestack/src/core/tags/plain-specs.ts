/**
 * A fast path for `parseSpecsText` (source-commits.ts) on the small texts the history walk
 * parses one by one: a `versions:` block or an `images:` header with one entry, in the
 * plainest shapes, e.g.
 *
 *     images:
 *       # py1: a comment
 *       py1:
 *         args: { OPT: "6", LEVEL: "2" }
 *
 * For such a text the value is read directly, without the `yaml` package (whose parse of
 * a small text costs ~0.3 ms, several hundred milliseconds over a long history). Anything
 * else answers `undefined` and the caller parses with `yaml`; `plain-specs.test.ts`
 * compares both on every shape accepted.
 *
 * Accepted, line by line (no tab, carriage return or byte order mark anywhere):
 * - blank lines and whole-line comments (`#` after spaces);
 * - one top-level key, `images:` or `versions:`, alone on its line, first;
 * - entries at two spaces: `name:` or `name: {}`, with `name` a plain word
 *   (`[A-Za-z_][A-Za-z0-9_.-]*`, not a YAML null or boolean) or a double-quoted one without
 *   escapes; names unique;
 * - under an entry written `name:`, at four spaces, at most one line
 *   `args: { KEY: "value", … }` (or `args: {}`), keys `[A-Za-z_][A-Za-z0-9_]*` unique,
 *   values double-quoted without escapes or quotes inside.
 * The value is what `parseSpecsDocument(text).json` gives: `{ <top>: { name: {} | { args:
 * {…} } } }` (an entry with no value reads as `{}`).
 */

const WORD = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const QUOTED = /^"[^"\\]*"$/;
const ARG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ARG_VALUE = /^"[^"\\]*"$/;
/** Plain words YAML 1.2 (core schema) or YAML 1.1 might read as null or a boolean. */
const SPECIAL = /^(null|true|false|yes|no|on|off|y|n|~)$/i;
const UNSAFE = /[\t\r\uFEFF]/;

/** A key as written (`name` or `"name"`) → its text; `undefined` when not accepted. */
function keyOf(raw: string): string | undefined {
  if (QUOTED.test(raw)) return raw.slice(1, -1);
  if (WORD.test(raw) && !SPECIAL.test(raw) && raw !== '__proto__') return raw;
  return undefined;
}

/** The args mapping of `{ K: "v", … }` (braces included), or `undefined` when not accepted. */
function argsOf(flow: string): Record<string, string> | undefined {
  if (!flow.startsWith('{') || !flow.endsWith('}')) return undefined;
  const inner = flow.slice(1, -1).trim();
  const out: Record<string, string> = {};
  if (inner === '') return out;
  for (const part of inner.split(',')) {
    const colon = part.indexOf(':');
    if (colon < 0) return undefined;
    const key = part.slice(0, colon).trim();
    const value = part.slice(colon + 1).trim();
    // `KEY: "v"`: a space after the colon, none before it.
    if (part.charCodeAt(colon + 1) !== 32 || part.slice(0, colon) !== part.slice(0, colon).trimEnd()) return undefined;
    if (!ARG_KEY.test(key) || !ARG_VALUE.test(value) || Object.hasOwn(out, key) || key === '__proto__') return undefined;
    out[key] = value.slice(1, -1);
  }
  return out;
}

/**
 * The value of a plain specs text (see the module comment), as `parseSpecsDocument` would
 * give it, or `undefined` when the text is not in the accepted shapes.
 */
export function parsePlainSpecs(text: string): { value: unknown } | undefined {
  if (UNSAFE.test(text)) return undefined;
  let top: string | undefined;
  const entries: Record<string, unknown> = {};
  let open: string | undefined; // the entry written `name:` whose args line may follow
  let count = 0;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    if (line.trimEnd() !== line) return undefined;
    if (indent === 0) {
      if (top !== undefined || (t !== 'images:' && t !== 'versions:')) return undefined;
      top = t.slice(0, -1);
    } else if (indent === 2) {
      if (top === undefined) return undefined;
      let raw: string;
      let value: unknown;
      if (t.endsWith(': {}')) {
        raw = t.slice(0, -4);
        value = {};
        open = undefined;
      } else if (t.endsWith(':')) {
        raw = t.slice(0, -1);
        value = {};
      } else return undefined;
      const name = keyOf(raw);
      if (name === undefined || Object.hasOwn(entries, name)) return undefined;
      entries[name] = value;
      open = t.endsWith(':') ? name : undefined;
      count++;
    } else if (indent === 4) {
      if (open === undefined || !t.startsWith('args: ')) return undefined;
      const args = argsOf(t.slice(6));
      if (!args) return undefined;
      entries[open] = { args };
      open = undefined;
    } else return undefined;
  }
  if (top === undefined || count === 0) return undefined;
  return { value: { [top]: entries } };
}
