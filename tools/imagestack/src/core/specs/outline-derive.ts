/**
 * The outline of an older specs.yml derived from the outline of the next newer one (see
 * ./outline.ts): texts of one history differ in a few lines, so only the entries or
 * top-level blocks around the difference are read again, with the lexer started at a line
 * where its state is known (an entry's or a top-level key's line). The result equals
 * `outlineSpecs` of the whole text (fuzz-tested in meaning-changes.test.ts).
 */
import {
  assembleOutline,
  forEachSignificantLine,
  GO_ON,
  keyAt,
  NOT_SIMPLE,
  OUTLINE_WHOLE,
  UNSAFE_YAML,
  type OutlineLayout,
  type SpecsOutline,
} from './outline';

/** First index in ascending `xs` whose value is greater than `x` (binary search). */
function upperBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The outline of `text` derived from the outline `from` of a similar text `fromText` (the
 * next newer specs.yml): only the lines between the entries around the changed region
 * (after the common prefix and before the common suffix) are scanned again, with the
 * scanner in the state it has at an entry's key line (inside `images:`, no block scalar
 * open; an entry's key line closes any block scalar, being indented no deeper than one).
 * Everything before the region and after it reads the same in both texts, so the result
 * equals {@link outlineSpecs}(text).
 *
 * @returns the outline; `null` when the text is not simple; `undefined` when the change
 *   is not confined to entries (followed by an unchanged entry or the end of the images
 *   block) or to top-level blocks before `images:` (the caller outlines the whole text).
 */
export function deriveOutline(text: string, from: SpecsOutline, fromText: string): SpecsOutline | null | undefined {
  const b = from.layout;
  if (b.imagesTop < 0 || b.starts.length === 0) return undefined;
  const lenA = text.length;
  const lenB = fromText.length;
  const lim = Math.min(lenA, lenB);
  // Common prefix and suffix: whole blocks compared natively first, then characters.
  let p = 0;
  for (const block of [4096, 256]) {
    while (p + block <= lim && text.substring(p, p + block) === fromText.substring(p, p + block)) p += block;
  }
  while (p < lim && text.charCodeAt(p) === fromText.charCodeAt(p)) p++;
  let sfx = 0;
  for (const block of [4096, 256]) {
    while (sfx + block <= lim - p && text.substring(lenA - sfx - block, lenA - sfx) === fromText.substring(lenB - sfx - block, lenB - sfx)) sfx += block;
  }
  while (sfx < lim - p && text.charCodeAt(lenA - 1 - sfx) === fromText.charCodeAt(lenB - 1 - sfx)) sfx++;
  const inImages = deriveInImages(text, from, p, lenB - sfx);
  return inImages !== undefined ? inImages : deriveBeforeImages(text, from, p, lenB - sfx);
}

/**
 * {@link deriveOutline} when the texts differ only before the `images:` block, inside
 * top-level blocks followed by an unchanged top-level key line: those blocks are read again.
 * `common` is where the common prefix ends, `suffixFrom` where the common suffix starts in
 * the newer text.
 */
function deriveBeforeImages(text: string, from: SpecsOutline, common: number, suffixFrom: number): SpecsOutline | null | undefined {
  const b = from.layout;
  const topStarts = b.tops.map((t) => t.start);
  const t0 = upperBound(topStarts, common) - 1; // last top-level block starting inside the common prefix
  const t1 = upperBound(topStarts, suffixFrom); // first top-level key line in the common suffix
  if (t0 < 0 || t1 > b.imagesTop || t1 <= t0) return undefined;
  const delta = text.length - b.length;
  const regionStart = topStarts[t0];
  const regionEnd = topStarts[t1] + delta;
  if (regionEnd <= regionStart) return undefined;
  if (UNSAFE_YAML.test(text.slice(regionStart, regionEnd))) return null;
  const tops: { key: string; start: number }[] = [];
  const stop = forEachSignificantLine(text, regionStart, regionEnd, (ls, c, indent) => {
    if (indent > 0) return tops.length > 0 ? GO_ON : NOT_SIMPLE;
    const key = keyAt(text, c);
    if (key === undefined) return NOT_SIMPLE;
    if (key === 'images') return OUTLINE_WHOLE;
    tops.push({ key, start: ls });
    return GO_ON;
  });
  if (stop === NOT_SIMPLE) return null;
  if (stop === OUTLINE_WHOLE || tops[0]?.start !== regionStart) return undefined;
  const layout: OutlineLayout = {
    ...b,
    length: text.length,
    tops: [...b.tops.slice(0, t0), ...tops, ...b.tops.slice(t1).map((t) => ({ key: t.key, start: t.start + delta }))],
    imagesTop: b.imagesTop - (t1 - t0) + tops.length,
    imagesEnd: b.imagesEnd + delta,
    starts: b.starts.map((x) => x + delta),
    derived: { from, names: new Set(), tops: new Set([...b.tops.slice(t0, t1).map((t) => t.key), ...tops.map((t) => t.key)]) },
  };
  return assembleOutline(text, layout, from.entries.index) ?? null;
}

