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
import { firstParentHistory, isNullOid, type HistoryCommit } from '../git/history';
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
 * changed".
 */
export function parseSpecsText(text: string | undefined): ParsedSpecs {
  if (text === undefined) return { ok: true, value: null };
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
  entries: Map<string, string>;
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
  let blockAbove = -1; // inside a block scalar: skip lines indented more than this
  for (let ls = 0; ls < len; ) {
    let le = text.indexOf('\n', ls);
    if (le < 0) le = len;
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
      if (lastTok === OPEN) return undefined;
      const t = lastTok >= 0 ? text.charCodeAt(lastTok) : 0;
      if ((t === PIPE || t === GT) && BLOCK_INDICATOR.test(text.slice(lastTok, end).replace(/\s+#.*$|\s+$/, ''))) {
        let content = c;
        while (text.charCodeAt(content) === DASH && (content + 1 >= end || text.charCodeAt(content + 1) === SP)) {
          content += 2;
          while (content < end && text.charCodeAt(content) === SP) content++;
        }
        blockAbove = content - ls;
      }
      if (indent === 0) {
        const key = keyAt(text, c);
        if (key === undefined) return undefined;
        if (imagesTop >= 0 && imagesEnd < 0) imagesEnd = ls;
        tops.push({ key, start: ls });
        if (key === 'images') {
          if (imagesTop >= 0) return undefined;
          IMAGES_LINE_AT.lastIndex = c;
          if (!IMAGES_LINE_AT.test(text)) return undefined;
          imagesTop = tops.length - 1;
        }
      } else if (tops.length === 0) {
        return undefined;
      } else if (imagesTop === tops.length - 1) {
        if (entryIndent < 0) entryIndent = indent;
        if (indent < entryIndent) return undefined;
        if (indent === entryIndent) {
          const name = keyAt(text, c);
          if (name === undefined) return undefined;
          entryStarts.push({ name, start: ls });
        }
      }
    }
    ls = le + 1;
  }
  const top = new Map<string, string>();
  for (let t = 0; t < tops.length; t++) {
    if (top.has(tops[t].key)) return undefined;
    top.set(tops[t].key, text.slice(tops[t].start, t + 1 < tops.length ? tops[t + 1].start : len));
  }
  const entries = new Map<string, string>();
  let imagesHeader = '';
  if (imagesTop >= 0) {
    const blockEnd = imagesEnd < 0 ? len : imagesEnd;
    for (let e = 0; e < entryStarts.length; e++) {
      const { name, start } = entryStarts[e];
      if (entries.has(name)) return undefined;
      entries.set(name, text.slice(start, e + 1 < entryStarts.length ? entryStarts[e + 1].start : blockEnd));
    }
    imagesHeader = text.slice(tops[imagesTop].start, entryStarts.length > 0 ? entryStarts[0].start : blockEnd);
  }
  return { top, imagesHeader, entries };
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

  /** `versions:` block + `images:` header + the entry of `name` (if any), parsed on its own. */
  mini(name: string): ParsedSpecs {
    let r = this.#mini.get(name);
    if (!r) {
      const o = this.outline()!;
      r = parseSpecsText(
        [o.top.get('versions') ?? '', o.imagesHeader || 'images:', o.entries.get(name) ?? ''].join('\n'),
      );
      this.#mini.set(name, r);
    }
    return r;
  }
}

/**
 * The image names whose meaning may differ between `a` and `b`, found from their
 * outlines; `'all'` when one of them is known not to parse; `undefined` when the fast path
 * cannot decide (not simple, `versions:` or the top-level keys changed, a changed block
 * does not parse on its own, or neither side is known to parse), so the caller must
 * parse both texts whole. Sets `ok` of a side it proves parseable.
 */
function changedEntries(a: SpecsBlob, b: SpecsBlob): Set<string> | 'all' | undefined {
  const oa = a.outline();
  const ob = b.outline();
  if (!oa || !ob) return undefined;
  if (a.ok === undefined && b.ok === undefined) b.full(); // anchor: one side parsed whole
  const known = a.ok !== undefined ? a : b;
  const other = known === a ? b : a;
  const oOther = known === a ? ob : oa;
  if (known.ok === false) return 'all';
  if (oa.top.size !== ob.top.size || oa.imagesHeader !== ob.imagesHeader) return undefined;
  for (const [key, text] of oa.top) {
    const otherText = ob.top.get(key);
    if (otherText === undefined) return undefined;
    if (otherText === text || key === 'images') continue;
    if (key === 'versions') return undefined;
    // Not read by entryMeaning, but must still parse for `other` to parse.
    if (other.ok === undefined && !parseSpecsText(oOther.top.get(key)).ok) return undefined;
  }
  const changed = new Set<string>();
  for (const [name, text] of oa.entries) if (ob.entries.get(name) !== text) changed.add(name);
  for (const name of ob.entries.keys()) if (!oa.entries.has(name)) changed.add(name);
  if (other.ok === undefined) {
    for (const name of changed) if (oOther.entries.has(name) && !other.mini(name).ok) return undefined;
  }
  other.ok ??= true;
  return changed;
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
  const names = opts.fast === false ? undefined : changedEntries(a, b);
  if (names === 'all') return 'all';
  // Every changed entry of ours must parse on its own on both sides, else parse whole.
  if (names && images.every((name) => !names.has(name) || (a.mini(name).ok && b.mini(name).ok))) {
    images.forEach((name, i) => {
      if (!names.has(name)) return;
      const ma = a.mini(name) as { value: unknown };
      const mb = b.mini(name) as { value: unknown };
      versions.forEach((v, vi) => {
        if (want(i, vi) && entryMeaning(ma.value, name, v) !== entryMeaning(mb.value, name, v)) out.push([i, vi]);
      });
    });
    return out;
  }
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
 * @returns full shas keyed by `<image>@<version>`, the resolved head, and how many
 *   commits were read
 * @throws GitError when `opts.head` names no commit ("unknown ref"), when git fails, or
 *   when the walk reaches a shallow-clone boundary with nodes still unresolved (fix:
 *   `git fetch --unshallow`, or `fetch-depth: 0` for actions/checkout).
 */
export async function computeSourceCommits(stack: Stack, opts: { head?: string } = {}): Promise<SourceCommits> {
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
        return new SpecsBlob(bytes.toString('utf8'));
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
    for await (const commit of firstParentHistory(cwd, head, { onParsed: prefetch })) {
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
