import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { tagArgName } from './rules';
import { specsSchema } from './schema';

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
