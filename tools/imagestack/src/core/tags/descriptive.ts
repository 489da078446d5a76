/**
 * Descriptive tags (DESIGN.md, "descriptive tag"): tags made from what is inside an image
 * (`python-3.11.2`, `debian-12`, `2026-12-07`), beside the immutable `<version>-<sha7>`.
 * Pure, no I/O.
 *
 * - part: one tagger's contribution, e.g. `python-3.11.2`.
 * - immutable descriptive tag: `<version>-<part>-<sha7>`, e.g. `2026.1-python-3.11.2-5784884`;
 *   written only when absent (promise 2).
 * - moving descriptive tags (moved only on promote, see `core/release/`): `<version>-<moving part>`
 *   and `<moving part>` (`2026.1-python-3.11`, `python-3.11`), and `latest`.
 *
 * The tag grammar is the OCI distribution spec's (v1.1, "Pulling manifests"):
 * `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
 */

/** A tag, per the OCI distribution spec: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`. */
export const TAG_GRAMMAR = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** Longest tag the grammar allows, in characters. */
export const MAX_TAG_LENGTH = 128;

/**
 * Why `tag` is not a tag, in words (`undefined` when it is one): empty, too long, or the
 * first character outside the grammar, quoted with its position.
 */
export function tagProblem(tag: string): string | undefined {
  if (TAG_GRAMMAR.test(tag)) return undefined;
  if (tag.length === 0) return 'it is empty';
  if (tag.length > MAX_TAG_LENGTH) return `it is ${tag.length} characters long (at most ${MAX_TAG_LENGTH})`;
  if (!/^[a-zA-Z0-9_]/.test(tag)) return `it starts with ${JSON.stringify(tag[0])} (a tag starts with a letter, digit or '_')`;
  const i = [...tag].findIndex((c) => !/[a-zA-Z0-9._-]/.test(c));
  const c = [...tag][i]!;
  const what = c === ' ' ? 'a space' : /\s/.test(c) ? 'a line break or other white space' : JSON.stringify(c);
  return `it contains ${what} at character ${i + 1} (a tag holds only letters, digits, '.', '_' and '-')`;
}

/** The immutable descriptive tag of `part` for a node tagged `<version>-<sha7>`: `<version>-<part>-<sha7>`. */
export function immutableDescriptiveTag(version: string, part: string, sha7: string): string {
  return `${version}-${part}-${sha7}`;
}

/**
 * A package version as a tag value: the Debian epoch (`1:`) and revision (the last `-…`)
 * removed, `+` and `~` turned into `.` (Debian Policy 5.6.12: `[epoch:]upstream[-revision]`).
 * `3.11.2-1+b1` → `3.11.2`, `4:12.2.0-3` → `12.2.0`, `1.26.4` (pip) → `1.26.4`.
 */
export function packageVersionValue(version: string): string {
  let v = version.replace(/^\d+:/, '');
  const dash = v.lastIndexOf('-');
  if (dash > 0) v = v.slice(0, dash);
  return v.replace(/[+~]/g, '.');
}
