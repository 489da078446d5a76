/**
 * The `checks:` list of an image in specs.yml, read from the plain JSON of the file.
 * Pure, no I/O.
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

const KEYS: Record<CheckSpec['kind'], readonly string[]> = {
  command: ['name', 'command', 'match'],
  package: ['name', 'package', 'version'],
  file: ['name', 'file', 'schema'],
};

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Reads one image's `checks` list: the valid checks and the problems of the others. */
function readChecks(list: unknown, image: string): { checks: CheckSpec[]; issues: SpecIssue[] } {
  const at = ['images', image, 'checks'];
  const issues: SpecIssue[] = [];
  const checks: CheckSpec[] = [];
  if (list === undefined || list === null) return { checks, issues };
  if (!Array.isArray(list)) {
    issues.push({ path: at, message: 'checks must be a list', fix: 'write `checks: [ { name: …, command: …, match: … } ]`' });
    return { checks, issues };
  }
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const p = [...at, i];
    const problem = (key: string | undefined, message: string, fix: string) => issues.push({ path: key ? [...p, key] : p, message, fix });
    if (!isObject(item)) return problem(undefined, 'a check must be a mapping', 'write `{ name: …, command: …, match: … }`');
    const name = item.name;
    const label = typeof name === 'string' ? `check "${name}"` : `check #${i + 1}`;
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      return problem('name', name === undefined ? `${label} needs a name` : `check name ${JSON.stringify(name)} is not a valid name`, 'use letters, digits, ".", "_" and "-", starting with a letter or digit (at most 64 characters)');
    }
    if (seen.has(name)) return problem('name', `check "${name}" is defined twice in ${image}`, 'give each check its own name');
    seen.add(name);
    const kinds = (['command', 'package', 'file'] as const).filter((k) => k in item);
    if (kinds.length !== 1) {
      return problem(
        undefined,
        kinds.length === 0 ? `${label} says nothing to check` : `${label} has ${kinds.join(' and ')}; a check has exactly one of them`,
        'give it `command` + `match`, or `package` (+ `version`), or `file` + `schema`',
      );
    }
    const kind = kinds[0];
    const unknown = Object.keys(item).filter((k) => !KEYS[kind].includes(k));
    if (unknown.length) {
      return problem(unknown[0], `${label}: "${unknown[0]}" does not go with \`${kind}\``, `a ${kind} check has ${KEYS[kind].map((k) => `\`${k}\``).join(', ')}`);
    }
    if (kind === 'command') {
      const { command, match } = item;
      if (typeof command !== 'string' || command.trim() === '') return problem('command', `${label}: command must be a non-empty shell command`, 'e.g. `command: "python3 --version"`');
      if (typeof match !== 'string' || match === '') return problem('match', `${label} needs \`match\`: the regular expression the output must match`, 'e.g. `match: "^Python 3\\\\.11"`');
      let regex: RegExp;
      try {
        regex = new RegExp(match, 'm');
      } catch (e) {
        return problem('match', `${label}: match is not a valid regular expression: ${(e as Error).message}`, 'fix the expression (JavaScript syntax; in YAML double quotes write \\\\ for one backslash)');
      }
      checks.push({ kind, name, command, match, regex });
    } else if (kind === 'package') {
      const pkg = item.package;
      if (typeof pkg !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9+._-]*$/.test(pkg)) {
        return problem('package', `${label}: package ${JSON.stringify(pkg)} is not a package name`, 'write the Debian package or Python distribution name, e.g. `package: python3-numpy`');
      }
      let version: VersionRange | undefined;
      if (item.version !== undefined) {
        if (typeof item.version !== 'string' && typeof item.version !== 'number') return problem('version', `${label}: version must be a range such as ">=1.24"`, 'quote it: `version: ">=1.24 <2"`');
        try {
          version = parseVersionRange(String(item.version));
        } catch (e) {
          return problem('version', `${label}: ${(e as Error).message}`, 'write comparisons such as `>=1.24`, `<2`, `>=1.24 <2` or `=1.2.3-1`');
        }
      }
      checks.push({ kind, name, package: pkg, ...(version ? { version } : {}) });
    } else {
      const { file, schema } = item;
      if (typeof file !== 'string' || !file.startsWith('/')) return problem('file', `${label}: file must be an absolute path in the image`, 'e.g. `file: /start_point/manifest.json`');
      if (typeof schema !== 'string' || schema === '') return problem('schema', `${label} needs \`schema\`: a JSON Schema file relative to the workspace root`, 'e.g. `schema: schemas/start-point-manifest.schema.json`');
      if (schema.startsWith('/') || schema.split(/[\\/]/).includes('..')) {
        return problem('schema', `${label}: schema "${schema}" must be relative to the workspace root and stay inside it`, 'write a path such as `schemas/x.schema.json`');
      }
      checks.push({ kind, name, file, schema });
    }
  });
  return { checks, issues };
}

/**
 * Every problem in the `checks:` lists of specs.yml, for reporting before anything is built.
 * @param raw the whole specs.yml as plain JSON (`Specs.raw`)
 */
export function checksSpecIssues(raw: Record<string, unknown>): SpecIssue[] {
  const images = isObject(raw.images) ? raw.images : {};
  return Object.entries(images).flatMap(([name, entry]) => readChecks(isObject(entry) ? entry.checks : undefined, name).issues);
}

/**
 * The checks of one image.
 * @param entryRaw the image's specs.yml entry as plain JSON (`StackImage.spec.raw`)
 * @returns the valid checks, and the problems of the invalid ones
 */
export function resolveChecks(entryRaw: Record<string, unknown> | undefined, image: string): { checks: CheckSpec[]; issues: SpecIssue[] } {
  return readChecks(entryRaw?.checks, image);
}
