import { describe, expect, it } from 'vitest';
import { InputError, type Problem } from '../errors';
import { parseSpecs } from './load';

const HEAD = 'registry: ghcr.io\nnamespace: org\nversions: { "1": {} }\n';

function problems(text: string): Problem[] {
  try {
    parseSpecs(text, 'specs.yml', '/ws');
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return [...(err as InputError).problems];
  }
  throw new Error('expected an InputError');
}

describe('specs.yml taggers and stackChecks', () => {
  it('reads them into the typed sections', () => {
    const specs = parseSpecs(
      `${HEAD}taggers:\n  - { name: os, builtIn: os }\nstackChecks:\n  - { name: u, file: /m.json, pointer: /display_name, unique: true }\nimages:\n  a:\n    taggers:\n      - { name: os, off: true }\n`,
      'specs.yml',
      '/ws',
    );
    expect(specs.taggers).toEqual([{ name: 'os', source: { kind: 'builtIn', builtIn: 'os' } }]);
    expect(specs.images[0].taggers).toEqual([{ name: 'os' }]);
    expect(specs.stackChecks).toEqual([{ name: 'u', source: { kind: 'file', file: '/m.json', pointer: '/display_name', tokens: ['display_name'] }, rule: 'unique' }]);
  });

  it('refuses bad items at their line, with the fix', () => {
    const list = problems(
      `${HEAD}taggers:\n  - { name: x }\nstackChecks:\n  - { name: b, package: p, unique: true, same: true }\n  - { name: c, os: ID, same: true, images: [zz] }\nimages:\n  a:\n    taggers:\n      - { name: p, package: python3 }\n      - { name: p, command: "echo" }\n`,
    );
    expect(list.map((p) => [p.line, p.message])).toEqual([
      [5, 'tagger "x" has none of command, package, builtIn, off; it needs exactly one'],
      [7, 'stack check "b" has unique and same; a stack check has exactly one of unique, same'],
      [8, 'stack check "c" names image "zz", which is not in images'],
      [13, 'tagger "p" is defined twice'],
    ]);
    expect(list[0].fix).toContain('package: python3');
  });
});
