/**
 * One version of specs.yml (a git blob, or the working-tree file) as the history walk reads
 * it: parsed lazily, whole only when needed, otherwise entry by entry (see
 * ./meaning-changes.ts, the one function that compares two of them).
 */
import { parseSpecsText, type ParsedSpecs } from './document';
import { canonicalJson, entryMeaning, stackVersionMeaning } from './meaning';
import { outlineSpecs, type SpecsOutline } from './outline';
import { deriveOutline } from './outline-derive';

/** Own field of a plain (non-array) object, else `undefined`: how `entryMeaning` reads documents. */
export function field(x: unknown, key: string): unknown {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && Object.hasOwn(x, key)
    ? (x as Record<string, unknown>)[key]
    : undefined;
}

/**
 * A parsed specs.yml with memoized canonical forms of the parts `entryMeaning` reads:
 * `images.<image>`, `versions.<version>` and `inputs`. Equal parts imply equal meanings, so
 * `entryMeaning` itself only runs for images whose entry or version section differ.
 */
export class SpecsDoc {
  readonly #entries = new Map<string, string>();
  readonly #versions = new Map<string, string>();
  #inputs: string | undefined;
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

  /** Canonical JSON of the stack-wide meaning of `versions.<version>` (declared?, args; `''` when the text does not parse). */
  version(version: string): string {
    let s = this.#versions.get(version);
    if (s === undefined) {
      s = this.parsed.ok ? canonicalJson(stackVersionMeaning(field(this.parsed.value, 'versions'), version)) : '';
      this.#versions.set(version, s);
    }
    return s;
  }

  /** Canonical JSON of the stack-wide `inputs` and `references` (`''` when the text does not parse). */
  inputs(): string {
    this.#inputs ??= this.parsed.ok ? canonicalJson([field(this.parsed.value, 'inputs'), field(this.parsed.value, 'references')]) : '';
    return this.#inputs;
  }

  /** `entryMeaning` of (image, version); `unparseable` when the text does not parse. */
  meaning(image: string, version: string): string {
    return this.parsed.ok ? entryMeaning(this.parsed.value, image, version) : 'unparseable';
  }
}

/** Texts a {@link SpecsTextMemo} holds before it starts again (a bound on its memory). */
const MEMO_LIMIT = 20_000;

/** An entry's key line up to its colon: indentation, key (plain or quoted), spaces. */
const ENTRY_KEY = /^([ ]*)(?:[A-Za-z0-9_][\w.-]*|"[^"\\\n]*"|'[^'\n]*')([ ]*:)/;

/**
 * Parses of the small texts of a history walk, by text: `versions:` blocks and single
 * `images:` entries. Most of them are the same text in consecutive versions of specs.yml,
 * and an entry's value does not depend on its name or on its trailing comment lines, so an
 * entry is keyed by its text with the name replaced and those lines dropped: the usual edits
 * of a long history parse a few dozen distinct texts. Owned by whoever walks (one per walk,
 * i.e. per plan; blobs of one walk share it). Bounded: cleared at 20,000 texts.
 */
export class SpecsTextMemo {
  readonly #parses = new Map<string, ParsedSpecs>();
  #images: readonly string[] | undefined;
  #index: ReadonlyMap<string, number> = new Map();

  /** Image name → index in `images` (kept for the last array asked about: a walk asks about one). */
  indexOf(images: readonly string[]): ReadonlyMap<string, number> {
    if (this.#images !== images) {
      this.#images = images;
      this.#index = new Map(images.map((n, i) => [n, i]));
    }
    return this.#index;
  }

  /** `parseSpecsText(text)`, memoized. */
  parse(text: string): ParsedSpecs {
    let r = this.#parses.get(text);
    if (!r) {
      if (this.#parses.size >= MEMO_LIMIT) this.#parses.clear();
      r = parseSpecsText(text);
      this.#parses.set(text, r);
    }
    return r;
  }

  /**
   * The value of one `images:` entry (its text from the key line on, in a simple document,
   * see {@link SpecsOutline}) parsed on its own, as it reads in the whole document (`{}` for
   * an empty entry); `ok: false` when it does not parse on its own.
   */
  entry(name: string, text: string): ParsedSpecs {
    const body = withoutTrailingComments(text) ?? text;
    const keyed = ENTRY_KEY.test(body);
    const parsed = this.parse(`images:\n${keyed ? body.replace(ENTRY_KEY, '$1k$2') : body}`);
    return parsed.ok ? { ok: true, value: field(field(parsed.value, 'images'), keyed ? 'k' : name) } : parsed;
  }
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
    while (c < lineEnd && (entry.charCodeAt(c) === 32 || entry.charCodeAt(c) === 13)) c++;
    if (start === 0 || (c < lineEnd && entry.charCodeAt(c) !== 35 /* # */)) break;
    end = start;
  }
  return entry.slice(0, end);
}

/** Two entry texts that surely have the same value and validity (equal, or equal but for trailing comment lines). */
export function sameEntryText(a: string | undefined, b: string | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const x = withoutTrailingComments(a);
  return x !== undefined && x === withoutTrailingComments(b);
}

/**
 * One version of specs.yml (a blob, or the working-tree file), compared with another by
 * `specsMeaningChanges` (./meaning-changes.ts). Parses lazily: the whole text only when
 * needed, single entries (cheap, memoized by text in {@link memo}) when the texts differ
 * only in some `images:` entries.
 */
export class SpecsBlob {
  #outline: SpecsOutline | null | undefined;
  #full: SpecsDoc | undefined;
  readonly #mini = new Map<string, ParsedSpecs>();
  /** Whether the whole text parses without errors, once known. */
  ok: boolean | undefined;
  /** The outline of {@link text} made elsewhere (`Specs.outline`), used when none could be derived (see {@link outline}). */
  known: (() => SpecsOutline | undefined) | undefined;

  /**
   * @param text the file's text; `undefined` when the file does not exist (reads as `null`)
   * @param memo parses of small texts, shared by the blobs of one walk (default: its own)
   */
  constructor(
    readonly text: string | undefined,
    readonly memo: SpecsTextMemo = new SpecsTextMemo(),
  ) {}

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
      this.#outline = this.text === undefined ? null : ((this.known ?? (() => outlineSpecs(this.text!)))() ?? null);
    }
    return this.#outline ?? undefined;
  }

  /**
   * {@link outline}, derived from the outline of `newer` (a similar text) when that one is
   * known and the difference is confined to some entries: then only those are read again
   * (see `deriveOutline`). The same answer as {@link outline}.
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

  /**
   * `versions:` block + the entry of `name` (if any), each parsed on its own and joined
   * (`{ versions, images: { <name>: … } }`): in a simple document blocks parse
   * independently, so this is their value and validity in the whole document. Needs
   * {@link outline}.
   */
  mini(name: string): ParsedSpecs {
    let r = this.#mini.get(name);
    if (!r) {
      const text = this.outline()!.entries.get(name);
      const v = this.versionsBlock();
      const e: ParsedSpecs = text === undefined ? { ok: true, value: undefined } : this.memo.entry(name, text);
      if (!v.ok) r = v;
      else if (!e.ok) r = e;
      else r = { ok: true, value: { versions: field(v.value, 'versions'), images: text === undefined ? null : { [name]: e.value } } };
      this.#mini.set(name, r);
    }
    return r;
  }

  /** The `versions:` block (if any) parsed on its own (`{ versions: … }`, or null when absent). */
  versionsBlock(): ParsedSpecs {
    return this.memo.parse(this.outline()!.top.get('versions') ?? '');
  }
}
