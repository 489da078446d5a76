/**
 * Checking specs.yml against schemas/specs.schema.json (JSON Schema draft-07, with ajv) and
 * turning ajv's errors into problems in plain English, located in the YAML source (the gate
 * sections' words: schema-messages.ts).
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { validate as generatedValidator } from './specs-validator.generated';
import { stringify } from 'yaml';
import { report } from './context';
import type { CheckContext } from './context';
import { formatPath, pointerToPath } from './positions';
import type { DocPath } from './positions';
import { quoteValue } from '../util/quote';
import { closest, quoteList } from '../util/suggest';
import { sectionMessage, selectErrors } from './schema-messages';

/**
 * Where the JSON Schema of specs.yml is published, relative to the package root
 * (tools/imagestack/ in this repository, node_modules/imagestack/ when installed): the path
 * editors are given in `# yaml-language-server: $schema=…` (README, "`specs.yml`"). The
 * package's `files` ship the folder.
 */
export const SPECS_SCHEMA_PATH = 'schemas/specs.schema.json';

/** The JSON Schema (draft-07) of specs.yml, as a plain object (read on first use: a run validates with the compiled validator). */
export function specsSchema(): Record<string, unknown> {
  // `require`, not `import`: the file is outside the project's `src/` (TS6307); from src/
  // and from dist/ alike it is three folders up.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../../../schemas/specs.schema.json') as Record<string, unknown>;
}

/**
 * The validator of specs.schema.json, compiled ahead of time by ajv (standalone code in
 * specs-validator.generated.ts, made by tools/imagestack/scripts/specs-validator.cjs with
 * `{ allErrors, verbose, allowUnionTypes, strict }`): requiring ajv and compiling the
 * schema on every run cost ~100 ms of CPU. schema.test.ts checks the file is up to date.
 */
function validator(): ValidateFunction {
  return generatedValidator as ValidateFunction;
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'a boolean',
  null: 'empty',
};

/** "a string, a number or true or false", from ajv's `type` param (string or list). */
function expected(type: unknown): string {
  const list = (Array.isArray(type) ? type : [type]).filter((t) => t !== 'null').map((t) => TYPE_NAMES[String(t)] ?? String(t));
  if (list.length <= 1) return list.join('');
  return `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

/** What a value is, naming it: `a list`, `the number 3`, `the string "x"`. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${quoteValue(v)}`;
  return `${typeof v === 'boolean' ? 'the boolean' : `the ${typeof v}`} ${String(v)}`;
}

/** A value as YAML on one line (flow style), for "e.g." in fixes. */
function flow(value: unknown): string {
  return stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trim();
}

function example(schema: unknown): unknown {
  const ex = (schema as { examples?: unknown[] } | undefined)?.examples;
  return Array.isArray(ex) && ex.length > 0 ? ex[0] : undefined;
}

function where(path: DocPath): string {
  return path.length === 0 ? 'the document' : formatPath(path);
}

/** "e.g. key: value" for a fix, when the schema has an example. */
function eg(path: DocPath, schema: unknown): string {
  const ex = example(schema);
  if (ex === undefined) return '';
  const last = path[path.length - 1];
  if (typeof last === 'string' && !/^[0-9]+$/.test(last)) return `, e.g. ${/^[A-Za-z_][A-Za-z0-9_-]*$/.test(last) ? last : JSON.stringify(last)}: ${flow(ex)}`;
  return `, e.g. ${flow(ex)}`;
}

const REQUIRED_FIX: Record<string, string> = {
  registry: 'add the registry host images are pushed to, e.g. "registry: ghcr.io" or "registry: 127.0.0.1:5000"',
  namespace: 'add the repository path prefix, e.g. "namespace: my-org/images"',
  versions: 'add at least one version, e.g. versions: { "2026.1": {} }',
  images: 'add at least one image, e.g. images: { base: {} } for an image built from images/base/Dockerfile',
};

function translate(ctx: CheckContext, e: ErrorObject): void {
  const own = sectionMessage(e, ctx.json);
  if (own) {
    report(ctx, own.path, own.target, own.message, own.fix);
    return;
  }
  const path = pointerToPath(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const key = String(params.missingProperty);
      report(
        ctx,
        path,
        'key',
        path.length === 0 ? `${ctx.file} has no "${key}"` : `${where(path)} has no "${key}"`,
        REQUIRED_FIX[key] ?? `add "${key}"`,
      );
      return;
    }
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const near = closest(key, allowed);
      const list = `the keys allowed in ${where(path)} are ${quoteList(allowed)}`;
      let fix: string;
      if (near) fix = `did you mean "${near}"? Rename the key; ${list}`;
      else if (allowed.includes('args') && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) && key === key.toUpperCase())
        fix = `build args go under "args:", e.g. args: { ${key}: ... }; ${list}`;
      else fix = `remove it; ${list}`;
      report(ctx, [...path, key], 'key', `unknown key "${key}" in ${where(path)}`, fix);
      return;
    }
    case 'type': {
      const want = expected(params.type);
      if (path.length === 0) {
        const message = e.data === null ? `${ctx.file} is empty` : `${ctx.file} must be a mapping, but it is ${describeValue(e.data)}`;
        report(ctx, path, 'value', message, 'write the stack definition: registry, namespace, versions and images (see specs.schema.json)');
        return;
      }
      const message = `${where(path)} must be ${want}, but it is ${describeValue(e.data)}`;
      const fix = e.data === null ? `give it a value${eg(path, e.parentSchema)}, or remove the key` : `write ${want} instead${eg(path, e.parentSchema)}`;
      report(ctx, path, 'value', message, fix);
      return;
    }
    case 'minProperties':
      report(ctx, path, 'key', `${where(path)} has no entries`, `declare at least one${eg(path, e.parentSchema)}`);
      return;
    case 'minLength':
      report(ctx, path, 'value', `${where(path)} is an empty string`, 'write a value, or remove it');
      return;
    case 'uniqueItems': {
      const i = Math.max(Number(params.i), Number(params.j));
      const item = Array.isArray(e.data) ? e.data[i] : undefined;
      report(ctx, [...path, i], 'value', `${where(path)} lists ${quoteValue(item)} more than once`, 'remove the repeated item');
      return;
    }
    case 'pattern':
      if (path.length === 1 && path[0] === 'source') {
        report(
          ctx,
          path,
          'value',
          `source ${quoteValue(e.data)} is not a URL`,
          'write the URL of the source repository with its scheme, e.g. "source: https://github.com/org/repo"',
        );
        return;
      }
      report(ctx, path, 'value', `${where(path)} (${quoteValue(e.data)}) does not match ${String(params.pattern)}`, 'change the value to match');
      return;
    default:
      report(ctx, path, 'value', `${where(path)} ${e.message ?? 'is invalid'}`, `correct ${where(path)} (see specs.schema.json)`);
  }
}

/**
 * Validates `ctx.json` against specs.schema.json, adding one problem per violation
 * (all of them: ajv runs with `allErrors`).
 *
 * @returns true when the document matches the schema
 */
export function checkSchema(ctx: CheckContext): boolean {
  const validate = validator();
  if (validate(ctx.json)) return true;
  for (const e of selectErrors(validate.errors ?? [])) translate(ctx, e);
  return false;
}
