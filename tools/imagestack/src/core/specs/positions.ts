/**
 * Locating values of specs.yml: JSON pointers (RFC 6901, as in ajv's `instancePath`) and
 * paths of keys → 1-based line/column in the YAML source.
 */
import type jsonPointerLib from 'json-pointer';
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node } from 'yaml';
import { keyText, parseSpecsDocument } from './document';

/** A path into the document: mapping keys (as {@link keyText} reads them) and list indexes. */
export type DocPath = readonly (string | number)[];

/** A 1-based position. */
export interface Position {
  line: number;
  column: number;
}

/** What to point at: the key of the last path segment, or its value. */
export type Target = 'key' | 'value';

/**
 * Splits a JSON pointer (RFC 6901: `/images/python/args`, `~1` = `/`, `~0` = `~`) into
 * segments, with the `json-pointer` package (as core/stamp/pointer.ts does).
 * @throws Error when `pointer` is neither empty nor starts with `/` (ajv never gives one)
 */
export function pointerToPath(pointer: string): string[] {
  // Required on first use (a schema problem): json-pointer and its dependency cost every valid run to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('json-pointer') as typeof jsonPointerLib).parse(pointer);
}

/**
 * A path as users read it: `images.python.args`, `versions."2026.1"`, `images.python.skip[0]`.
 * Keys that are not plain identifiers are JSON-quoted.
 */
export function formatPath(path: DocPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number' || /^[0-9]+$/.test(seg)) {
      out += `[${seg}]`;
    } else {
      const s = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg) ? seg : JSON.stringify(seg);
      out += out === '' ? s : `.${s}`;
    }
  }
  return out;
}

function resolve(doc: Document, node: unknown): unknown {
  let n = node;
  for (let i = 0; i < 100 && isAlias(n); i++) n = n.resolve(doc);
  return n;
}

function rangeStart(node: unknown): number | undefined {
  const r = (node as Node | null | undefined)?.range;
  return r ? r[0] : undefined;
}

/**
 * Finds where `path` is written in `doc`: the key of its last segment (`target` 'key'), or
 * its value ('value'; an empty value falls back to its key). When the path leaves the
 * document (a missing key, or array-index positions of a sequence item), the deepest node
 * found is used. An empty path is the start of the document's content.
 *
 * @returns a 1-based position, always (1:1 when nothing better is known)
 */
export function locate(doc: Document, lineCounter: LineCounter, path: DocPath, target: Target = 'value'): Position {
  let node: unknown = resolve(doc, doc.contents);
  let offset = rangeStart(node);
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = [...node.items].reverse().find((p) => keyText(p.key) === String(seg));
      if (!pair) break;
      const keyOffset = rangeStart(pair.key);
      const value = resolve(doc, pair.value);
      const empty = value === null || (isScalar(value) && value.value === null && value.source === '');
      const valueOffset = empty ? undefined : rangeStart(pair.value);
      if (last && target === 'key') {
        offset = keyOffset ?? offset;
      } else {
        offset = valueOffset ?? keyOffset ?? offset;
      }
      node = value;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = resolve(doc, item);
    } else {
      break;
    }
  }
  if (offset === undefined) return { line: 1, column: 1 };
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/**
 * Locates paths of a specs.yml text (for the rules checked after loading, with the graph), at
 * their key; the text is parsed only when first asked, i.e. only when there is a problem.
 * @param text the text, or how to read it
 * @param file the file as problems name it
 */
export function specsPathLocator(text: string | (() => string), file: string): (p: DocPath) => { file: string; line: number; column: number } {
  let parsed: ReturnType<typeof parseSpecsDocument> | undefined;
  return (p) => {
    parsed ??= parseSpecsDocument(typeof text === 'string' ? text : text());
    return { file, ...locate(parsed.doc, parsed.lineCounter, p, 'key') };
  };
}
