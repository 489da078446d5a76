/**
 * The outline of a specs.yml text: where its top-level blocks and its `images:` entries
 * are, so that two versions of specs.yml can be compared entry by entry (see
 * ./meaning-changes.ts) instead of parsing both whole, and so that the outline of an older
 * version can be derived from the newer one's by reading only the lines that differ.
 *
 * Lines are read with the `yaml` package's own {@link Lexer} (quoted scalars, flow
 * collections, comments and block scalars as YAML reads them); what is checked here is
 * only the shape of the outline (keys at the start of lines, their indentation).
 */
import { Lexer } from 'yaml';

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
  /** Where things are, for deriving the outline of a similar text (see `deriveOutline` in ./outline-derive.ts). */
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
export interface OutlineLayout {
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
   * entries and top-level keys (on either side) in the region that was read again; every
   * other entry and every other top-level block except `images` has the same text in both.
   * Cleared by its first reader (it holds the newer outline and, through it, its text).
   */
  derived?: { from: SpecsOutline; names: Set<string>; tops: Set<string> };
}

export const UNSAFE_YAML = /\t|(^|[\s[{,])[&*!]|<<|^(%|---|\.\.\.)/m;
/** A mapping key at a line's first non-space character: plain, or quoted without escapes. */
const KEY_AT = /([A-Za-z0-9_][\w.-]*|"[^"\\\n]*"|'[^'\n]*')[ ]*:(?=\s|$)/y;
/** The `images:` key line with nothing but a comment after it. */
const IMAGES_LINE_AT = /images[ ]*:[ ]*(?:#[^\n]*)?\r?(?=\n|$)/y;

/** The key at `at` in `text` (quotes removed), or `undefined` when the line is not `key:`. */
export function keyAt(text: string, at: number): string | undefined {
  KEY_AT.lastIndex = at;
  const m = KEY_AT.exec(text);
  if (!m) return undefined;
  const k = m[1];
  return k.startsWith('"') || k.startsWith("'") ? k.slice(1, -1) : k;
}

/** What a line visitor of {@link forEachSignificantLine} says: go on, or stop and why. */
export const GO_ON = 0;
/** Stop: the text is not simple (an open quote or bracket, an unexpected key line). */
export const NOT_SIMPLE = 1;
/** Stop: the region scanned cannot be derived; outline the whole text instead. */
export const OUTLINE_WHOLE = 2;
export type LineVerdict = typeof GO_ON | typeof NOT_SIMPLE | typeof OUTLINE_WHOLE;

/** The lexer's control tokens (zero width): document mode, scalar follows, flow error end. */
const DOC_MODE = '\x02';
const SCALAR_MARK = '\x1f';
const FLOW_ERROR_END = '\x18';

/**
 * Calls `visit(ls, c, indent)` for each significant line of `text[from, to)` (`ls` the line's
 * start, `c` its first non-space, `indent` = c − ls), skipping blank lines, comment lines and
 * the content of block scalars (`|`, `>-`, …), as the `yaml` {@link Lexer} reads them from
 * `from` (which must be a line start in block context: the start of the text, or an entry's
 * key line). `lexemes`, when given, are the Lexer's tokens of `text[from, to)` (read
 * already, e.g. by the specs loader: see `parseSpecsDocument`). Stops at the first verdict other than {@link GO_ON}, or with
 * {@link NOT_SIMPLE} when a scalar spans lines (quoted, or plain with a continuation line),
 * a flow collection spans lines, or the lexer reports a broken flow collection.
 *
 * @returns {@link GO_ON} when every line was visited, otherwise the verdict that stopped it
 */
export function forEachSignificantLine(
  text: string,
  from: number,
  to: number,
  visit: (ls: number, c: number, indent: number) => LineVerdict,
  lexemes?: readonly string[],
): LineVerdict {
  let pos = from; // offset of the next token
  let ls = from; // start of the current line
  let lineOpen = true; // no content token seen yet on this line
  let depth = 0; // flow collection depth
  let scalarNext = false; // the token after a SCALAR_MARK is a scalar (plain or block content)
  let block = 0; // 1: a block scalar header was seen on this line; 2: its newline too, content next
  for (const tok of lexemes ?? new Lexer().lex(from === 0 && to === text.length ? text : text.slice(from, to))) {
    if (tok === DOC_MODE) continue;
    if (tok === SCALAR_MARK) {
      scalarNext = true;
      continue;
    }
    if (tok === FLOW_ERROR_END) return NOT_SIMPLE;
    const isScalar = scalarNext;
    scalarNext = false;
    const start = pos;
    pos += tok.length;
    if (block === 2 && isScalar) {
      // The block scalar's content (all its lines): the next token starts a line.
      block = 0;
      ls = pos;
      lineOpen = true;
      continue;
    }
    if (!isScalar && (tok === '\n' || tok === '\r\n' || tok === '')) {
      if (depth > 0) return NOT_SIMPLE;
      if (block === 1) block = 2;
      ls = pos;
      lineOpen = true;
      continue;
    }
    if (!isScalar && tok.charCodeAt(0) === 32 /* space */) continue;
    if (tok.includes('\n')) return NOT_SIMPLE; // a scalar over several lines
    const c0 = tok.charCodeAt(0);
    if (!isScalar) {
      if (c0 === 35 /* # */) continue; // a comment: a whole comment line is skipped, like a blank one
      if (c0 === 123 /* { */ || c0 === 91 /* [ */) depth++;
      else if ((c0 === 125 /* } */ || c0 === 93) /* ] */ && depth > 0) depth--;
      else if ((c0 === 124 /* | */ || c0 === 62) /* > */ && depth === 0) block = 1;
    }
    if (lineOpen) {
      lineOpen = false;
      const verdict = visit(ls, start, start - ls);
      if (verdict !== GO_ON) return verdict;
    }
  }
  return depth > 0 ? NOT_SIMPLE : GO_ON;
}

/**
 * Outline of a simple specs.yml text, or `undefined` when it is not simple (see
 * {@link SpecsOutline}). One pass of the lexer over the text, or over `lexemes`, the
 * Lexer's tokens of the whole text when already read (see `parseSpecsDocument`).
 */
export function outlineSpecs(text: string, lexemes?: readonly string[]): SpecsOutline | undefined {
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
  }, lexemes);
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
export function assembleOutline(text: string, layout: OutlineLayout, index?: ReadonlyMap<string, number>): SpecsOutline | undefined {
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

/**
 * `outlineSpecs(text, lexemes)` made on the first call and kept (the lexemes are let go
 * then): the outline of the text the specs loader read, for the history walk, from the
 * tokens the loader's parse already has (see `parseSpecsDocument`).
 *
 * @param lexemes the `yaml` Lexer's tokens of the whole `text`
 */
export function outlineOnce(text: string, lexemes: readonly string[] | undefined): () => SpecsOutline | undefined {
  let tokens = lexemes;
  let outline: SpecsOutline | null | undefined;
  return () => {
    if (outline === undefined) {
      outline = outlineSpecs(text, tokens) ?? null;
      tokens = undefined;
    }
    return outline ?? undefined;
  };
}
