/**
 * Reading specs.yml: parse (YAML) → schema (schemas/specs.schema.json) → normalise the gate
 * and release sections (sections.ts) → rules (rules.ts) → normalize into {@link Specs}. Every problem is collected first and thrown as one
 * {@link InputError}, so a user sees all of them at once (DESIGN.md promise 6).
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { isMap, visit } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import { InputError } from '../errors';
import { normalizeFolder } from '../util/folder';
import type { Problem } from '../errors';
import { asObject, valueAt } from './context';
import type { CheckContext, SpecsOverrides } from './context';
import { ALIAS_BOMB_MESSAGE, keyText, MAX_ALIAS_COUNT, parseSpecsDocument } from './document';
import { outlineOnce } from './outline';
import { locate } from './positions';
import type { DocPath } from './positions';
import { readReferences } from './references';
import { checkRules } from './rules';
import { checkSchema } from './schema';
import { attachSections, hidden, normalizeSections, type PlainSpecs, type Sections } from './sections';
import type { BuildArgs, Specs, VersionSpec } from './types';

export type { SpecsOverrides } from './context';

/**
 * The first key at or after `offset`, for duplicate keys: `yaml` reports them at the end of
 * what precedes the key (which may be the previous line), not at the key itself.
 */
function keyFrom(doc: Document, offset: number): { key: string; offset: number } | undefined {
  let found: { key: string; offset: number } | undefined;
  visit(doc, {
    Pair(_, pair) {
      const r = (pair.key as { range?: number[] } | null)?.range;
      if (r && r[0] >= offset && (found === undefined || r[0] < found.offset)) found = { key: keyText(pair.key), offset: r[0] };
    },
  });
  return found;
}

const YAML_MESSAGES: Record<string, string> = {
  MULTIPLE_DOCS: 'the file holds more than one YAML document',
};

const YAML_FIXES: Record<string, string> = {
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  MULTIPLE_DOCS: 'keep a single document: remove the "---" line and what follows, or merge it into the first document',
  MISSING_CHAR: 'add the missing character',
  BAD_INDENT: 'indent the entries of one mapping or list by the same number of spaces, deeper than their parent key',
  BLOCK_AS_IMPLICIT_KEY: 'put a nested mapping on its own lines, indented under its key (a key cannot be followed by "key: value" on the same line)',
};

/** YAML syntax errors (including duplicate keys) as problems. @returns true when any error other than a duplicate key was found */
function yamlProblems(ctx: CheckContext): boolean {
  let fatal = false;
  for (const e of ctx.doc.errors) {
    const { line, col } = ctx.lineCounter.linePos(e.pos[0]);
    if (e.code === 'DUPLICATE_KEY') {
      const key = keyFrom(ctx.doc, e.pos[0]);
      const at = key ? ctx.lineCounter.linePos(key.offset) : { line, col };
      ctx.problems.push({
        file: ctx.file,
        line: at.line,
        column: at.col,
        message: key ? `key ${JSON.stringify(key.key)} appears more than once in the same mapping` : 'a key appears more than once in the same mapping',
        fix: 'remove one of the entries or merge them; YAML does not allow a key twice (note that "2026.1" and 2026.1 are the same key)',
      });
    } else if (e.message === ALIAS_BOMB_MESSAGE) {
      fatal = true;
      ctx.problems.push({
        file: ctx.file,
        line,
        column: col,
        message: `this file holds ${ALIAS_BOMB_MESSAGE}`,
        fix: `write the values out, or name fewer aliases: all aliases together may stand for at most ${MAX_ALIAS_COUNT.toLocaleString('en-US')} values`,
      });
    } else {
      fatal = true;
      ctx.problems.push({
        file: ctx.file,
        line,
        column: col,
        message: `YAML syntax error: ${YAML_MESSAGES[e.code] ?? e.message}`,
        fix: YAML_FIXES[e.code] ?? 'correct the YAML syntax here (indentation, ":" after keys, matching quotes and brackets)',
      });
    }
  }
  return fatal;
}

/** Keys of the mapping at `p`, in file order (plain objects put integer-like keys first). */
function orderedKeys(doc: Document, p: DocPath): string[] {
  let node: unknown = doc.contents;
  for (const seg of p) {
    if (!isMap(node)) return [];
    node = lastPairs(node).get(String(seg))?.value;
  }
  return [...lastPairs(node).keys()];
}

/**
 * The pairs of a mapping node by key text, in first-occurrence order of the keys, the last
 * pair of a repeated key winning (as `locate` reads them); empty for anything but a mapping
 * (aliases are not followed, as before).
 * One pass, so looking up every image of `images:` is linear, not quadratic.
 */
function lastPairs(node: unknown): Map<string, Pair> {
  const out = new Map<string, Pair>();
  if (!isMap(node)) return out;
  for (const pair of node.items) out.set(keyText(pair.key), pair as Pair);
  return out;
}

function argsAt(json: unknown, p: DocPath): BuildArgs {
  const o = asObject(valueAt(json, p)) ?? {};
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));
}

function stringsAt(json: unknown, p: DocPath): string[] {
  const v = valueAt(json, p);
  return Array.isArray(v) ? v.map(String) : [];
}

/** `./scripts/**` → `scripts/**`, so globs match workspace-relative paths. */
function normalizeGlob(g: string): string {
  return g.replace(/^(?:\.\/)+/, '');
}