/**
 * {@link deriveOutline} when the texts differ only inside `images:` entries followed by an
 * unchanged entry: those entries are read again (see {@link deriveOutline} for the
 * arguments after `from`).
 */
function deriveInImages(text: string, from: SpecsOutline, p: number, suffixFrom: number): SpecsOutline | null | undefined {
  const b = from.layout;
  const lenA = text.length;
  const lenB = b.length;
  const i0 = upperBound(b.starts, p) - 1; // last entry starting inside the common prefix
  const j1 = upperBound(b.starts, suffixFrom); // first entry whose line (and the newline before it) is common suffix
  if (i0 < 0 || j1 <= i0) return undefined;
  // Where the region ends in the newer text: that entry's line, or (the change reaching the
  // last entry) the end of the images block when its next line is common suffix too.
  const endB = j1 < b.starts.length ? b.starts[j1] : b.imagesEnd === lenB || b.imagesEnd > suffixFrom ? b.imagesEnd : -1;
  if (endB < 0) return undefined;
  const delta = lenA - lenB;
  const regionStart = b.starts[i0];
  const regionEnd = endB + delta;
  if (regionEnd <= regionStart) return undefined;
  if (UNSAFE_YAML.test(text.slice(regionStart, regionEnd))) return null;

  const E = b.entryIndent;
  const names: string[] = [];
  const starts: number[] = [];
  const stop = forEachSignificantLine(text, regionStart, regionEnd, (ls, c, indent) => {
    if (indent === 0) return OUTLINE_WHOLE; // the images block ends here: outline the whole text
    if (indent < E) return NOT_SIMPLE;
    if (indent === E) {
      const name = keyAt(text, c);
      if (name === undefined) return NOT_SIMPLE;
      names.push(name);
      starts.push(ls);
    }
    return GO_ON;
  });
  if (stop === NOT_SIMPLE) return null;
  if (stop === OUTLINE_WHOLE) return undefined;
  // The region must start with an entry, or its first lines belong to the entry before.
  if (starts[0] !== regionStart) return undefined;

  const changed = new Set<string>([...b.names.slice(i0, j1), ...names]);
  const shift = (x: number) => (x >= endB ? x + delta : x);
  // The same names in the same places (an edit inside entries): share names and index.
  const sameNames = names.length === j1 - i0 && names.every((n, k) => n === b.names[i0 + k]);
  let newStarts: number[];
  if (sameNames) {
    newStarts = b.starts.slice();
    for (let k = 0; k < starts.length; k++) newStarts[i0 + k] = starts[k];
    for (let k = j1; k < newStarts.length; k++) newStarts[k] += delta;
  } else {
    newStarts = [...b.starts.slice(0, i0), ...starts, ...b.starts.slice(j1).map((x) => x + delta)];
  }
  const layout: OutlineLayout = {
    length: lenA,
    tops: b.tops.map((t) => ({ key: t.key, start: shift(t.start) })),
    imagesTop: b.imagesTop,
    imagesEnd: shift(b.imagesEnd),
    names: sameNames ? b.names : [...b.names.slice(0, i0), ...names, ...b.names.slice(j1)],
    starts: newStarts,
    entryIndent: E,
    derived: { from, names: changed, tops: new Set() },
  };
  return assembleOutline(text, layout, sameNames ? from.entries.index : undefined) ?? null;
}
