import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { keyText, parseSpecsDocument, parseSpecsText, toSpecsJson } from './document';

describe('toSpecsJson', () => {
  it('keeps version names, build arg values and skip items as written', () => {
    const text = 'versions:\n  2026.10: { args: { PY: 3.10, ON: true } }\n  2026.1:\nimages:\n  a: { skip: [2026.10, 7], other: 1.50 }\n';
    expect(toSpecsJson(text)).toEqual({
      versions: { '2026.10': { args: { PY: '3.10', ON: 'true' } }, '2026.1': {} },
      images: { a: { skip: ['2026.10', '7'], other: 1.5 } },
    });
    // what yaml.parse would make of it: the trap this module avoids
    expect(parse(text, { uniqueKeys: false }).versions).toEqual({ '2026.1': null });
  });

  it('reads empty image, version and per-image version entries as {}', () => {
    expect(toSpecsJson('versions: { a: }\nimages:\n  x:\n  y: { versions: { a: ~ }, manifest: ~ }\n')).toEqual({
      versions: { a: {} },
      images: { x: {}, y: { versions: { a: {} }, manifest: null } },
    });
  });

  it('never throws, whatever the text', () => {
    expect(toSpecsJson('')).toBeNull();
    expect(toSpecsJson('a: [\n')).toEqual({ a: [] });
    expect(toSpecsJson('a: &x [*x]\n')).toBeDefined();
    expect(toSpecsJson('- 1\n- {b: 2}\n')).toEqual([1, { b: 2 }]);
    expect(toSpecsJson('__proto__: {polluted: 1}\n')).toEqual(JSON.parse('{"__proto__": {"polluted": 1}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseSpecsDocument', () => {
  it('tells 2026.1 from 2026.10 but not "a" from a in duplicate keys', () => {
    expect(parseSpecsDocument('2026.1: x\n2026.10: y\n').doc.errors).toEqual([]);
    expect(parseSpecsDocument('"a": x\na: y\n').doc.errors.map((e) => e.code)).toEqual(['DUPLICATE_KEY']);
  });

  it('refuses an alias bomb with an error and no JSON, as the history walk reads it too', () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i <= 9; i++) text += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]\n`;
    const { doc, json } = parseSpecsDocument(text);
    expect(doc.errors.map((e) => e.code)).toEqual(['RESOURCE_EXHAUSTION']);
    expect(json).toBeNull();
    expect(parseSpecsText(text)).toMatchObject({ ok: false, error: expect.stringMatching(/alias bomb/) });
  });

  it('gives the same document with the lexer\'s tokens kept as without (yaml\'s parseDocument)', () => {
    const texts = [
      'registry: r\nimages:\n  a: { args: { X: "1" } }\n  # c\n  b:\n    description: |\n      t\n',
      'a: 1\n---\nb: 2\n',
      'a: [1, 2\nb: "x\n',
      'a: 1\na: 2\n',
      '',
      '# only a comment\n',
      'x: &a [1]\ny: *a\n',
      'k:\r\n  - 1\r\n  - two\r\n',
    ];
    for (const text of texts) {
      const kept = parseSpecsDocument(text, { lexemes: true });
      const plain = parseSpecsDocument(text);
      const expected = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
      expect(kept.lexemes).toBeDefined();
      expect(plain.lexemes).toBeUndefined();
      expect(kept.json).toEqual(plain.json);
      expect(kept.doc.errors.map((e) => [e.code, e.pos])).toEqual(plain.doc.errors.map((e) => [e.code, e.pos]));
      // Ours adds duplicate keys (duplicateKeyErrors); the rest is yaml's parseDocument's.
      expect(kept.doc.errors.filter((e) => e.code !== 'DUPLICATE_KEY').map((e) => [e.code, e.pos, e.message])).toEqual(expected.errors.map((e) => [e.code, e.pos, e.message]));
      expect(kept.doc.toJS()).toEqual(expected.toJS());
      expect(kept.doc.range).toEqual(expected.range);
      expect(kept.lineCounter.lineStarts).toEqual(plain.lineCounter.lineStarts);
    }
  });

  it('reads keys by their text', () => {
    const { doc } = parseSpecsDocument('2026.10: 1\n~: 2\n"q": 3\ntrue: 4\n0x10: 5\n');
    const map = doc.contents as unknown as { items: { key: unknown }[] };
    expect(map.items.map((p) => keyText(p.key))).toEqual(['2026.10', '~', 'q', 'true', '0x10']);
  });
});
