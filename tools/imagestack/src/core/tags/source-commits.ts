/**
 * Source commits (DESIGN.md, "source commit"; promises 1 and 2).
 *
 * The nodes of a stack are (image, version) for every version the image does not skip.
 * The inputs of node (I, V) are the files under I's context folder, the files matching
 * I's extra-input globs and the stack-wide input globs (globs relative to the workspace
 * root, matched with picomatch, `dot: true`), and I's meaning in specs.yml
 * (`entryMeaning(doc, I, V)`). The source commit of (I, V) is the newest commit of
 * first-parent history from head in which the inputs of (I, V), or of any ancestor
 * (A, V), changed against the commit's first parent. A root commit resolves every node
 * still unresolved.
 *
 * It is computed with ONE streaming `git log` walk (see core/git/history.ts) plus, only
 * when specs.yml changed, ONE `git cat-file --batch` process reading its old and new
 * blobs. The walk stops (and the `git log` process is killed) as soon as every node is
 * resolved.
 *
 * Why marking is cheap: when image I's inputs change at commit C, every still-unresolved
 * node (J, V) for J in {I} ∪ descendants(I) resolves to C. Marking walks down the children
 * from I and stops at any node already resolved, because "(J, V) resolved" implies "every
 * descendant (K, V) resolved" (it was marked at the same commit or a newer one). Each
 * node is therefore resolved once and each edge crossed at most once per version: no
 * ancestor closure is ever built.
 *
 * specs.yml itself is compared by meaning only: glob inputs never match it. Parsing a
 * large specs.yml whole costs ~100 ms per 1,000 images, so when both blobs of a change are
 * "simple" YAML (see `SpecsOutline`) only the entries whose text differs are parsed, on
 * their own; the result is the same as comparing the whole documents (fuzz-tested).
 */
import * as path from 'node:path';
import picomatch from 'picomatch';
import { GitError } from '../errors';
import type { Stack } from '../graph/types';
import { parseSpecsDocument } from '../specs/document';
import { canonicalJson, entryMeaning } from '../specs/meaning';
import { CatFileBatch, revParse, shallowCommits, showPrefix } from '../git/git';
import { firstParentHistory, isNullOid, type HistoryCommit, type StartedHistory } from '../git/history';
import { parsePlainSpecs } from './plain-specs';
import { nodeKey } from './tag';

/** The source commit of every node of a stack at one head commit. */
export interface SourceCommits {
  /** The commit the walk started from (full sha). */
  head: string;
  /**
   * Source commit (full sha) of every node, keyed by {@link nodeKey} (`<image>@<version>`),
   * in `stack.order` × `specs.versions` order. Nodes of skipped versions are absent.
   */
  commits: Map<string, string>;
  /** How many commits the walk read before every node was resolved (0 for an empty stack). */
  commitsRead: number;
}

/** {@link InputIndex.imagesOf} answer for a stack-wide input: every image. */
export const ALL_IMAGES = 'all' as const;

/** Maps a changed path to the images whose own inputs include it (see the module comment). */
export interface InputIndex {
  /** The workspace root relative to the repository's top level: `''` or `ws/` (trailing `/`). */
  prefix: string;
  /** specs.yml relative to the top level, e.g. `ws/specs.yml`. */
  specsPath: string;
  /** Image names (`stack.order`); {@link imagesOf} answers indices into this array. */
  images: readonly string[];
  /**
   * The images (indices into {@link images}) whose own inputs include `path` (relative to
   * the top level, as git prints it), {@link ALL_IMAGES} when a stack-wide input matches,
   * an empty array when none. specs.yml and paths outside the workspace give `[]`.
   * O(1) for a context path (looked up by its leading segments); globs are compiled once
   * and answers memoized per path.
   */
  imagesOf(path: string): readonly number[] | typeof ALL_IMAGES;
}

const NONE: readonly number[] = Object.freeze([]);

