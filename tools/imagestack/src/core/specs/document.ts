/**
 * specs.yml as a YAML document (the `yaml` package's AST) and as plain JSON.
 *
 * Why not `yaml.parse`: the YAML 1.2 core schema reads an unquoted `2026.10:` as the
 * float 2026.1, and a build arg `PY: 3.10` as 3.1. Version names and build arg values are
 * text to imagestack, so the conversion here takes plain (unquoted) scalars that resolve
 * to numbers or booleans from their source text, in the places where text is meant:
 * every mapping key, every build arg value and every `skip` item.
 */
import { Composer, Document, isAlias, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, Parser, Scalar, visit, YAMLParseError } from 'yaml';
import type { Node, ParsedNode } from 'yaml';

/** A parsed specs.yml: the AST, its line counter and the plain-JSON form of its content. */
export interface SpecsDocument {
  /** The `yaml` Document (errors in `doc.errors`, duplicate keys compared by source text). */
  doc: Document.Parsed;
  /** Offsets → 1-based line/column for this text. */
  lineCounter: LineCounter;
  /** The content as plain JSON, see {@link toSpecsJson}; `null` for an empty file. */
  json: unknown;
  /**
   * The `yaml` {@link Lexer}'s tokens of the whole text, in order (with `opts.lexemes` of
   * {@link parseSpecsDocument} only): what `outlineSpecs` (./outline.ts) reads, so that the
   * text is lexed once.
   */
  lexemes?: readonly string[];
}

/**
 * The text of a mapping key as imagestack reads it: a string scalar's value; a plain
 * scalar that resolves to something else (number, boolean, null) by its source text
 * (`2026.10` → "2026.10", `~` → "~"); anything else (a collection as key) by `String`.
 */
export function keyText(key: unknown): string {
  if (isScalar(key)) return scalarText(key) ?? String(key.source ?? key.value);
  if (key === null || key === undefined) return '';
  return String(key);
}

/**
 * A scalar as text: strings as they are; numbers and booleans from plain scalars by their
 * source text, otherwise `String(value)`. `null` (e.g. an empty value or `~`) gives undefined.
 */
function scalarText(s: Scalar): string | undefined {
  const v = s.value;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') {
    return s.type === Scalar.PLAIN && s.source !== undefined && s.source !== '' ? s.source : String(v);
  }
  if (v === null || v === undefined) return s.type === Scalar.PLAIN ? undefined : '';
  return String(v);
}

/** Where, in the document, scalar values are text (so `1.10` stays "1.10"). */
function valuesAreText(path: readonly (string | number)[]): boolean {
  const n = path.length;
  if (n === 3 && path[0] === 'versions' && path[2] === 'args') return true;
  if (n === 3 && path[0] === 'images' && (path[2] === 'args' || path[2] === 'skip')) return true;
  return n === 5 && path[0] === 'images' && path[2] === 'versions' && path[4] === 'args';
}

/** Where an empty (null) entry means "all defaults" and is read as `{}`. */
function nullIsEmptyMapping(path: readonly (string | number)[]): boolean {
  const n = path.length;
  return (
    (n === 2 && (path[0] === 'images' || path[0] === 'versions')) ||
    (n === 4 && path[0] === 'images' && path[2] === 'versions')
  );
}

function resolve(doc: Document, node: unknown): unknown {
  let n = node;
  for (let i = 0; i < 100 && isAlias(n); i++) n = n.resolve(doc);
  return n;
}

