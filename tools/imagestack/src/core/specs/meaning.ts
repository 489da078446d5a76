/**
 * Comparing `specs.yml` entries by meaning, not by line (DESIGN.md, "source commit").
 *
 * The meaning of image `I` at version `V` is what, in `specs.yml`, decides how `I` is built
 * for `V` or which files are its inputs: `I`'s entry with its per-version section reduced to
 * `V`'s and its `skip` list reduced to "is `V` skipped", whether `V` is declared under the
 * top-level `versions:` and its stack-wide args, the stack-wide `inputs:` globs,
 * `references:` (how the Dockerfiles spell the stack, and the ARGs imagestack then passes) and
 * the stack-wide `platforms:`.
 * Comments, key order, quoting style, other images' entries and other versions do not take
 * part, and an empty value means the same as the absent key: `args: {}` (image, per-version
 * or stack-wide), `inputs: []` (image or stack-wide), an empty per-version section
 * (`"2026.1": {}`, `"2026.1":` or `{ args: {} }`); a `context:` is compared as a folder
 * (`./images/x/` is `images/x`), and `context: images/<I>` is the default. The README's "How tags are computed"
 * has the table of what moves a tag.
 */
import { configure } from 'safe-stable-stringify';
import { normalizeFolder } from '../util/folder';

/** Deterministic (sorted keys); a cycle throws, as in `JSON.stringify` (parsed specs have none). */
const stableStringify = configure({ deterministic: true, circularValue: TypeError });

/**
 * JSON with object keys sorted (by UTF-16 code units, as `Array.prototype.sort` sorts), so
 * that key order has no effect; members whose value is `undefined` are left out, as
 * `JSON.stringify` leaves them out, and `undefined` itself gives `null`. The package
 * `safe-stable-stringify` in its deterministic mode (about 3× faster on the values the
 * history walk compares than the hand-written recursion it replaces, with the same output;
 * `canonicalize` (RFC 8785) was 1.7× slower; measured 2026-12-07).
 */
export function canonicalJson(value: unknown): string {
  return stableStringify(value) ?? 'null';
}

function asRecord(x: unknown): Record<string, unknown> | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

/** An empty mapping, an empty list or `null`: means the same as the absent key. */
function isEmpty(x: unknown): boolean {
  return x === null || x === undefined || (Array.isArray(x) ? x.length === 0 : typeof x === 'object' && Object.keys(x).length === 0);
}

/** `record` without the members named in `keys` whose value is empty (see {@link isEmpty}). */
function withoutEmpty(record: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  if (!keys.some((k) => Object.hasOwn(record, k) && isEmpty(record[k]))) return record;
  const out = { ...record };
  for (const k of keys) if (isEmpty(out[k])) delete out[k];
  return out;
}

/**
 * A per-version section (an image's `versions.<V>`) by meaning: `null` when absent or empty
 * (`{}`, `null`, `{ args: {} }`), otherwise the section without an empty `args`.
 */
function sectionMeaning(section: unknown): unknown {
  const rec = asRecord(section);
  if (!rec) return section ?? null;
  const r = withoutEmpty(rec, ['args']);
  return Object.keys(r).length === 0 ? null : r;
}

/**
 * The stack-wide part of the meaning of any image at `version`, from the top-level
 * `versions:` value: `'undeclared'` when `version` is not one of its keys, else the
 * version's args (`null` when absent or empty).
 */
export function stackVersionMeaning(versions: unknown, version: string): unknown {
  const all = asRecord(versions);
  if (!all || !Object.hasOwn(all, version)) return 'undeclared';
  const args = asRecord(all[version])?.args;
  return isEmpty(args) ? null : args;
}

/**
 * The meaning of image `image` at version `version` in a parsed (not necessarily valid)
 * specs document, as a canonical string. Two documents give equal strings exactly when
 * nothing that decides how that image is built for that version, or which files are its
 * inputs, differs (see the module comment).
 *
 * @param raw the whole document as parsed by `yaml.parse` (any shape; never throws)
 * @returns a canonical JSON string; an image absent from the document gives `"absent"`
 */
export function entryMeaning(raw: unknown, image: string, version: string): string {
  const doc = asRecord(raw);
  const entry = asRecord(asRecord(doc?.images)?.[image]);
  if (!entry) return 'absent';
  const { versions, skip, ...rest } = entry;
  // `context:` by meaning: `./images/x/` is `images/x`, and the default folder is the absent key.
  if (typeof rest.context === 'string') {
    const context = normalizeFolder(rest.context);
    if (context === `images/${image}`) delete rest.context;
    else rest.context = context;
  }
  const skipped = Array.isArray(skip) && skip.map(String).includes(version);
  const wide = doc?.inputs;
  const references = doc?.references;
  const platforms = doc?.platforms;
  return canonicalJson({
    entry: withoutEmpty(rest, ['args', 'inputs']),
    version: sectionMeaning(asRecord(versions)?.[version]),
    skipped,
    stack: stackVersionMeaning(doc?.versions, version),
    // Only when there are any, so that the meaning of a stack without them reads as before.
    ...(isEmpty(wide) ? {} : { inputs: wide }),
    // Decides which references are parents and what REGISTRY and the references' ARGs hold.
    ...(isEmpty(references) ? {} : { references }),
    // The stack-wide platforms decide what is built under every tag (likewise only when set).
    ...(isEmpty(platforms) ? {} : { platforms }),
  });
}
