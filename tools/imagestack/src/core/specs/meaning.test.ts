import { describe, expect, it } from 'vitest';
import { canonicalJson, entryMeaning } from './meaning';

/** The hand-written recursion canonicalJson replaced: the reference its output must equal. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(obj[k])}`).join(',')}}`;
}

describe('canonicalJson', () => {
  it('sorts keys, leaves out undefined members and reads undefined as null', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: undefined, c: 'x' }] })).toBe('{"a":[2,{"c":"x"}],"b":1}');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson([undefined])).toBe('[null]');
  });

  it('gives what the hand-written recursion gave (seeded fuzzing)', () => {
    let seed = 11;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % k;
    };
    const STRINGS = ['', 'a', 'B', 'é', '\u2028', '\ud800', '😀', '"q"', '\\', '\n\t', '__proto__', 'constructor', '2026.10', '10', '9'];
    const NUMBERS = [0, -0, 1, -1.5, 1e21, 1e-7, 3.1, Number.MAX_SAFE_INTEGER, NaN, Infinity];
    const value = (depth: number): unknown => {
      const k = rnd(depth > 3 ? 5 : 8);
      if (k === 0) return null;
      if (k === 1) return rnd(2) === 0;
      if (k === 2) return NUMBERS[rnd(NUMBERS.length)];
      if (k === 3) return STRINGS[rnd(STRINGS.length)];
      if (k === 4) return undefined;
      if (k === 5) return Array.from({ length: rnd(4) }, () => value(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = rnd(5); i > 0; i--) Object.defineProperty(o, STRINGS[rnd(STRINGS.length)], { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
      return o;
    };
    for (let i = 0; i < 5000; i++) {
      const v = value(0);
      expect(canonicalJson(v)).toBe(reference(v));
    }
  });

  it('entryMeaning ignores key order and other images', () => {
    const a = { versions: { '2026.1': { args: { L: '1' } } }, images: { py: { args: { A: '1', B: '2' } }, other: {} } };
    const b = { images: { py: { args: { B: '2', A: '1' } } }, versions: { '2026.1': { args: { L: '1' } } } };
    expect(entryMeaning(a, 'py', '2026.1')).toBe(entryMeaning(b, 'py', '2026.1'));
  });

  it('entryMeaning: an empty value means the absent key; a declared version and the stack-wide globs count', () => {
    const doc = (image: unknown, top: Record<string, unknown> = {}) => ({ versions: { '2026.1': { args: { L: '1' } }, '2026.2': {} }, ...top, images: { py: image } });
    const m = (d: unknown, v = '2026.1') => entryMeaning(d, 'py', v);
    const plain = m(doc({}));
    expect(m(doc({ args: {} }))).toBe(plain);
    expect(m(doc({ inputs: [] }))).toBe(plain);
    expect(m(doc({ versions: { '2026.1': {} } }))).toBe(plain);
    expect(m(doc({ versions: { '2026.1': null } }))).toBe(plain);
    expect(m(doc({ versions: { '2026.1': { args: {} } } }))).toBe(plain);
    expect(m(doc({}, { inputs: [] }))).toBe(plain);
    expect(m(doc({}, { inputs: ['scripts/**'] }))).not.toBe(plain);
    expect(m(doc({ inputs: ['x/**'] }))).not.toBe(plain);
    // 2026.2 is declared with no args; 2026.3 is not declared.
    expect(m(doc({}), '2026.2')).toBe(m(doc({}, { versions: { '2026.1': {}, '2026.2': { args: {} } } }), '2026.2'));
    expect(m(doc({}), '2026.2')).not.toBe(m(doc({}), '2026.3'));
  });
});
