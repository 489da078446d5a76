/**
 * Values of the user's input, quoted in messages and cut: a 10 MB value in specs.yml must not
 * be echoed in full to a terminal or a CI log.
 */

/** The longest quoted value shown in full, in characters. */
export const MAX_QUOTED_CHARACTERS = 80;

/**
 * A value as a message quotes it: `JSON.stringify(value)` (`"text"`, `3`, `["a"]`) when that
 * is short; else its first `max` characters with `…` and the full length, e.g.
 * `"xxxx…" (10,000,000 characters)` (a string's length is counted in UTF-16 code units, as
 * JavaScript counts it; a cut never splits a surrogate pair).
 *
 * @param max characters shown in full (default {@link MAX_QUOTED_CHARACTERS})
 */
export function quoteValue(value: unknown, max = MAX_QUOTED_CHARACTERS): string {
  if (typeof value === 'string') {
    if (value.length <= max) return JSON.stringify(value);
    return `${JSON.stringify(`${cut(value, max)}…`)} (${value.length.toLocaleString('en-US')} characters)`;
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= max ? text : `${cut(text, max)}… (${text.length.toLocaleString('en-US')} characters)`;
}

/** The first `max` UTF-16 code units of `s`, one fewer when that would end inside a surrogate pair. */
function cut(s: string, max: number): string {
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
