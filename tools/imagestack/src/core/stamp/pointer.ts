/**
 * JSON Pointer (RFC 6901): `/a/b/0` names `doc.a.b[0]`; `~1` stands for `/`, `~0` for `~`.
 * Only what stamping needs: parse, read, replace an existing value. No I/O.
 */

/**
 * The reference tokens of `pointer`.
 *
 * @returns the tokens (`[]` for `""`, the whole document), or `undefined` when `pointer` is
 *   not a JSON Pointer (does not start with `/`, or has `~` not followed by `0` or `1`)
 */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const tokens = pointer.slice(1).split('/');
  if (tokens.some((t) => /~(?![01])/.test(t))) return undefined;
  return tokens.map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
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
