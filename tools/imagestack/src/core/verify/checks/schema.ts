/**
 * JSON Schema validation for `file` + `schema` checks, with ajv 8.
 *
 * The schema's `$schema` picks the dialect: draft-07 (default, also draft-06), 2019-09 or
 * 2020-12. Besides the standard keywords, imagestack's validator knows:
 * - format `regex`: a string that compiles as a JavaScript regular expression (no flags);
 *   other unknown formats are ignored (with a warning through `onWarning`);
 * - keyword `x-itemsIn: "<property>"` on an array: every item must be one of the items of
 *   the array in the sibling property `<property>` of the same object (JSON Schema cannot
 *   express "a subset of another property"); validators that do not know it ignore it.
 * Schemas compile with `strict: false`, `allErrors: true`: every error is reported.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import Ajv, { type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';

/** The custom keyword: every item of this array is an item of the sibling property named by the value. */
export const ITEMS_IN_KEYWORD = 'x-itemsIn';

/** A validator of one schema: `[]` when the value is valid, else one message per error. */
export type SchemaValidator = (value: unknown) => string[];

function addVocabulary(ajv: Ajv): void {
  ajv.addFormat('regex', (s: string) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  });
  ajv.addKeyword({
    keyword: ITEMS_IN_KEYWORD,
    type: 'array',
    schemaType: 'string',
    errors: true,
    validate: function itemsIn(this: unknown, property: string, data: unknown[], _parent?: AnySchemaObject, cxt?: { parentData: unknown }) {
      const owner = cxt?.parentData as Record<string, unknown> | undefined;
      const allowed = owner && Array.isArray(owner[property]) ? (owner[property] as unknown[]) : [];
      const missing = data.filter((item) => !allowed.some((a) => a === item));
      if (missing.length === 0) return true;
      (itemsIn as unknown as { errors: Partial<ErrorObject>[] }).errors = [
        {
          keyword: ITEMS_IN_KEYWORD,
          message: `must only list items of ${property}; not in ${property}: ${missing.map((m) => JSON.stringify(m)).join(', ')}`,
          params: { property, missing },
        },
      ];
      return false;
    },
  });
}

/**
 * Compiles a JSON Schema (object) into a {@link SchemaValidator}.
 *
 * @param onWarning receives ajv's warnings (e.g. an unknown format that is ignored)
 * @throws Error with ajv's message when the schema is invalid (e.g. `type: "strin"`)
 */
export function compileSchema(schema: Record<string, unknown>, onWarning?: (message: string) => void): SchemaValidator {
  const dialect = typeof schema.$schema === 'string' ? schema.$schema : '';
  const logger = {
    log: () => undefined,
    warn: (...args: unknown[]) => onWarning?.(args.map(String).join(' ')),
    error: (...args: unknown[]) => onWarning?.(args.map(String).join(' ')),
  };
  const opts = { strict: false, allErrors: true, verbose: true, logger };
  const ajv: Ajv = dialect.includes('2020-12')
    ? (new Ajv2020(opts) as unknown as Ajv)
    : dialect.includes('2019-09')
      ? (new Ajv2019(opts) as unknown as Ajv)
      : new Ajv(opts);
  addVocabulary(ajv);
  const validate: ValidateFunction = ajv.compile(schema);
  return (value: unknown) => (validate(value) ? [] : formatErrors(validate.errors ?? []));
}

/**
 * One line per ajv error: `<instance path or (root)>: <message>`, with the detail ajv
 * leaves in `params` (the unknown property, the allowed values, the constant expected)
 * and, for `pattern`, the schema's `description` when it has one.
 */
export function formatErrors(errors: readonly ErrorObject[]): string[] {
  const lines: string[] = [];
  for (const e of errors) {
    // `if`/`anyOf`/`oneOf` summary errors only repeat what their branches said.
    if (e.keyword === 'if' || e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
    const where = e.instancePath === '' ? '(root)' : e.instancePath;
    const p = e.params as Record<string, unknown>;
    let what = e.message ?? e.keyword;
    switch (e.keyword) {
      case 'additionalProperties':
        what = `unknown property "${String(p.additionalProperty)}" (not allowed)`;
        break;
      case 'required':
        what = `required property "${String(p.missingProperty)}" is missing`;
        break;
      case 'enum':
        what = `must be one of ${JSON.stringify(p.allowedValues)}`;
        break;
      case 'const':
        what = `must be ${JSON.stringify(p.allowedValue)}`;
        break;
      case 'contains': {
        const sub = e.schema as Record<string, unknown> | undefined;
        if (sub && 'const' in sub) what = `must contain ${JSON.stringify(sub.const)}`;
        break;
      }
      case 'uniqueItems':
        what = `must not have duplicate items (items ${String(p.j)} and ${String(p.i)} are equal)`;
        break;
      case 'pattern': {
        const d = (e.parentSchema as Record<string, unknown> | undefined)?.description;
        what = `${JSON.stringify(e.data)} does not match pattern "${String(p.pattern)}"${typeof d === 'string' ? ` (${d})` : ''}`;
        break;
      }
      case 'format':
        what = `${JSON.stringify(e.data)} is not a valid ${String(p.format)}`;
        break;
    }
    // `contains` also yields one `const` error per item that did not match: noise.
    if (e.keyword === 'const' && errors.some((x) => x.keyword === 'contains' && e.instancePath.startsWith(`${x.instancePath}/`))) continue;
    lines.push(`${where}: ${what}`);
  }
  return [...new Set(lines)];
}

/**
 * Reads and compiles a schema file given relative to the workspace root.
 *
 * @throws Error naming the file when it is missing, not JSON, or not a valid schema, or
 *   when the path leaves the workspace root
 */
export async function loadSchemaFile(root: string, rel: string, onWarning?: (message: string) => void): Promise<SchemaValidator> {
  const file = path.resolve(root, rel);
  if (path.isAbsolute(rel) || path.relative(root, file).startsWith('..')) {
    throw new Error(`schema path "${rel}" must be relative to the workspace root and stay inside it`);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read schema ${rel}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (e) {
    throw new Error(`schema ${rel} is not JSON: ${(e as Error).message}`);
  }
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) throw new Error(`schema ${rel} is not a JSON object`);
  try {
    return compileSchema(schema as Record<string, unknown>, onWarning);
  } catch (e) {
    throw new Error(`schema ${rel} is not a valid JSON Schema: ${(e as Error).message}`);
  }
}
