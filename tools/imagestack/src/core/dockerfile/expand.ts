/**
 * Variable substitution in one Dockerfile word, the way BuildKit's shell lexer does it
 * for `FROM` (moby/buildkit `frontend/dockerfile/shell/lex.go`, `ProcessWord`), reduced
 * to what image references need. No I/O.
 *
 * Supported (Dockerfile reference, "Environment replacement"): `$NAME`, `${NAME}`,
 * `${NAME:-word}` / `${NAME-word}` (default when unset-or-empty / unset),
 * `${NAME:+word}` / `${NAME+word}` (alternative when set-and-non-empty / set),
 * `${NAME:?word}` / `${NAME?word}` (error when unset); `word` is itself expanded.
 * Quotes are removed (`'…'` literal, `"…"` expanded); the escape character (`\` or the
 * `# escape=` directive's) makes the next character literal.
 */

/** One use of a variable in a word: its name and where it is in the word as written. */
export interface VariableUse {
  /** Variable name, e.g. `REGISTRY`. */
  name: string;
  /** 0-based offset of the `$` in the word as written. */
  offset: number;
  /** Length of the whole expression as written (`${REGISTRY}` → 11). */
  length: number;
}

/** The result of {@link expandWord}. */
export interface Expansion {
  /** The word with variables substituted and quotes removed. */
  value: string;
  /** Every variable the word refers to, in order (including ones inside defaults that were used). */
  variables: VariableUse[];
  /**
   * Variables whose value was needed but which are unset and have no default in the
   * expression (`${X}` with X unset, `${X:?msg}` with X unset). Docker substitutes an
   * empty string (or fails) for these.
   */
  unresolved: VariableUse[];
}

/** Looks a variable up: its value, or `undefined` when it is unset. */
export type Lookup = (name: string) => string | undefined;

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/**
 * Expands the variables of one Dockerfile word (see the module comment for the syntax).
 *
 * @param word the word exactly as written, e.g. `${REGISTRY}/python:${PYTHON_TAG}`
 * @param lookup the values in scope (for `FROM`: the global ARGs and build args)
 * @param escapeChar the Dockerfile's escape character (`\` unless `# escape=` says otherwise)
 * @returns the expanded value, every variable used, and the unresolved ones. Never throws:
 *   malformed expressions (`${` without `}`) are kept literally.
 */
export function expandWord(word: string, lookup: Lookup, escapeChar = '\\'): Expansion {
  const variables: VariableUse[] = [];
  const unresolved: VariableUse[] = [];
  const value = expandRange(word, 0, word.length, lookup, escapeChar, variables, unresolved, true);
  return { value, variables, unresolved };
}

function expandRange(
  word: string,
  start: number,
  end: number,
  lookup: Lookup,
  escapeChar: string,
  variables: VariableUse[],
  unresolved: VariableUse[],
  quotes: boolean,
): string {
  let out = '';
  let i = start;
  let inDouble = false;
  while (i < end) {
    const c = word[i];
    if (c === escapeChar && i + 1 < end) {
      const next = word[i + 1];
      if (!inDouble || next === '"' || next === '$' || next === escapeChar) {
        out += next;
      } else {
        out += c + next;
      }
      i += 2;
      continue;
    }
    if (quotes && c === "'" && !inDouble) {
      const close = word.indexOf("'", i + 1);
      const stop = close < 0 || close >= end ? end : close;
      out += word.slice(i + 1, stop);
      i = stop + 1;
      continue;
    }
    if (quotes && c === '"') {
      inDouble = !inDouble;
      i += 1;
      continue;
    }
    if (c === '$') {
      const r = expandVariable(word, i, end, lookup, escapeChar, variables, unresolved);
      if (r) {
        out += r.value;
        i = r.next;
        continue;
      }
    }
    out += c;
    i += 1;
  }
  return out;
}

