/**
 * The `checks:` list of an image in specs.yml, normalised from the plain JSON of the file
 * after specs.schema.json checked its shapes (load.ts puts the result into
 * `ImageSpec.checks`). Pure, no I/O.
 *
 * ```yaml
 * images:
 *   python:
 *     checks:
 *       # command + match: stdout and stderr of `sh -c <command>`, trimmed, must match the
 *       # regular expression (JavaScript syntax, flag m: ^ and $ match at every line)
 *       - { name: python-version, command: "python3 --version", match: "^Python 3\\.11" }
 *       # package (+ version range): looked up in the dpkg list, then the pip list
 *       - { name: pytest-present, package: python3-pytest, version: ">=7.2 <9" }
 *       # file + schema: a JSON file in the image, valid against a JSON Schema file
 *       # (path relative to the workspace root)
 *       - { name: start-point, file: /start_point/manifest.json, schema: schemas/start-point-manifest.schema.json }
 * ```
 *
 * Every check has a `name` (`[A-Za-z0-9][A-Za-z0-9._-]*`, unique in the image) and exactly
 * one of `command` (with `match`), `package` (with optional `version`), `file` (with
 * `schema`). Version ranges: see `range.ts`.
 */
import { NAME_PATTERN, type SpecIssue } from '../manifest/spec';
import { parseVersionRange, type VersionRange } from './range';

/** `command` + `match`. */
export interface CommandCheck {
  kind: 'command';
  name: string;
  command: string;
  /** The regular expression as written. */
  match: string;
  /** `new RegExp(match, 'm')`. */
  regex: RegExp;
}

/** `package` (+ `version`). */
export interface PackageCheck {
  kind: 'package';
  name: string;
  package: string;
  /** The range, when given. */
  version?: VersionRange;
}

/** `file` + `schema`. */
export interface FileCheck {
  kind: 'file';
  name: string;
  /** Absolute path in the image. */
  file: string;
  /** Schema file, relative to the workspace root. */
  schema: string;
}

/** One check of an image. */
export type CheckSpec = CommandCheck | PackageCheck | FileCheck;

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Reads one image's `checks` list that specs.schema.json accepted (shapes, names, exactly one
 * kind, the keys of each kind are the schema's; a check that does not fit them is skipped
 * here, the schema reports it). Adds what the schema cannot say: a name used twice, a
 * regular expression or version range that does not parse, a schema path leaving the
 * workspace, a schema file that does not exist (when `exists` is given).
 */
function readChecks(list: unknown, image: string, exists?: (rel: string) => boolean): { checks: CheckSpec[]; issues: SpecIssue[] } {
  const at = ['images', image, 'checks'];
  const issues: SpecIssue[] = [];
  const checks: CheckSpec[] = [];
  if (!Array.isArray(list)) return { checks, issues };
  const seen = new Set<string>();
  list.forEach((item, i) => {
    if (!isObject(item) || typeof item.name !== 'string' || !NAME_PATTERN.test(item.name)) return;
    const name = item.name;
    const p = [...at, i];
    const problem = (key: string | undefined, message: string, fix: string) => issues.push({ path: key ? [...p, key] : p, message, fix });
    if (seen.has(name)) return problem('name', `check "${name}" is defined twice in ${image}`, 'give each check its own name');
    seen.add(name);
    const label = `check "${name}"`;
    const { command, match, file, schema } = item;
    if (typeof command === 'string' && typeof match === 'string') {
      let regex: RegExp;
      try {
        regex = new RegExp(match, 'm');
      } catch (e) {
        return problem('match', `${label}: match is not a valid regular expression: ${(e as Error).message}`, 'fix the expression (JavaScript syntax; in YAML double quotes write \\\\ for one backslash)');
      }
      checks.push({ kind: 'command', name, command, match, regex });
    } else if (typeof item.package === 'string') {
      let version: VersionRange | undefined;
      if (typeof item.version === 'string' || typeof item.version === 'number') {
        try {
          version = parseVersionRange(String(item.version));
        } catch (e) {
          return problem('version', `${label}: ${(e as Error).message}`, 'write comparisons such as `>=1.24`, `<2`, `>=1.24 <2` or `=1.2.3-1`');
        }
      }
      checks.push({ kind: 'package', name, package: item.package, ...(version ? { version } : {}) });
    } else if (typeof file === 'string' && typeof schema === 'string') {
      if (schema.startsWith('/') || schema.split(/[\\/]/).includes('..')) {
        return problem('schema', `${label}: schema "${schema}" must be relative to the workspace root and stay inside it`, 'write a path such as `schemas/x.schema.json`');
      }
      if (exists && !exists(schema)) {
        return problem('schema', `${label}: schema file ${schema} does not exist (or is not a readable file)`, 'create it, or correct the path (relative to the folder of specs.yml, the workspace root)');
      }
      checks.push({ kind: 'file', name, file, schema });
    }
  });
  return { checks, issues };
}

/**
 * The problems of the `checks:` lists of specs.yml that specs.schema.json cannot say (see
 * {@link resolveChecks}).
 * @param raw the whole specs.yml as plain JSON (`Specs.raw`)
 */
export function checksSpecIssues(raw: Record<string, unknown>): SpecIssue[] {
  const images = isObject(raw.images) ? raw.images : {};
  return Object.entries(images).flatMap(([name, entry]) => readChecks(isObject(entry) ? entry.checks : undefined, name).issues);
}

/**
 * The checks of one image.
 * @param entryRaw the image's specs.yml entry as plain JSON (`StackImage.spec.raw`)
 * @param exists whether a workspace file (path relative to the root) exists, to refuse a
 *   missing `schema:` file when specs.yml is loaded; without it that is found by the gate
 * @returns the valid checks, and the problems the schema cannot find
 */
export function resolveChecks(
  entryRaw: Record<string, unknown> | undefined,
  image: string,
  exists?: (rel: string) => boolean,
): { checks: CheckSpec[]; issues: SpecIssue[] } {
  return readChecks(entryRaw?.checks, image, exists);
}