function normalize(ctx: CheckContext, root: string, sections: Sections): Specs {
  const { json, doc, lineCounter } = ctx;
  const line = (p: DocPath) => locate(doc, lineCounter, p, 'key').line;
  const versions: VersionSpec[] = orderedKeys(doc, ['versions']).map((name) => ({
    name,
    args: argsAt(json, ['versions', name, 'args']),
    line: line(['versions', name]),
  }));
  // Each image's pair is looked up once in the `images:` mapping (not by walking from the
  // root per image: that was quadratic in the number of images).
  const imagesPairs = lastPairs(lastPairs(doc.contents).get('images')?.value);
  const images: PlainSpecs['images'] = [...imagesPairs].map(([name, pair]) => {
    const at = ['images', name];
    const versionArgs: Record<string, BuildArgs> = {};
    for (const v of lastPairs(lastPairs(pair.value).get('versions')?.value).keys()) {
      versionArgs[v] = argsAt(json, [...at, 'versions', v, 'args']);
    }
    const dockerfile = valueAt(json, [...at, 'dockerfile']);
    const context = valueAt(json, [...at, 'context']);
    const keyStart = (pair.key as Node | null)?.range?.[0];
    return {
      name,
      context: typeof context === 'string' ? normalizeFolder(context) : `images/${name}`,
      dockerfile: typeof dockerfile === 'string' ? dockerfile : 'Dockerfile',
      args: argsAt(json, [...at, 'args']),
      versionArgs,
      skip: stringsAt(json, [...at, 'skip']),
      inputs: stringsAt(json, [...at, 'inputs']).map(normalizeGlob),
      line: keyStart === undefined ? line(at) : lineCounter.linePos(keyStart).line,
      raw: asObject(valueAt(json, at)) ?? {},
    };
  });
  const source = valueAt(json, ['source']);
  const references = readReferences(json);
  const plain: PlainSpecs = {
    file: path.resolve(root, ctx.file),
    root,
    registry: ctx.overrides.registry ?? String(valueAt(json, ['registry'])),
    namespace: ctx.overrides.namespace ?? String(valueAt(json, ['namespace'])),
    ...(typeof source === 'string' ? { source } : {}),
    ...(references ? { references } : {}),
    inputs: stringsAt(json, ['inputs']).map(normalizeGlob),
    versions,
    images,
    raw: asObject(json) ?? {},
  };
  return attachSections(plain, sections);
}

/** Problems without a line (overrides) first, then by line and column; exact repeats dropped. */
function sortProblems(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const k = JSON.stringify([p.file, p.line, p.column, p.message]);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/**
 * Parses and validates the text of specs.yml (pure: no I/O).
 *
 * Version names, mapping keys, build arg values and `skip` items are read as the text
 * written (`2026.10` stays "2026.10", `PY: 3.10` gives "3.10"). `Specs.raw` and
 * `ImageSpec.raw` are the plain JSON of `toSpecsJson` (document.ts), with an empty image
 * entry as `{}`.
 *
 * @param text the content of specs.yml
 * @param file the path problems should name, relative to `root` (e.g. `specs.yml`); `Specs.file` is it resolved against `root`
 * @param root the workspace root (the folder of specs.yml); made absolute
 * @param overrides registry/namespace replacing the file's (from `--registry` / the environment); validated too
 * @param readWorkspaceFile reads a workspace file (relative path) for the rules that check
 *   files named in specs.yml (the `stamp:` files); without it those checks are skipped
 * @returns the normalized stack definition, versions and images in file order
 * @throws InputError with every problem found: YAML syntax and duplicate keys, schema
 *   violations (specs.schema.json), the sections' own facts (sections.ts), and the rules of rules.ts — each with file, 1-based
 *   line and column (none for overrides), message and fix
 */
export function parseSpecs(
  text: string,
  file: string,
  root: string,
  overrides: SpecsOverrides = {},
  readWorkspaceFile?: (rel: string) => string | undefined,
): Specs {
  const { lexemes, ...parsed } = parseSpecsDocument(text, { lexemes: true });
  const ctx: CheckContext = { ...parsed, file, overrides, problems: [], readWorkspaceFile };
  const fatal = yamlProblems(ctx);
  let sections: Sections | undefined;
  if (!fatal) {
    checkSchema(ctx);
    sections = normalizeSections(ctx);
    checkRules(ctx);
  } else if (overrides.registry !== undefined || overrides.namespace !== undefined) {
    checkRules({ ...ctx, json: null }); // only the overrides rule finds anything in an empty document
  }
  if (ctx.problems.length > 0 || !sections) throw new InputError(sortProblems(ctx.problems));
  // `text` and its outline: hints for readers of history (tags/source-commits), not part of
  // the stack definition (not enumerable, like the typed sections: see sections.ts).
  return hidden(normalize(ctx, path.resolve(root), sections), { text, outline: outlineOnce(text, lexemes) });
}

/**
 * Reads and validates specs.yml; its folder is the workspace root.
 *
 * @param file path of specs.yml (absolute, or relative to the current directory)
 * @param overrides registry/namespace replacing the file's, see {@link parseSpecs}
 * @throws InputError when the file cannot be read as a file (missing, a folder) or is invalid
 */
export async function loadSpecs(file: string, overrides: SpecsOverrides = {}): Promise<Specs> {
  const abs = path.resolve(file);
  const root = path.dirname(abs);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') {
      throw new InputError({
        file,
        message: code === 'EISDIR' ? `${abs} is a folder, not specs.yml` : `${abs} does not exist`,
        fix: 'create specs.yml in the workspace root, or give the path of the existing one',
      });
    }
    throw err;
  }
  const readWorkspaceFile = (rel: string): string | undefined => {
    try {
      return readFileSync(path.join(root, rel), 'utf8');
    } catch {
      return undefined;
    }
  };
  return parseSpecs(text, path.relative(root, abs), root, overrides, readWorkspaceFile);
}