/** Expands the `$…` expression at `i`, or returns undefined when `$` is a literal. */
function expandVariable(
  word: string,
  i: number,
  end: number,
  lookup: Lookup,
  escapeChar: string,
  variables: VariableUse[],
  unresolved: VariableUse[],
): { value: string; next: number } | undefined {
  const next = word[i + 1];
  if (next !== undefined && NAME_START.test(next) && i + 1 < end) {
    let j = i + 2;
    while (j < end && NAME_CHAR.test(word[j])) j++;
    const name = word.slice(i + 1, j);
    const use = { name, offset: i, length: j - i };
    variables.push(use);
    const v = lookup(name);
    if (v === undefined) unresolved.push(use);
    return { value: v ?? '', next: j };
  }
  if (next !== '{') return undefined;
  let j = i + 2;
  if (j >= end || !NAME_START.test(word[j])) return undefined;
  while (j < end && NAME_CHAR.test(word[j])) j++;
  const name = word.slice(i + 2, j);
  const close = matchingBrace(word, i + 1, end, escapeChar);
  if (close < 0) return undefined;
  const use = { name, offset: i, length: close + 1 - i };
  variables.push(use);
  const v = lookup(name);
  if (j === close) {
    if (v === undefined) unresolved.push(use);
    return { value: v ?? '', next: close + 1 };
  }
  let op = word[j];
  let k = j + 1;
  if (op === ':') {
    op = ':' + word[j + 1];
    k = j + 2;
  }
  const alt = () => expandRange(word, k, close, lookup, escapeChar, variables, unresolved, false);
  const setNonEmpty = v !== undefined && v !== '';
  switch (op) {
    case ':-':
      return { value: setNonEmpty ? (v as string) : alt(), next: close + 1 };
    case '-':
      return { value: v !== undefined ? v : alt(), next: close + 1 };
    case ':+':
      return { value: setNonEmpty ? alt() : '', next: close + 1 };
    case '+':
      return { value: v !== undefined ? alt() : '', next: close + 1 };
    case ':?':
    case '?':
      if (op === ':?' ? !setNonEmpty : v === undefined) unresolved.push(use);
      return { value: v ?? '', next: close + 1 };
    default:
      // Pattern operators (`#`, `%`, `/`) are rare in image names; substitute the plain value.
      if (v === undefined) unresolved.push(use);
      return { value: v ?? '', next: close + 1 };
  }
}

/** Index of the `}` closing the `{` at `open`, honouring nesting and escapes; -1 when none. */
function matchingBrace(word: string, open: number, end: number, escapeChar: string): number {
  let depth = 0;
  for (let i = open; i < end; i++) {
    const c = word[i];
    if (c === escapeChar) {
      i++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

/** The parts of a reference as written, split outside `${…}` expressions. */
export interface RawReferenceParts {
  /** Everything before the tag and digest, e.g. `${REGISTRY}/python`. */
  repository: string;
  /** The tag as written (after the `:`), when there is one, e.g. `${PYTHON_TAG}`. */
  tag?: string;
  /** The digest as written (after the `@`), when there is one. */
  digest?: string;
}

/**
 * Splits a reference as written into repository, tag and digest without expanding it:
 * the digest follows the first `@` and the tag the first `:` after the last `/`, both
 * counted only outside `${…}` (whose `:-` would otherwise look like a tag separator).
 * A registry port (`host:5000/x`) is before a `/`, so it is never taken for a tag.
 */
export function splitRawReference(raw: string): RawReferenceParts {
  const topLevel: number[] = [];
  let depth = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '$' && raw[i + 1] === '{') {
      depth++;
      i++;
    } else if (c === '}' && depth > 0) depth--;
    else if (depth === 0) topLevel.push(i);
  }
  const at = topLevel.find((i) => raw[i] === '@');
  const beforeDigest = at === undefined ? raw : raw.slice(0, at);
  const digest = at === undefined ? undefined : raw.slice(at + 1);
  const inName = topLevel.filter((i) => i < beforeDigest.length);
  const lastSlash = [...inName].reverse().find((i) => raw[i] === '/') ?? -1;
  const colon = inName.find((i) => i > lastSlash && raw[i] === ':');
  if (colon === undefined) return { repository: beforeDigest, digest };
  return { repository: raw.slice(0, colon), tag: beforeDigest.slice(colon + 1), digest };
}
