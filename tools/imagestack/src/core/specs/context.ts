/** What the schema check and the rules share while checking one specs.yml. */
import type { Problem } from '../errors';
import type { SpecsDocument } from './document';
import { locate } from './positions';
import type { DocPath, Target } from './positions';

/** Registry and namespace given outside specs.yml (CLI option or environment variable). */
export interface SpecsOverrides {
  /** Registry host[:port] to use instead of specs.yml `registry`. */
  registry?: string;
  /** Repository path to use instead of specs.yml `namespace`. */
  namespace?: string;
  /** Where `registry` came from, as problems should name it: `--registry` (default) or e.g. `IMAGESTACK_REGISTRY`. */
  registryFrom?: string;
  /** Where `namespace` came from: `--namespace` (default) or e.g. `IMAGESTACK_NAMESPACE`. */
  namespaceFrom?: string;
}

/** One check of one specs.yml: its parsed form, the overrides, and the problems found so far. */
export interface CheckContext extends SpecsDocument {
  /** The file as problems name it (as given to `parseSpecs`). */
  file: string;
  overrides: SpecsOverrides;
  problems: Problem[];
  /**
   * Reads a file of the workspace (path relative to the folder of specs.yml), `undefined`
   * when it does not exist. Given by `loadSpecs`; absent in pure parsing, where rules that
   * need files (the stamp files) skip those checks.
   */
  readWorkspaceFile?: (rel: string) => string | undefined;
}

/** Adds a problem located at `path` in the document (its key or its value). */
export function report(ctx: CheckContext, path: DocPath, target: Target, message: string, fix: string): void {
  const { line, column } = locate(ctx.doc, ctx.lineCounter, path, target);
  ctx.problems.push({ file: ctx.file, line, column, message, fix });
}

/** The plain-JSON value at `path`, or undefined. */
export function valueAt(json: unknown, path: DocPath): unknown {
  let v = json;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(v, seg)) return undefined;
    v = (v as Record<string, unknown>)[String(seg)];
  }
  return v;
}

/** `x` as a plain object, or undefined when it is not one (null, list, scalar). */
export function asObject(x: unknown): Record<string, unknown> | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}