function convert(doc: Document, node: unknown, path: (string | number)[], depth: number): unknown {
  const n = resolve(doc, node);
  if (depth > 64) return null; // alias loops and absurd nesting; the schema reports the shape
  if (isMap(n)) {
    const out: Record<string, unknown> = {};
    for (const pair of n.items) {
      const key = keyText(pair.key);
      path.push(key);
      let value = convert(doc, pair.value, path, depth + 1);
      if (value === null && nullIsEmptyMapping(path)) value = {};
      path.pop();
      // Plain assignment, except for `__proto__` (whose assignment would set the prototype):
      // defining every key through `Object.defineProperty` cost a runtime call per key.
      if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
    }
    return out;
  }
  if (isSeq(n)) {
    const text = valuesAreText(path);
    return n.items.map((item, i) => {
      path.push(i);
      const v = text ? textValue(doc, item) : convert(doc, item, path, depth + 1);
      path.pop();
      return v;
    });
  }
  if (isScalar(n)) {
    if (valuesAreText(path.slice(0, -1))) return textValue(doc, n);
    return n.toJSON();
  }
  if (isPair(n)) return null;
  return n === undefined ? null : (n as Node | null)?.toJSON?.() ?? null;
}

/** A scalar in a text position: its text (null stays null); collections are converted as usual. */
function textValue(doc: Document, node: unknown): unknown {
  const n = resolve(doc, node);
  if (isScalar(n)) return scalarText(n) ?? null;
  return convert(doc, n, [], 1);
}

/**
 * The plain JSON of a parsed specs document: keys by {@link keyText}; build arg values and
 * `skip` items as their source text; an empty image entry, version entry or per-image
 * version section as `{}`; everything else as `yaml` converts it. Later duplicate keys win.
 */
export function documentToJson(doc: Document): unknown {
  if (doc.contents === null || doc.contents === undefined) return null;
  return convert(doc, doc.contents, [], 0);
}

/**
 * The bound on alias expansion: the `yaml` package's `maxAliasCount` (its guard against
 * "billion laughs" documents, which count each alias use weighted by the aliases inside
 * what it names). Large enough for an anchor shared by every image of a stack of thousands
 * of images, small enough that the check and any expansion it lets through take milliseconds.
 */
export const MAX_ALIAS_COUNT = 10_000;

/** The message of the `RESOURCE_EXHAUSTION` error for a document whose aliases expand too far. */
// Digits grouped by hand: `toLocaleString` here, at load time, would start ICU (~20 ms of every run).
export const ALIAS_BOMB_MESSAGE = `YAML aliases (*name) that expand to more than ${String(MAX_ALIAS_COUNT).replace(/\B(?=(\d{3})+$)/g, ',')} values (an alias bomb?); refused without expanding them`;

/**
 * Adds a `RESOURCE_EXHAUSTION` error at `alias` when expanding the document's aliases
 * would exceed {@link MAX_ALIAS_COUNT}: `yaml`'s own check (`toJS` with `maxAliasCount`),
 * which shares expanded values, so it refuses a deep alias bomb at once. Other `toJS`
 * failures (e.g. an alias to its own ancestor) are left to {@link documentToJson}.
 * @returns true when the document was refused
 */
function aliasBombError(doc: Document.Parsed, alias: Node): boolean {
  try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    return false;
  } catch (e) {
    if (!(e instanceof ReferenceError) || !/alias count/i.test(e.message)) return false;
    const at = alias.range?.[0] ?? 0;
    doc.errors.push(new YAMLParseError([at, at + 1], 'RESOURCE_EXHAUSTION', ALIAS_BOMB_MESSAGE));
    return true;
  }
}

/**
 * Adds a `DUPLICATE_KEY` error (as the `yaml` parser's `uniqueKeys` option would) for every
 * key that repeats an earlier key of the same mapping, keys compared as imagestack reads
 * them: scalars by {@link keyText} (`2026.1` and `2026.10` differ, `a` and `"a"` do not);
 * collection keys never repeat. The error is placed at the repeated key; errors stay in
 * source order. One pass with a set per mapping: linear in the size of the document.
 * @returns the first alias node of the document (the same pass finds it), if any
 */
