import { describe, expect, it } from 'vitest';
import { parseSpecsDocument } from '../specs/document';
import { parsePlainSpecs } from './plain-specs';

/** Lines the fuzzing joins: accepted shapes and near misses that must be left to `yaml`. */
const PIECES = [
  'images:', 'versions:', 'images: {}', 'registry: x', '# comment', '  # py1: note 3', '', '  ',
  '  py1:', '  py1: {}', '  base0:', '  "2026.1":', '  "2026.10": {}', '  2026.1:', '  null:', '  true: {}', '  a.b-c_d:',
  '  py1: {} # c', '  py1: { }', '  py1: null', '    args: { OPT: "6" }', '    args: { LEVEL: "1", OPT: "2" }', '    args: {}',
  '    args: { OPT: 6 }', '    args: { OPT: "a,b" }', '    args: { OPT: "a\\"b" }', '    args: { OPT: "x", OPT: "y" }',
  '    args: {OPT: "6"}', '    args: { OPT : "6" }', '    skip: [a]', '    context: x', '      deep: 1', ' odd: 1', '    # inner',
  '    args: { OPT: "6" } ', '\tpy1:', '  - a', '  py1:\r',
];

describe('parsePlainSpecs', () => {
  it('reads the walk’s usual texts: an images header with one entry, a versions block', () => {
    expect(parsePlainSpecs('images:\n  # ml2: note 7399\n  ml2:\n    args: { OPT: "8" }\n')).toEqual({ value: { images: { ml2: { args: { OPT: '8' } } } } });
    expect(parsePlainSpecs('versions:\n  "2026.1":\n    args: { LEVEL: "1" }\n  "2026.2":\n')).toEqual({
      value: { versions: { '2026.1': { args: { LEVEL: '1' } }, '2026.2': {} } },
    });
  });

  it('answers exactly what parseSpecsDocument gives, and only for texts without errors (seeded fuzzing)', () => {
    let seed = 7;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % k;
    };
    let answered = 0;
    for (let i = 0; i < 10000; i++) {
      const lines = Array.from({ length: 1 + rnd(6) }, () => PIECES[rnd(PIECES.length)]);
      if (rnd(3) > 0) lines.unshift(rnd(2) ? 'images:' : 'versions:');
      const text = lines.join('\n') + (rnd(2) ? '\n' : '');
      const plain = parsePlainSpecs(text);
      if (!plain) continue;
      answered++;
      const { doc, json } = parseSpecsDocument(text);
      expect(doc.errors, JSON.stringify(text)).toEqual([]);
      expect(plain.value, JSON.stringify(text)).toEqual(json);
    }
    expect(answered).toBeGreaterThan(300);
  });
});
