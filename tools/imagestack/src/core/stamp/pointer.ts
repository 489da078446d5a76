/**
 * JSON Pointer (RFC 6901): `/a/b/0` names `doc.a.b[0]`; `~1` stands for `/`, `~0` for `~`.
 * Only what stamping needs: parse, read, replace an existing value. No I/O.
 *
 * Parsing (unescaping tokens) is the `json-pointer` package's. Resolving stays here, a loop
 * of ten lines: the package's `get` follows the prototype chain (`tok in obj`, so
 * `/toString` or `/list/length` "resolve"), does not check RFC 6901's array index rule
 * (`01` is not an index), cannot say how far a pointer got, and its `set` creates missing
 * keys where stamping must only replace an existing one.
 */
import type jsonPointerLib from 'json-pointer';

/**
 * The reference tokens of `pointer`.
 *
 * @returns the tokens (`[]` for `""`, the whole document), or `undefined` when `pointer` is
 *   not a JSON Pointer (does not start with `/`, or has `~` not followed by `0` or `1`)
 */
export function parsePointer(pointer: string): string[] | undefined {
  // The package accepts a `~` not followed by 0 or 1; RFC 6901 does not.
  if (pointer !== '' && (!pointer.startsWith('/') || /~(?![01])/.test(pointer))) return undefined;
  // Required on first use (a stamp names a pointer): json-pointer and its dependency cost every run without one to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('json-pointer') as typeof jsonPointerLib).parse(pointer);
}

/** Whether `token` indexes into array `a` (RFC 6901 section 4: digits, no leading zero). */
function arrayIndex(a: unknown[], token: string): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const i = Number(token);
  return i < a.length ? i : undefined;
}

/**
 * Where `tokens` lead in `doc`.
 *
 * @returns `{ found: true, value }`, or `{ found: false, at }` with the number of tokens
 *   that did resolve (so a message can say which step is missing)
 */
export function resolvePointer(doc: unknown, tokens: readonly string[]): { found: true; value: unknown } | { found: false; at: number } {
  let v = doc;
  for (const [i, t] of tokens.entries()) {
    if (Array.isArray(v)) {
      const k = arrayIndex(v, t);
      if (k === undefined) return { found: false, at: i };
      v = v[k];
    } else if (v !== null && typeof v === 'object' && Object.prototype.hasOwnProperty.call(v, t)) {
      v = (v as Record<string, unknown>)[t];
    } else {
      return { found: false, at: i };
    }
  }
  return { found: true, value: v };
}

/**
 * Replaces the value at `tokens` in `doc` (in place), which must exist.
 *
 * @returns `doc`, or the new value itself for the empty pointer
 * @throws Error when the pointer does not resolve
 */
export function replaceAt(doc: unknown, tokens: readonly string[], value: unknown): unknown {
  if (tokens.length === 0) return value;
  const parent = resolvePointer(doc, tokens.slice(0, -1));
  const last = tokens[tokens.length - 1];
  if (!parent.found || resolvePointer(parent.value, [last]).found === false) {
    throw new Error(`JSON Pointer /${tokens.join('/')} does not resolve`);
  }
  const p = parent.value as Record<string, unknown> | unknown[];
  if (Array.isArray(p)) p[Number(last)] = value;
  else p[last] = value;
  return doc;
}