function duplicateKeyErrors(doc: Document.Parsed): Node | undefined {
  const found: YAMLParseError[] = [];
  let alias: Node | undefined;
  visit(doc, {
    Alias(_, node) {
      alias ??= node;
    },
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = pair.key as ParsedNode | null;
        if (!isScalar(key)) continue;
        const text = keyText(key);
        if (!seen.has(text)) {
          seen.add(text);
          continue;
        }
        const at = key.range?.[0] ?? map.range?.[0] ?? 0;
        found.push(new YAMLParseError([at, at + 1], 'DUPLICATE_KEY', 'Map keys must be unique'));
      }
    },
  });
  if (found.length === 0) return alias;
  // Merge by position, keeping the parser's own errors in their order.
  found.sort((a, b) => a.pos[0] - b.pos[0]);
  const merged: YAMLParseError[] = [];
  let f = 0;
  for (const e of doc.errors) {
    while (f < found.length && found[f].pos[0] < e.pos[0]) merged.push(found[f++]);
    merged.push(e);
  }
  merged.push(...found.slice(f));
  doc.errors.splice(0, doc.errors.length, ...merged);
  return alias;
}

/**
 * Parses specs.yml text. Never throws: YAML syntax errors, duplicate keys and aliases that
 * expand beyond {@link MAX_ALIAS_COUNT} (`RESOURCE_EXHAUSTION`, then `json` is null: the
 * expansion is never made) are in `doc.errors` (positions as offsets; `lineCounter.linePos`
 * gives 1-based line/col). Every reading of specs.yml, the history walk's included, goes
 * through here.
 */
export function parseSpecsDocument(text: string, opts: { lexemes?: boolean } = {}): SpecsDocument {
  const lineCounter = new LineCounter();
  const lexemes = opts.lexemes ? [...new Lexer().lex(text)] : undefined;
  const doc = parseYamlDocument(text, lineCounter, lexemes);
  const kept = lexemes ? { lexemes } : {};
  const alias = duplicateKeyErrors(doc);
  if (alias && aliasBombError(doc, alias)) return { doc, lineCounter, json: null, ...kept };
  return { doc, lineCounter, json: documentToJson(doc), ...kept };
}

/**
 * `yaml`'s `parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false })`,
 * step by step (yaml 2.x src/public-api.ts: a {@link Parser} over the {@link Lexer}'s tokens,
 * composed by a {@link Composer}; a second document is a `MULTIPLE_DOCS` error), so that the
 * tokens can be given: `lexemes`, when given, must be the Lexer's tokens of `text`.
 * Duplicate keys are found by `duplicateKeyErrors` (linear), not by the parser: its
 * `uniqueKeys` check compares each key with every earlier key of the mapping, which is
 * quadratic in the number of images.
 */
function parseYamlDocument(text: string, lineCounter: LineCounter, lexemes: readonly string[] | undefined): Document.Parsed {
  const parser = new Parser(lineCounter.addNewLine);
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false });
  const tokens = lexemes
    ? (function* () {
        lineCounter.addNewLine(0); // what Parser.parse does first
        for (const lexeme of lexemes) yield* parser.next(lexeme);
        yield* parser.end();
      })()
    : parser.parse(text);
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, text.length)) {
    if (!doc) doc = next;
    else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents; please use YAML.parseAllDocuments()'));
      break;
    }
  }
  return doc!;
}

/**
 * The content of a specs.yml text as plain JSON, the way imagestack reads it (see
 * {@link documentToJson}); the form of `Specs.raw`. Never throws: use it for old versions of
 * specs.yml from git history (which may be invalid) so that they compare with `Specs.raw`.
 * `yaml.parse` would read `2026.10` as 2026.1 and `PY: 3.10` as 3.1.
 *
 * @returns plain JSON (`null` for an empty document; partial content after syntax errors)
 */
export function toSpecsJson(text: string): unknown {
  return parseSpecsDocument(text).json;
}

/** A specs.yml text read as plain JSON; `ok: false` when it does not parse. */
export type ParsedSpecs = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Reads a specs.yml text (or `undefined` for "no such file", which gives `null`) into
 * plain JSON the way the specs loader does ({@link parseSpecsDocument}), so that old blobs
 * of history compare with `Specs.raw`. Never throws: a text with YAML errors (syntax,
 * duplicate keys, several documents) gives `{ ok: false }`, which callers treat as "every
 * node changed".
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