/** `a/b/c/` → `a/b/c`; `./a` → `a`; always `/`-separated. */
function normalizeFolder(p: string): string {
  return p.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/**
 * Builds the {@link InputIndex} of a stack for a workspace at `prefix` (from
 * `git rev-parse --show-prefix` in `specs.root`). Pure: no I/O.
 */
export function buildInputIndex(stack: Stack, prefix: string): InputIndex {
  const { specs } = stack;
  const images = [...stack.order];
  const specsRel = path.relative(specs.root, specs.file).split(path.sep).join('/');
  const specsPath = prefix + specsRel;

  // Contexts by folder; lookups try each distinct depth (always 2 for `images/<name>`).
  const contexts = new Map<string, number[]>();
  const depths = new Set<number>();
  images.forEach((name, i) => {
    const spec = stack.images.get(name)?.spec;
    const ctx = normalizeFolder(spec?.context ?? `images/${name}`);
    if (ctx === '' || ctx.startsWith('../')) return;
    const list = contexts.get(ctx) ?? [];
    list.push(i);
    contexts.set(ctx, list);
    depths.add(ctx.split('/').length);
  });
  const depthList = [...depths].sort((a, b) => a - b);

  const opts = { dot: true };
  const stackWide = specs.inputs.length > 0 ? picomatch(specs.inputs, opts) : undefined;
  const byGlob = new Map<string, number[]>();
  images.forEach((name, i) => {
    for (const g of stack.images.get(name)?.spec.inputs ?? []) {
      const list = byGlob.get(g) ?? [];
      list.push(i);
      byGlob.set(g, list);
    }
  });
  const anyImageGlob = byGlob.size > 0 ? picomatch([...byGlob.keys()], opts) : undefined;
  const imageGlobs = [...byGlob].map(([g, list]) => ({ match: picomatch(g, opts), images: list }));

  const memo = new Map<string, readonly number[] | typeof ALL_IMAGES>();

  function classify(p: string): readonly number[] | typeof ALL_IMAGES {
    if (p === specsPath || !p.startsWith(prefix)) return NONE;
    const rel = p.slice(prefix.length);
    if (stackWide?.(rel)) return ALL_IMAGES;
    let hits: number[] | undefined;
    let slash = -1;
    let depth = 0;
    for (const want of depthList) {
      while (depth < want) {
        slash = rel.indexOf('/', slash + 1);
        if (slash < 0) break;
        depth++;
      }
      if (slash < 0) break;
      const found = contexts.get(rel.slice(0, slash));
      if (found) (hits ??= []).push(...found);
    }
    if (anyImageGlob?.(rel)) {
      for (const g of imageGlobs) if (g.match(rel)) (hits ??= []).push(...g.images);
    }
    if (!hits) return NONE;
    return hits.length === 1 ? hits : [...new Set(hits)];
  }

  return {
    prefix,
    specsPath,
    images,
    imagesOf(p: string) {
      let r = memo.get(p);
      if (r === undefined) {
        r = classify(p);
        if (memo.size < 1_000_000) memo.set(p, r);
      }
      return r;
    },
  };
}

/**
 * {@link buildInputIndex} for the workspace of `stack` (runs `git rev-parse --show-prefix`
 * in `specs.root`).
 * @throws GitError when the workspace root is not inside a git working tree.
 */
export async function createInputIndex(stack: Stack): Promise<InputIndex> {
  return buildInputIndex(stack, await showPrefix(stack.specs.root));
}

/** A specs.yml text read as plain JSON; `ok: false` when it does not parse. */
export type ParsedSpecs = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Reads a specs.yml text (or `undefined` for "no such file", which gives `null`) into
 * plain JSON the way the specs loader does (`parseSpecsDocument` in specs/document.ts:
 * the `yaml` package's parser, with mapping keys, build arg values and `skip` items read
 * as text, so `2026.10:` stays `"2026.10"` where `yaml.parse` would give 2026.1), so old
 * blobs compare with `Specs.raw`. Never throws: a text with YAML errors (syntax, duplicate
 * keys, several documents) gives `{ ok: false }`, which callers treat as "every node
 * changed". The plainest small texts are read without `yaml` (see plain-specs.ts), to the
 * same value.
 */
export function parseSpecsText(text: string | undefined): ParsedSpecs {
  if (text === undefined) return { ok: true, value: null };
  const plain = parsePlainSpecs(text); // the usual small texts of the walk, without `yaml`
  if (plain) return { ok: true, value: plain.value };
  try {
    const { doc, json } = parseSpecsDocument(text);
    if (doc.errors.length > 0) return { ok: false, error: doc.errors[0].message };
    return { ok: true, value: json };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** Own field of a plain (non-array) object, else `undefined`: how `entryMeaning` reads documents. */
function field(x: unknown, key: string): unknown {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && Object.hasOwn(x, key)
    ? (x as Record<string, unknown>)[key]
    : undefined;
}

/**
 * A parsed specs.yml with memoized canonical forms of the two parts `entryMeaning` reads:
 * `images.<image>` and `versions.<version>`. Equal parts imply equal meanings, so
 * `entryMeaning` itself only runs for images whose entry or version section differ.
 */
export class SpecsDoc {
  readonly #entries = new Map<string, string>();
  readonly #versions = new Map<string, string>();
  constructor(readonly parsed: ParsedSpecs) {}

  /** Canonical JSON of `images.<image>` (`''` when the text does not parse). */
  entry(image: string): string {
    let s = this.#entries.get(image);
    if (s === undefined) {
      s = this.parsed.ok ? canonicalJson(field(field(this.parsed.value, 'images'), image)) : '';
      this.#entries.set(image, s);
    }
    return s;
  }

  /** Canonical JSON of `versions.<version>` (`''` when the text does not parse). */
  version(version: string): string {
    let s = this.#versions.get(version);
    if (s === undefined) {
      s = this.parsed.ok ? canonicalJson(field(field(this.parsed.value, 'versions'), version)) : '';
      this.#versions.set(version, s);
    }
    return s;
  }

  /** `entryMeaning` of (image, version); `unparseable` when the text does not parse. */
  meaning(image: string, version: string): string {
    return this.parsed.ok ? entryMeaning(this.parsed.value, image, version) : 'unparseable';
  }
}

/**
 * The line structure of a "simple" specs.yml: top-level keys with the text of their
 * blocks, and the `images:` block cut into one text per entry. Simple means: no anchors,
 * aliases, tags, directives, document markers, merge keys or tabs (checked conservatively:
 * any `&`, `*` or `!` after a space or bracket, anywhere, disqualifies), every top-level
 * line a `key:` with unique keys, `images:` a block mapping of unique `name:` keys.
 *
 * In a simple document the value of a block depends on its text alone, so identical block
 * texts have identical values, and a block can be parsed on its own (with the same path,
 * e.g. `images:\n  python: …`) to the same value as in the whole document.
 */
export interface SpecsOutline {
  /** Top-level key → text of its block (key line to the line before the next key). */
  top: Map<string, string>;
  /** The `images:` key line and the comment/blank lines before the first entry. */
  imagesHeader: string;
  /** Image name → text of its entry (key line to the line before the next entry). */
  entries: EntryTexts;
  /** Where things are, for deriving the outline of a similar text (see {@link deriveOutline}). */
  layout: OutlineLayout;
}

/**
 * The entries of an outline: image name → text of its entry, sliced from the document on
 * demand (a `Map` would cost one string and one slot per image for every blob of history).
 */
export class EntryTexts {
  /**
   * @param text the document
   * @param names entry names in text order, unique
   * @param starts offsets of their key lines
   * @param end where the last entry ends (the end of the `images:` block)
   * @param index name → position in `names` (shared between outlines with the same names)
   */
  constructor(
    private readonly text: string,
    private readonly names: readonly string[],
    private readonly starts: readonly number[],
    private readonly end: number,
    readonly index: ReadonlyMap<string, number>,
  ) {}

  get size(): number {
    return this.names.length;
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  get(name: string): string | undefined {
    const i = this.index.get(name);
    return i === undefined ? undefined : this.text.slice(this.starts[i], i + 1 < this.starts.length ? this.starts[i + 1] : this.end);
  }

  keys(): IterableIterator<string> {
    return this.names[Symbol.iterator]();
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const name of this.names) yield [name, this.get(name)!];
  }
}

/** Offsets behind a {@link SpecsOutline}. */
interface OutlineLayout {
  /** Length of the text. */
  length: number;
  /** Top-level keys and the offsets of their key lines, in text order. */
  tops: { key: string; start: number }[];
  /** Index in `tops` of `images`, -1 when absent. */
  imagesTop: number;
  /** Offset where the `images:` block ends (the next top-level key line, or the length). */
  imagesEnd: number;
  /** Entry names and the offsets of their key lines, in text order. */
  names: string[];
  starts: number[];
  /** Indentation of the entries (-1 when there are none). */
  entryIndent: number;
  /**
   * Set when derived from the outline of a newer text: that outline, and the names of the
   * entries (on either side) in the region that was scanned again; every other entry and
   * every top-level block except `images` has the same text in both.
   */
  derived?: { from: SpecsOutline; names: Set<string> };
}

const UNSAFE_YAML = /\t|(^|[\s[{,])[&*!]|<<|^(%|---|\.\.\.)/m;
/** A mapping key at a line's first non-space character: plain, or quoted without escapes. */
const KEY_AT = /([A-Za-z0-9_][\w.-]*|"[^"\\\n]*"|'[^'\n]*')[ ]*:(?=\s|$)/y;
/** The `images:` key line with nothing but a comment after it. */
const IMAGES_LINE_AT = /images[ ]*:[ ]*(?:#[^\n]*)?\r?(?=\n|$)/y;
const BLOCK_INDICATOR = /^[|>][-+0-9]*$/;

const SP = 32;
const CR = 13;
const HASH = 35;
const DQ = 34;
const SQ = 39;
const BACKSLASH = 92;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;
const COMMA = 44;
const COLON = 58;
const DASH = 45;
const QMARK = 63;
const PIPE = 124;
const GT = 62;

/** The key at `at` in `text` (quotes removed), or `undefined` when the line is not `key:`. */
function keyAt(text: string, at: number): string | undefined {
  KEY_AT.lastIndex = at;
  const m = KEY_AT.exec(text);
  if (!m) return undefined;
  const k = m[1];
  return k.charCodeAt(0) === DQ || k.charCodeAt(0) === SQ ? k.slice(1, -1) : k;
}

/** {@link scanLine} answer for a line where a quoted scalar or flow collection stays open. */
const OPEN = -2;

/**
 * Scans one line `text[from, end)` (from its first non-space character) for flow
 * constructs. Returns {@link OPEN} when a quoted scalar or `[…]`/`{…}` spans past the end
 * of the line (such a construct could hide a `key:`-looking line inside a string), else
 * the offset where the line's last token starts (-1 when none), for spotting a block
 * scalar indicator (`|`, `>-`…). Errs on the side of {@link OPEN}: a quote or bracket
 * counts as opening one when it starts a token after `:`, `-`, `?`, `[`, `{`, `,` or the
 * line start, or anywhere inside a flow collection.
 */
function scanLine(text: string, from: number, end: number): number {
  let depth = 0;
  let quote = 0;
  let prevSig = 0;
  let lastTok = -1;
  for (let p = from; p < end; p++) {
    const ch = text.charCodeAt(p);
    if (quote === DQ) {
      if (ch === BACKSLASH) p++;
      else if (ch === DQ) quote = 0;
      continue;
    }
    if (quote === SQ) {
      if (ch === SQ) {
        if (text.charCodeAt(p + 1) === SQ) p++;
        else quote = 0;
      }
      continue;
    }
    if (ch === SP || ch === CR) continue;
    const before = p === from ? SP : text.charCodeAt(p - 1);
    if (ch === HASH && before === SP) break;
    const atTok = before === SP || before === LBRACKET || before === LBRACE || before === COMMA;
    const startsScalar =
      atTok &&
      (prevSig === 0 ||
        prevSig === COLON ||
        prevSig === DASH ||
        prevSig === QMARK ||
        prevSig === LBRACKET ||
        prevSig === LBRACE ||
        prevSig === COMMA);
    if ((ch === DQ || ch === SQ) && (startsScalar || depth > 0)) quote = ch;
    else if ((ch === LBRACKET || ch === LBRACE) && (startsScalar || depth > 0)) depth++;
    else if ((ch === RBRACKET || ch === RBRACE) && depth > 0) depth--;
    if (atTok) lastTok = p;
    prevSig = ch;
  }
  return quote !== 0 || depth !== 0 ? OPEN : lastTok;
}

/** What a line visitor of {@link forEachSignificantLine} says: go on, or stop and why. */
const GO_ON = 0;
/** Stop: the text is not simple (an open quote or bracket, an unexpected key line). */
const NOT_SIMPLE = 1;
/** Stop: the region scanned cannot be derived; outline the whole text instead. */
const OUTLINE_WHOLE = 2;
type LineVerdict = typeof GO_ON | typeof NOT_SIMPLE | typeof OUTLINE_WHOLE;

/**
 * Calls `visit(ls, c, indent)` for each significant line of `text[from, to)` (`ls` the line's
 * start, `c` its first non-space, `indent` = c − ls), skipping blank lines, comment lines and
 * the content of block scalars (`|`, `>-`, …), which a visited line opens. Stops at the first
 * verdict other than {@link GO_ON}, or with {@link NOT_SIMPLE} when a line leaves a quoted
 * scalar or a flow collection open. No per-line allocation (it runs on every specs.yml blob
 * of a long history).
 *
 * @returns {@link GO_ON} when every line was visited, otherwise the verdict that stopped it
 */
function forEachSignificantLine(text: string, from: number, to: number, visit: (ls: number, c: number, indent: number) => LineVerdict): LineVerdict {
  let blockAbove = -1; // inside a block scalar: skip lines indented more than this
  for (let ls = from; ls < to; ) {
    let le = text.indexOf('\n', ls);
    if (le < 0 || le > to) le = to;
    let c = ls;
    while (c < le && text.charCodeAt(c) === SP) c++;
    const indent = c - ls;
    const end = le > c && text.charCodeAt(le - 1) === CR ? le - 1 : le;
    const empty = c >= end;
    if (blockAbove >= 0) {
      if (empty || indent > blockAbove) {
        ls = le + 1;
        continue;
      }
      blockAbove = -1;
    }
    if (!empty && text.charCodeAt(c) !== HASH) {
      const lastTok = scanLine(text, c, end);
      if (lastTok === OPEN) return NOT_SIMPLE;
      const t = lastTok >= 0 ? text.charCodeAt(lastTok) : 0;
      if ((t === PIPE || t === GT) && BLOCK_INDICATOR.test(text.slice(lastTok, end).replace(/\s+#.*$|\s+$/, ''))) {
        let content = c;
        while (text.charCodeAt(content) === DASH && (content + 1 >= end || text.charCodeAt(content + 1) === SP)) {
          content += 2;
          while (content < end && text.charCodeAt(content) === SP) content++;
        }
        blockAbove = content - ls;
      }
      const verdict = visit(ls, c, indent);
      if (verdict !== GO_ON) return verdict;
    }
    ls = le + 1;
  }
  return GO_ON;
}

/**
 * Outline of a simple specs.yml text, or `undefined` when it is not simple (see
 * {@link SpecsOutline}). One pass over the lines, no per-line allocation: cheap enough to
 * run on every specs.yml blob of a long history.
 */
function outlineSpecs(text: string): SpecsOutline | undefined {
  if (UNSAFE_YAML.test(text)) return undefined;
  const len = text.length;
  const tops: { key: string; start: number }[] = [];
  const entryStarts: { name: string; start: number }[] = [];
  let imagesTop = -1; // index in `tops` of `images`
  let imagesEnd = -1;
  let entryIndent = -1;
  const stop = forEachSignificantLine(text, 0, len, (ls, c, indent) => {
    if (indent === 0) {
      const key = keyAt(text, c);
      if (key === undefined) return NOT_SIMPLE;
      if (imagesTop >= 0 && imagesEnd < 0) imagesEnd = ls;
      tops.push({ key, start: ls });
      if (key === 'images') {
        if (imagesTop >= 0) return NOT_SIMPLE;
        IMAGES_LINE_AT.lastIndex = c;
        if (!IMAGES_LINE_AT.test(text)) return NOT_SIMPLE;
        imagesTop = tops.length - 1;
      }
    } else if (tops.length === 0) {
      return NOT_SIMPLE;
    } else if (imagesTop === tops.length - 1) {
      if (entryIndent < 0) entryIndent = indent;
      if (indent < entryIndent) return NOT_SIMPLE;
      if (indent === entryIndent) {
        const name = keyAt(text, c);
        if (name === undefined) return NOT_SIMPLE;
        entryStarts.push({ name, start: ls });
      }
    }
    return GO_ON;
  });
  if (stop !== GO_ON) return undefined;
  return assembleOutline(text, {
    length: len,
    tops,
    imagesTop,
    imagesEnd: imagesEnd < 0 ? len : imagesEnd,
    names: entryStarts.map((e) => e.name),
    starts: entryStarts.map((e) => e.start),
    entryIndent,
  });
}

/**
 * The outline of `text` from its layout; `undefined` when a top-level key or an entry name
 * repeats. `index` (name → position), when given, must be that of `layout.names` (already
 * known to be unique).
 */
function assembleOutline(text: string, layout: OutlineLayout, index?: ReadonlyMap<string, number>): SpecsOutline | undefined {
  const { tops, imagesTop, imagesEnd, names, starts, length: len } = layout;
  const top = new Map<string, string>();
  for (let t = 0; t < tops.length; t++) {
    if (top.has(tops[t].key)) return undefined;
    top.set(tops[t].key, text.slice(tops[t].start, t + 1 < tops.length ? tops[t + 1].start : len));
  }
  let imagesHeader = '';
  let entries = new EntryTexts(text, [], [], 0, new Map());
  if (imagesTop >= 0) {
    if (!index) {
      const m = new Map<string, number>();
      for (let e = 0; e < names.length; e++) {
        if (m.has(names[e])) return undefined;
        m.set(names[e], e);
      }
      index = m;
    }
    entries = new EntryTexts(text, names, starts, imagesEnd, index);
    imagesHeader = text.slice(tops[imagesTop].start, starts.length > 0 ? starts[0] : imagesEnd);
  }
  return { top, imagesHeader, entries, layout };
}

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
 *   is not confined to entries followed by an unchanged entry (the caller outlines the
 *   whole text).
 */
function deriveOutline(text: string, from: SpecsOutline, fromText: string): SpecsOutline | null | undefined {
  const b = from.layout;
  if (b.imagesTop < 0 || b.starts.length === 0) return undefined;
  const lenA = text.length;
  const lenB = fromText.length;
  const lim = Math.min(lenA, lenB);
  // Common prefix and suffix: whole blocks compared natively first, then characters.
  const BLOCK = 512;
  let p = 0;
  while (p + BLOCK <= lim && text.substring(p, p + BLOCK) === fromText.substring(p, p + BLOCK)) p += BLOCK;
  while (p < lim && text.charCodeAt(p) === fromText.charCodeAt(p)) p++;
  let sfx = 0;
  while (sfx + BLOCK <= lim - p && text.substring(lenA - sfx - BLOCK, lenA - sfx) === fromText.substring(lenB - sfx - BLOCK, lenB - sfx)) sfx += BLOCK;
  while (sfx < lim - p && text.charCodeAt(lenA - 1 - sfx) === fromText.charCodeAt(lenB - 1 - sfx)) sfx++;
  const i0 = upperBound(b.starts, p) - 1; // last entry starting inside the common prefix
  const j1 = upperBound(b.starts, lenB - sfx); // first entry whose line (and the newline before it) is common suffix
  if (i0 < 0 || j1 >= b.starts.length || j1 <= i0) return undefined;
  const delta = lenA - lenB;
  const regionStart = b.starts[i0];
  const regionEnd = b.starts[j1] + delta;
  if (regionEnd <= regionStart) return undefined;
  UNSAFE_YAML.lastIndex = 0;
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
  const shift = (x: number) => (x >= b.starts[j1] ? x + delta : x);
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
    derived: { from, names: changed },
  };
  return assembleOutline(text, layout, sameNames ? from.entries.index : undefined) ?? null;
}

/**
 * One version of specs.yml (a blob, or the working-tree file), compared with another by
 * {@link specsMeaningChanges}. Parses lazily: the whole text only when needed, single
 * entries (cheap) when the texts differ only in some `images:` entries.
 */
export class SpecsBlob {
  #outline: SpecsOutline | null | undefined;
  #full: SpecsDoc | undefined;
  readonly #mini = new Map<string, ParsedSpecs>();
  /** Whether the whole text parses without errors, once known. */
  ok: boolean | undefined;

  /** @param text the file's text; `undefined` when the file does not exist (reads as `null`) */
  constructor(readonly text: string | undefined) {}

  /** True once the whole text has been parsed (the fast path parses single entries only). */
  get parsedWhole(): boolean {
    return this.#full !== undefined;
  }

  /** The whole text, parsed (see {@link parseSpecsText}). */
  full(): SpecsDoc {
    if (!this.#full) {
      this.#full = new SpecsDoc(parseSpecsText(this.text));
      this.ok = this.#full.parsed.ok;
    }
    return this.#full;
  }

  /** The outline of the text, or `undefined` when it is not simple or the file does not exist. */
  outline(): SpecsOutline | undefined {
    if (this.#outline === undefined) {
      this.#outline = this.text === undefined ? null : (outlineSpecs(this.text) ?? null);
    }
    return this.#outline ?? undefined;
  }

  /**
   * {@link outline}, derived from the outline of `newer` (a similar text) when that one is
   * known and the difference is confined to some entries: then only those are scanned (see
   * `deriveOutline`). The same answer as {@link outline}.
   */
  outlineAgainst(newer: SpecsBlob): SpecsOutline | undefined {
    if (this.#outline === undefined && this.text !== undefined && newer.text !== undefined) {
      const from = newer.outline();
      if (from) {
        const d = deriveOutline(this.text, from, newer.text);
        if (d !== undefined) this.#outline = d;
      }
    }
    return this.outline();
  }

  /** `versions:` block + `images:` header + the entry of `name` (if any), parsed on its own. */
  mini(name: string): ParsedSpecs {
    let r = this.#mini.get(name);
    if (!r) {
      // The two blocks are parsed apart (each text once per process, see cachedParse) and
      // joined: in a simple document blocks parse independently, so this is the value and
      // the validity of `versions:` + `images:` header + the entry parsed together.
      const o = this.outline()!;
      const v = this.versionsBlock();
      const e = cachedParse([o.imagesHeader || 'images:', o.entries.get(name) ?? ''].join('\n'));
      if (!v.ok) r = v;
      else if (!e.ok) r = e;
      else r = { ok: true, value: { versions: field(v.value, 'versions'), images: field(e.value, 'images') } };
      this.#mini.set(name, r);
    }
    return r;
  }

  /** The `versions:` block (if any) parsed on its own (`{ versions: … }`, or null when absent). */
  versionsBlock(): ParsedSpecs {
    return cachedParse(this.outline()!.top.get('versions') ?? '');
  }
}

/**
 * Parses of small texts (single entries, `versions:` blocks), shared by all blobs: most
 * entries are the same text in consecutive versions of specs.yml, so each distinct text is
 * parsed once per process. Bounded: cleared when it holds {@link PARSE_CACHE_LIMIT} texts.
 */
const parseCache = new Map<string, ParsedSpecs>();
const PARSE_CACHE_LIMIT = 20_000;

function cachedParse(text: string): ParsedSpecs {
  let r = parseCache.get(text);
  if (!r) {
    if (parseCache.size >= PARSE_CACHE_LIMIT) parseCache.clear();
    r = parseSpecsText(text);
    parseCache.set(text, r);
  }
  return r;
}

/**
 * The text of an entry without its trailing comment and blank lines, or `undefined` when
 * the entry might hold a block scalar (any `|` or `>`), where a `#` line can be content.
 * Elsewhere in a simple document a whole-line comment is never content and never changes
 * how the rest parses (outline texts have no multi-line quoted or flow scalars), so two
 * entries that differ only there have the same value and the same validity.
 */
function withoutTrailingComments(entry: string): string | undefined {
  if (entry.includes('|') || entry.includes('>')) return undefined;
  let end = entry.length;
  while (end > 0) {
    const lineEnd = entry.charCodeAt(end - 1) === 10 ? end - 1 : end;
    const start = entry.lastIndexOf('\n', lineEnd - 1) + 1;
    let c = start;
    while (c < lineEnd && (entry.charCodeAt(c) === SP || entry.charCodeAt(c) === CR)) c++;
    if (start === 0 || (c < lineEnd && entry.charCodeAt(c) !== HASH)) break;
    end = start;
  }
  return entry.slice(0, end);
}

/** Two entry texts that surely have the same value and validity (equal, or equal but for trailing comment lines). */
function sameEntryText(a: string | undefined, b: string | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const x = withoutTrailingComments(a);
  return x !== undefined && x === withoutTrailingComments(b);
}

/** Entry key line: `<indent><key>:<rest>`; rest is empty, a comment, or a one-line flow mapping. */
const EMPTY_OR_COMMENT = /^[ ]*(?:#.*)?\r?$/;
const ONE_LINE_FLOW_MAP = /^[ ]*\{.*\}[ ]*(?:#.*)?\r?$/;
const BLOCK_KEY_LINE = /^([ ]+)(?:[A-Za-z0-9_][\w.-]*|"[^"\\\n]*"|'[^'\n]*')[ ]*:(?:[ ]|\r?$)/;

const recordCache = new Map<string, boolean | undefined>();

/**
 * Whether an `images:` entry's value is a mapping (what `entryMeaning` needs: any other
 * value reads as "absent"), for an entry of a document known to parse. Decided from the
 * text for the usual shapes (`name: {}`, `name: { … }`, `name:` alone, `name:` followed by
 * a more indented `key:` line); otherwise by parsing the entry on its own (cached by text).
 * `undefined` when the entry does not parse on its own (the caller then parses whole).
 */
function entryIsRecord(name: string, entry: string): boolean | undefined {
  if (recordCache.has(entry)) return recordCache.get(entry);
  let r: boolean | undefined;
  const nl = entry.indexOf('\n');
  const first = nl < 0 ? entry : entry.slice(0, nl);
  const indent = first.length - first.trimStart().length;
  KEY_AT.lastIndex = indent;
  const m = KEY_AT.exec(first);
  const rest = m ? first.slice(indent + m[0].length) : undefined;
  if (rest !== undefined && ONE_LINE_FLOW_MAP.test(rest)) r = true;
  else if (rest !== undefined && EMPTY_OR_COMMENT.test(rest)) {
    const next = entry
      .slice(nl < 0 ? entry.length : nl + 1)
      .split('\n')
      .find((l) => !EMPTY_OR_COMMENT.test(l) && !/^[ ]*#/.test(l));
    if (next === undefined) r = true; // `name:` alone: null, read as {}
    else {
      const k = BLOCK_KEY_LINE.exec(next);
      if (k && k[1].length > indent) r = true;
    }
  }
  if (r === undefined) {
    const parsed = cachedParse(`images:\n${entry}`);
    if (parsed.ok) {
      const images = field(parsed.value, 'images');
      const value = field(images, name);
      r = value !== null && typeof value === 'object' && !Array.isArray(value);
    }
  }
  if (recordCache.size >= PARSE_CACHE_LIMIT) recordCache.clear();
  recordCache.set(entry, r);
  return r;
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
  if (derived) {
    // Only the entries of the scanned region can differ (see deriveOutline).
    for (const name of derived.names) if (!sameEntryText(oa.entries.get(name), ob.entries.get(name))) changed.add(name);
  } else {
    if (oa.top.size !== ob.top.size || oa.imagesHeader !== ob.imagesHeader) return undefined;
    for (const [key, text] of oa.top) {
      const otherText = ob.top.get(key);
      if (otherText === undefined) return undefined;
      if (otherText === text || key === 'images') continue;
      if (key === 'versions') versionsChanged = true;
      // Must still parse for `other` to parse (and `versions:` is read by entryMeaning).
      if (other.ok === undefined && !cachedParse(oOther.top.get(key)!).ok) return undefined;
    }
    for (const [name, text] of oa.entries) if (!sameEntryText(ob.entries.get(name), text)) changed.add(name);
    for (const name of ob.entries.keys()) if (!oa.entries.has(name)) changed.add(name);
  }
  if (other.ok === undefined) {
    for (const name of changed) if (oOther.entries.has(name) && !other.mini(name).ok) return undefined;
  }
  other.ok ??= true;
  return { names: changed, versionsChanged };
}

/** `versions.<version>.args` of a parsed document or `versions:` block, as `entryMeaning` reads it, canonical. */
function stackArgs(value: unknown, version: string): string {
  const v = field(field(value, 'versions'), version);
  const args = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>).args : undefined;
  return canonicalJson(args ?? null);
}

/**
 * The (image index, version index) pairs whose meaning (`entryMeaning`) differs between
 * two versions of specs.yml, or `'all'` when either does not parse. Only pairs for which
 * `want` answers true are compared.
 *
 * Exact: equal to comparing `entryMeaning` of the two whole documents for every pair. When
 * both texts are simple (see {@link SpecsOutline}) and differ only in some `images:`
 * entries (and top-level keys entryMeaning does not read), only those entries are parsed,
 * on their own; otherwise both texts are parsed whole. `opts.fast: false` forces the
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
  images.forEach((name, i) => {
    let entrySame: boolean | undefined;
    versions.forEach((v, vi) => {
      if (!want(i, vi)) return;
      entrySame ??= da.entry(name) === db.entry(name);
      if (entrySame && da.version(v) === db.version(v)) return;
      if (da.meaning(name, v) !== db.meaning(name, v)) out.push([i, vi]);
    });
  });
  return out;
}

const imageIndexes = new WeakMap<readonly string[], Map<string, number>>();

/** Image name → index in `images` (memoized per array). */
function imageIndex(images: readonly string[]): Map<string, number> {
  let m = imageIndexes.get(images);
  if (!m) {
    m = new Map(images.map((n, i) => [n, i]));
    imageIndexes.set(images, m);
  }
  return m;
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
  const index = imageIndex(images);
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
      record ??= entryIsRecord(name, entry);
      if (record === undefined) return undefined;
      if (record) out.push([i, vi]);
    }
  }
  return out;
}

/** Node states, one byte per (image, version). */
const UNRESOLVED = 0;
const RESOLVED = 1;
/** A skipped (image, version): not a node, but marking passes through it to the children. */
const SKIPPED = 2;
const SKIPPED_PASSED = 3;

/** Short sha for messages. */
const short = (sha: string) => sha.slice(0, 7);

/**
 * Computes the source commit of every node of `stack` (see the module comment).
 *
 * @param stack the validated stack; `stack.specs.root` must be inside a git working tree
 * @param opts.head the commit to walk from (any revision; default `HEAD`)
 * @param opts.history the `git log` of the walk, started earlier with
 *   `startFirstParentHistory(stack.specs.root, <head's full sha>)` (see core/git/history.ts);
 *   consumed and closed here. Without it, `git log` starts when the walk does.
 * @returns full shas keyed by `<image>@<version>`, the resolved head, and how many
 *   commits were read
 * @throws GitError when `opts.head` names no commit ("unknown ref"), when git fails, or
 *   when the walk reaches a shallow-clone boundary with nodes still unresolved (fix:
 *   `git fetch --unshallow`, or `fetch-depth: 0` for actions/checkout).
 */
export async function computeSourceCommits(
  stack: Stack,
  opts: { head?: string; history?: StartedHistory } = {},
): Promise<SourceCommits> {
  try {
    return await walkSourceCommits(stack, opts);
  } finally {
    opts.history?.close(); // a no-op when the walk read git's output to the end
  }
}

async function walkSourceCommits(stack: Stack, opts: { head?: string; history?: StartedHistory }): Promise<SourceCommits> {
  const cwd = stack.specs.root;
  const [head, index] = await Promise.all([revParse(cwd, opts.head ?? 'HEAD'), createInputIndex(stack)]);

  const images = index.images;
  const versions = stack.specs.versions.map((v) => v.name);
  const nImages = images.length;
  const nVersions = versions.length;
  const indexOf = new Map(images.map((name, i) => [name, i]));
  const children: number[][] = images.map(() => []);
  images.forEach((name, i) => {
    const seen = new Set<number>();
    for (const p of stack.images.get(name)?.parents ?? []) {
      const pi = indexOf.get(p.image);
      if (pi !== undefined && !seen.has(pi)) {
        seen.add(pi);
        children[pi].push(i);
      }
    }
  });

  const state = new Uint8Array(nImages * nVersions);
  const source: (string | undefined)[] = new Array(nImages * nVersions);
  let unresolved = 0;
  images.forEach((name, i) => {
    const skip = new Set(stack.images.get(name)?.spec.skip ?? []);
    versions.forEach((v, vi) => {
      const k = i * nVersions + vi;
      if (skip.has(v)) state[k] = SKIPPED;
      else unresolved++;
    });
  });

  const collect = (): Map<string, string> => {
    const commits = new Map<string, string>();
    for (let i = 0; i < nImages; i++) {
      for (let vi = 0; vi < nVersions; vi++) {
        const sha = source[i * nVersions + vi];
        if (sha !== undefined) commits.set(nodeKey(images[i], versions[vi]), sha);
      }
    }
    return commits;
  };
  if (unresolved === 0) return { head, commits: collect(), commitsRead: 0 };

  const work: number[] = [];
  /** Resolves (i, v) and its unresolved descendants at version v to `sha` (see module comment). */
  const mark = (i: number, v: number, sha: string): void => {
    work.push(i);
    while (work.length > 0) {
      const j = work.pop()!;
      const k = j * nVersions + v;
      const s = state[k];
      if (s === RESOLVED || s === SKIPPED_PASSED) continue;
      if (s === UNRESOLVED) {
        state[k] = RESOLVED;
        source[k] = sha;
        unresolved--;
      } else {
        state[k] = SKIPPED_PASSED;
      }
      for (const c of children[j]) work.push(c);
    }
  };
  const markImage = (i: number, sha: string): void => {
    for (let v = 0; v < nVersions; v++) mark(i, v, sha);
  };
  const markAll = (sha: string): void => {
    for (let i = 0; i < nImages; i++) markImage(i, sha);
  };
  const pending = (k: number) => state[k] === UNRESOLVED || state[k] === SKIPPED;

  let cat: CatFileBatch | undefined;
  // specs.yml blobs by id. Reads are started ahead (see `prefetch`) so that one
  // `cat-file` round trip serves a whole chunk of history; a blob is dropped once the walk
  // is past the change that made it (it is still the old side of the next older change
  // until then).
  const blobs = new Map<string, Promise<SpecsBlob>>();
  const blob = (oid: string): Promise<SpecsBlob> => {
    if (isNullOid(oid)) return Promise.resolve(new SpecsBlob(undefined));
    let d = blobs.get(oid);
    if (!d) {
      cat ??= new CatFileBatch(cwd);
      d = cat.read(oid).then((bytes) => {
        if (!bytes) throw new GitError(`specs.yml blob ${oid} is missing from the repository at ${cwd}`);
        const b = new SpecsBlob(bytes.toString('utf8'));
        // The text the loader validated parses without errors: no need to parse it again.
        if (b.text === stack.specs.text) b.ok = true;
        return b;
      });
      d.catch(() => undefined); // a prefetched read may never be awaited
      blobs.set(oid, d);
    }
    return d;
  };
  const prefetch = (batch: readonly HistoryCommit[]): void => {
    if (unresolved === 0) return;
    for (const commit of batch) {
      for (const change of commit.changes) {
        if (change.path !== index.specsPath) continue;
        void blob(change.oldOid);
        void blob(change.newOid);
      }
    }
  };
  const specsChanged = async (oldOid: string, newOid: string, sha: string): Promise<void> => {
    const [a, b] = await Promise.all([blob(oldOid), blob(newOid)]);
    if (newOid !== oldOid) blobs.delete(newOid);
    const changes = specsMeaningChanges(a, b, images, versions, (i, v) => pending(i * nVersions + v));
    if (changes === 'all') return markAll(sha);
    for (const [i, v] of changes) mark(i, v, sha);
  };

  const shallow = await shallowCommits(cwd);
  let commitsRead = 0;
  try {
    for await (const commit of firstParentHistory(cwd, head, { onParsed: prefetch, started: opts.history })) {
      commitsRead++;
      if (shallow.has(commit.sha)) throw shallowError(head, commit.sha, unresolvedExamples());
      if (commit.parents.length === 0) {
        markAll(commit.sha); // the root commit: everything that exists was added here
        break;
      }
      for (const change of commit.changes) {
        if (change.path === index.specsPath) {
          await specsChanged(change.oldOid, change.newOid, commit.sha);
          continue;
        }
        const hit = index.imagesOf(change.path);
        if (hit === ALL_IMAGES) markAll(commit.sha);
        else for (const i of hit) markImage(i, commit.sha);
      }
      if (unresolved === 0) break;
    }
  } finally {
    cat?.close();
  }
  if (unresolved > 0) {
    throw new GitError(
      `git log from ${short(head)} ended before every image version had a source commit (${unresolvedExamples()})`,
    );
  }
  return { head, commits: collect(), commitsRead };

  function unresolvedExamples(): string {
    const names: string[] = [];
    for (let k = 0; k < state.length && names.length < 3; k++) {
      if (state[k] === UNRESOLVED) names.push(nodeKey(images[Math.floor(k / nVersions)], versions[k % nVersions]));
    }
    return `${unresolved} unresolved, e.g. ${names.join(', ')}`;
  }
}

/** The GitError for a walk that reached a shallow boundary with nodes unresolved. */
function shallowError(head: string, boundary: string, examples: string): GitError {
  return new GitError(
    `history is shallow: walking first-parent history from ${short(head)} reached ${short(boundary)}, ` +
      `a shallow-clone boundary whose parents were not fetched, before every image version's ` +
      `source commit was found (${examples}); git cannot tell what changed in ${short(boundary)}`,
    'fetch the full history with `git fetch --unshallow` ' +
      '(in GitHub Actions, give actions/checkout `fetch-depth: 0`)',
  );
}
