import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { InputError } from '../errors';
import { parseSpecs } from './load';
import { tagArgName } from './rules';
import { SPECS_SCHEMA_PATH, specsSchema } from './schema';

/** Every subschema under `properties` / `additionalProperties` / `definitions`, with its path. */
function* subschemas(schema: Record<string, unknown>, at: string): Generator<[string, Record<string, unknown>]> {
  for (const key of ['properties', 'definitions'] as const) {
    const props = schema[key] as Record<string, Record<string, unknown>> | undefined;
    for (const [name, sub] of Object.entries(props ?? {})) {
      yield [`${at}/${key}/${name}`, sub];
      yield* subschemas(sub, `${at}/${key}/${name}`);
    }
  }
  const extra = schema.additionalProperties;
  if (extra && typeof extra === 'object') yield* subschemas(extra as Record<string, unknown>, `${at}/additionalProperties`);
}

describe('specs.schema.json', () => {
  it('is a draft-07 schema that ajv compiles in strict mode', () => {
    const schema = specsSchema();
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(() => new Ajv({ strict: true, allowUnionTypes: true }).compile(schema)).not.toThrow();
  });

  it('describes every property, for editors', () => {
    const missing = [...subschemas(specsSchema(), '#')].filter(([, s]) => typeof s.description !== 'string').map(([p]) => p);
    expect(missing).toEqual([]);
  });

  it('accepts the example as an editor reads it (yaml.parse, quoted versions)', () => {
    const validate = new Ajv({ allowUnionTypes: true }).compile(specsSchema());
    const doc = parse(readFileSync(path.join(__dirname, '__fixtures__', 'good.yml'), 'utf8'));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  });
});

describe('tagArgName', () => {
  it('upper-cases the image name and replaces other characters by _', () => {
    expect(tagArgName('gcc-assert')).toBe('GCC_ASSERT_TAG');
    expect(tagArgName('python')).toBe('PYTHON_TAG');
    expect(tagArgName('a.b__c')).toBe('A_B__C_TAG');
  });
});

describe('specs-validator.generated.ts', () => {
  it('is what tools/imagestack/scripts/specs-validator.cjs makes of specs.schema.json today', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { generate, OUT } = require('../../../scripts/specs-validator.cjs') as { generate: () => string; OUT: string };
    expect(readFileSync(OUT, 'utf8'), 'stale: run node tools/imagestack/scripts/specs-validator.cjs').toBe(generate());
  });
});

describe('one schema for every section of specs.yml', () => {
  const HEAD = 'registry: r.example\nnamespace: ns\nversions: { "1": {} }\n';
  /** `line: message` of every problem parseSpecs finds in HEAD + `body`. */
  function found(body: string): string[] {
    try {
      parseSpecs(`${HEAD}${body}`, 'specs.yml', '/ws');
    } catch (e) {
      return (e as InputError).problems.map((p) => `${p.line}:${p.column}: ${p.message}`);
    }
    return [];
  }

  it('accepts the example stack of this repository, as imagestack and as an editor read it', () => {
    const text = readFileSync(path.resolve(__dirname, '../../../../../specs.yml'), 'utf8');
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=tools/imagestack/${SPECS_SCHEMA_PATH}`);
    expect(() => parseSpecs(text, 'specs.yml', '/ws')).not.toThrow();
    const validate = new Ajv({ allowUnionTypes: true }).compile(specsSchema());
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('publishes the schema at the path the README names', () => {
    const readme = readFileSync(path.resolve(__dirname, '../../../../../README.md'), 'utf8');
    expect(readme).toContain(`# yaml-language-server: $schema=tools/imagestack/${SPECS_SCHEMA_PATH}`);
    expect(JSON.parse(readFileSync(path.resolve(__dirname, '../../..', SPECS_SCHEMA_PATH), 'utf8'))).toEqual(specsSchema());
  });

  it.each([
    ['defaults', 'defaults: { colour: 1 }\nimages: { a: {} }', ['4:13: unknown key "colour" in defaults']],
    ['defaults.manifest', 'defaults:\n  manifest: { timeout: 0 }\nimages: { a: {} }', ['5:24: manifest timeout must be a number of seconds between 1 and 3600, not 0']],
    ['defaults.test', 'defaults:\n  test: { network: "no" }\nimages: { a: {} }', ['5:20: defaults.test.network must be true or false']],
    ['images.*.manifest', 'images:\n  a:\n    manifest:\n      commands:\n        - { name: pip, command: pip list }', ['8:19: manifest command name "pip" is built in: os-release, dpkg and pip always run']],
    ['images.*.checks', 'images:\n  a:\n    checks:\n      - { name: c, file: /x.json }', ['7:9: check "c" needs `schema`: a JSON Schema file relative to the workspace root']],
    ['images.*.checks (kind)', 'images:\n  a:\n    checks:\n      - { name: c, package: p, schema: s.json }', ['7:32: check "c": "schema" does not go with `package`']],
    ['images.*.test', 'images:\n  a:\n    test:\n      limits: { cpus: 0 }', ['7:23: images.a.test.limits.cpus must be a number of CPUs of at least 0.01']],
    ['images.*.test (command)', 'images:\n  a:\n    test: { command: [] }', ['6:22: images.a.test.command must be a non-empty string or a list of strings']],
    ['stamp', 'images: { a: {} }\nstamp:\n  - { file: x.json, pointer: /a }', ['6:5: stamp[0] has no "image"']],
    ['audit', 'images: { a: {} }\naudit:\n  deny: [{ digest: "sha256:x" }]', ['6:10: audit.deny[0] has no "reason"', '6:20: "sha256:x" is not a sha256 digest']],
  ])('%s: a bad shape stops at its line and column', (_section, body, expected) => {
    expect(found(body)).toEqual(expected);
  });
});
