/**
 * Reading specs.yml history by meaning: which (image, version) pairs mean something else
 * in one version of specs.yml than in another (DESIGN.md, "source commit": an image's own
 * entry in specs.yml, compared by meaning, not by line). {@link specsMeaningChanges} is the
 * one function; ./specs-blob.ts holds the versions it compares, ./outline.ts where their
 * entries are.
 *
 * Parsing a large specs.yml whole costs ~100 ms per 1,000 images, and a long history holds
 * thousands of versions of it, so when both texts are "simple" YAML (see `SpecsOutline`)
 * only the entries whose text differs are parsed, each on its own (memoized by text, see
 * `SpecsTextMemo`); the answer is the same as comparing the whole documents (fuzz-tested in
 * meaning-changes.test.ts).
 */
import { canonicalJson, entryMeaning, stackVersionMeaning } from './meaning';
import { field, sameEntryText, type SpecsBlob } from './specs-blob';

/**
 * Whether an `images:` entry's value is a mapping (what `entryMeaning` needs: any other
 * value reads as "absent"), for an entry of a document known to parse, from the entry
 * parsed on its own (memoized by text); `undefined` when it does not parse on its own (the
 * caller then parses whole).
 */
function entryIsRecord(blob: SpecsBlob, name: string, entry: string): boolean | undefined {
  const parsed = blob.memo.entry(name, entry);
  if (!parsed.ok) return undefined;
  const value = parsed.value;
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** {@link changedEntries} answer: entries whose text differs, and whether `versions:` differs. */
interface EntryChanges {
  names: Set<string>;
  versionsChanged: boolean;
}

/**
 * The image names whose meaning may differ between `a` and `b`, found from their
 * outlines (entries equal but for trailing comment lines do not count, see
 * {@link sameEntryText}), and whether the `versions:` block differs; `'all'` when one of
 * them is known not to parse; `undefined` when the fast path cannot decide (not simple,
 * the top-level keys changed, a changed block does not parse on its own, or neither side
 * is known to parse), so the caller must parse both texts whole. Sets `ok` of a side it
 * proves parseable.
 */
function changedEntries(a: SpecsBlob, b: SpecsBlob): EntryChanges | 'all' | undefined {
  const ob = b.outline();
  const oa = a.outlineAgainst(b);
  if (!oa || !ob) return undefined;
  if (a.ok === undefined && b.ok === undefined) b.full(); // anchor: one side parsed whole
  const known = a.ok !== undefined ? a : b;
  const other = known === a ? b : a;
  const oOther = known === a ? ob : oa;
  if (known.ok === false) return 'all';
  const changed = new Set<string>();
  let versionsChanged = false;
  const derived = oa.layout.derived?.from === ob ? oa.layout.derived : undefined;
  // Read once: dropping it lets the newer outline (and its text) go once the walk is past it.
  oa.layout.derived = undefined;
  /** Compares the top-level block `key`; false when the fast path cannot go on. */
  const sameTop = (key: string): boolean => {
    const text = oa.top.get(key);
    const otherText = ob.top.get(key);
    if (text === undefined || otherText === undefined) return false;
    if (otherText === text || key === 'images') return true;
    // The stack-wide globs, references and platforms are part of every entry's meaning: compared by parsing both whole.
    if (key === 'inputs' || key === 'references' || key === 'platforms') return false;
    if (key === 'versions') versionsChanged = true;
    // Must still parse for `other` to parse (and `versions:` is read by entryMeaning).
    return other.ok !== undefined || other.memo.parse(oOther.top.get(key)!).ok;
  };
  if (derived) {
    // Only the entries and top-level blocks of the region read again can differ (see deriveOutline).
    for (const key of derived.tops) if (!sameTop(key)) return undefined;
    for (const name of derived.names) if (!sameEntryText(oa.entries.get(name), ob.entries.get(name))) changed.add(name);
  } else {
    if (oa.top.size !== ob.top.size || oa.imagesHeader !== ob.imagesHeader) return undefined;
    for (const key of oa.top.keys()) if (!sameTop(key)) return undefined;
    for (const [name, text] of oa.entries) if (!sameEntryText(ob.entries.get(name), text)) changed.add(name);
    for (const name of ob.entries.keys()) if (!oa.entries.has(name)) changed.add(name);
  }
  if (other.ok === undefined) {
    for (const name of changed) if (oOther.entries.has(name) && !other.mini(name).ok) return undefined;
  }
  other.ok ??= true;
  return { names: changed, versionsChanged };
}

/** The stack-wide part of `entryMeaning` at `version` (declared?, args) of a parsed `versions:` block, canonical. */
function stackArgs(value: unknown, version: string): string {
  return canonicalJson(stackVersionMeaning(field(value, 'versions'), version));
}

/**
 * The (image index, version index) pairs whose meaning (`entryMeaning`) differs between
 * two versions of specs.yml, or `'all'` when either does not parse. Only pairs for which
 * `want` answers true are compared.
 *
 * Exact: equal to comparing `entryMeaning` of the two whole documents for every pair. When
 * both texts are simple (see {@link SpecsOutline}) and differ only in some `images:`
 * entries, `versions:` (and top-level keys entryMeaning does not read), only those entries
 * are parsed, on their own; otherwise (e.g. the stack-wide `inputs:` changed, which is part
 * of every entry's meaning) both texts are parsed whole. `opts.fast: false` forces the
 * latter (for tests).
 */
export function specsMeaningChanges(
  a: SpecsBlob,
  b: SpecsBlob,
  images: readonly string[],
  versions: readonly string[],
  want: (image: number, version: number) => boolean = () => true,
  opts: { fast?: boolean } = {},
): 'all' | [number, number][] {
  const out: [number, number][] = [];
  if (a.text === b.text) return out;
  const found = opts.fast === false ? undefined : changedEntries(a, b);
  if (found === 'all') return 'all';
  const fast = found && fastMeaningChanges(a, b, found, images, versions, want);
  if (fast) return fast;
  const da = a.full();
  const db = b.full();
  if (!da.parsed.ok || !db.parsed.ok) return 'all';
  // The stack-wide globs or references differ by meaning: every image present on either side changes.
  const widesSame = da.inputs() === db.inputs();
  images.forEach((name, i) => {
    let entrySame: boolean | undefined;
    versions.forEach((v, vi) => {
      if (!want(i, vi)) return;
      entrySame ??= da.entry(name) === db.entry(name);
      if (entrySame && widesSame && da.version(v) === db.version(v)) return;
      if (da.meaning(name, v) !== db.meaning(name, v)) out.push([i, vi]);
    });
  });
  return out;
}

/**
 * The fast path of {@link specsMeaningChanges}, given the entries whose text differs:
 * those are compared by parsing each on its own (with the `versions:` block of its side);
 * when `versions:` differs, every other entry that is a mapping changes at each version
 * whose stack-wide args differ (its own text being the same, only `stack` in
 * `entryMeaning` can differ). `undefined` when some needed piece does not parse on its
 * own: the caller then parses both texts whole.
 */
function fastMeaningChanges(
  a: SpecsBlob,
  b: SpecsBlob,
  { names, versionsChanged }: EntryChanges,
  images: readonly string[],
  versions: readonly string[],
  want: (image: number, version: number) => boolean,
): [number, number][] | undefined {
  // Every changed entry of ours must parse on its own on both sides.
  const index = a.memo.indexOf(images);
  for (const name of names) if (index.has(name) && !(a.mini(name).ok && b.mini(name).ok)) return undefined;
  const out: [number, number][] = [];
  let argsChanged: boolean[] | undefined;
  if (versionsChanged) {
    const va = a.versionsBlock();
    const vb = b.versionsBlock();
    if (!va.ok || !vb.ok) return undefined;
    argsChanged = versions.map((v) => stackArgs(va.value, v) !== stackArgs(vb.value, v));
    if (!argsChanged.some(Boolean)) argsChanged = undefined;
  }
  const entries = a.outline()!.entries;
  // Without a stack-wide args change only the changed entries can move (ascending order).
  const which = argsChanged
    ? images.map((_, i) => i)
    : [...names].flatMap((n) => (index.has(n) ? [index.get(n)!] : [])).sort((x, y) => x - y);
  for (const i of which) {
    const name = images[i];
    if (names.has(name)) {
      const ma = a.mini(name) as { value: unknown };
      const mb = b.mini(name) as { value: unknown };
      versions.forEach((v, vi) => {
        if (want(i, vi) && entryMeaning(ma.value, name, v) !== entryMeaning(mb.value, name, v)) out.push([i, vi]);
      });
      continue;
    }
    if (!argsChanged) continue;
    const entry = entries.get(name);
    if (entry === undefined) continue; // absent on both sides
    let record: boolean | undefined;
    for (let vi = 0; vi < versions.length; vi++) {
      if (!argsChanged[vi] || !want(i, vi)) continue;
      record ??= entryIsRecord(a, name, entry);
      if (record === undefined) return undefined;
      if (record) out.push([i, vi]);
    }
  }
  return out;
}

