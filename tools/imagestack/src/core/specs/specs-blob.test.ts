import { describe, expect, it } from 'vitest';
import { parseSpecsDocument } from './document';
import { field, SpecsTextMemo } from './specs-blob';

/** An entry's first line (`  <name>:<rest>`), then lines that may follow it; some make no valid YAML. */
const KEY_LINES = ['  py1:', '  py1: {}', '  "py1":', '  py1: {} # c', '  py1: { }', '  py1: null', '  py1: { args: { OPT: "6" } }', '  py1: [a]', '  py1: |', '  py1: x', '  py1:\r'];
const PIECES = [
  '# comment', '  # py2: note 3', '', '  ', '    args: { OPT: "6" }', '    args: { LEVEL: "1", OPT: "2" }', '    args: {}', '    args: { OPT: 6 }',
  '    args: { OPT: "a,b" }', '    args: { OPT: "a\\"b" }', '    args: { OPT: "x", OPT: "y" }', '    args: {OPT: "6"}', '    args: { OPT : "6" }',
  '    skip: [a]', '    skip: [2026.10]', '    context: x', '      deep: 1', '    # inner', '    args: { OPT: "6" } ', '    args:', '      PY: 3.10',
  '    description: |', '      text', '      # not a comment', '\tpy1:', '  - a',
];

describe('SpecsTextMemo', () => {
  it('reads the walk’s usual texts: one images entry, a versions block', () => {
    const memo = new SpecsTextMemo();
    expect(memo.entry('ml2', '  ml2:\n    args: { OPT: "8" }\n  # gcc3: note 4953\n')).toEqual({ ok: true, value: { args: { OPT: '8' } } });
    expect(memo.entry('gcc3', '  gcc3: {}\n')).toEqual({ ok: true, value: {} });
    expect(memo.entry('gcc3', '  gcc3:\n')).toEqual({ ok: true, value: {} });
    expect(memo.parse('versions:\n  "2026.1":\n    args: { LEVEL: "1" }\n  "2026.2":\n')).toEqual({
      ok: true,
      value: { versions: { '2026.1': { args: { LEVEL: '1' } }, '2026.2': {} } },
    });
  });

  it('reads an entry on its own exactly as parseSpecsDocument reads it under images: (seeded fuzzing)', () => {
    let seed = 7;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % k;
    };
    const memo = new SpecsTextMemo();
    let ok = 0;
    for (let i = 0; i < 3000; i++) {
      const name = rnd(4) === 0 ? 'py1' : `img${rnd(50)}`;
      const first = KEY_LINES[rnd(KEY_LINES.length)].replace('py1', name);
      const lines = [first, ...Array.from({ length: rnd(5) }, () => PIECES[rnd(PIECES.length)])];
      const text = lines.join('\n') + '\n';
      const whole = parseSpecsDocument(`images:\n${text}`);
      const got = memo.entry(name, text);
      expect(got.ok, JSON.stringify(text)).toBe(whole.doc.errors.length === 0);
      if (!got.ok) continue;
      ok++;
      expect(got.value, JSON.stringify(text)).toEqual(field(field(whole.json, 'images'), name));
    }
    expect(ok).toBeGreaterThan(600);
  });
});
