import { describe, expect, it } from 'vitest';
import { parseSpecsDocument } from './document';
import { formatPath, locate, pointerToPath } from './positions';

describe('pointerToPath', () => {
  it('splits and unescapes JSON pointers', () => {
    expect(pointerToPath('')).toEqual([]);
    expect(pointerToPath('/images/python/args')).toEqual(['images', 'python', 'args']);
    expect(pointerToPath('/a~1b/c~0d/0')).toEqual(['a/b', 'c~d', '0']);
  });
});

describe('formatPath', () => {
  it('writes paths as users read them', () => {
    expect(formatPath(['images', 'python', 'skip', 0])).toBe('images.python.skip[0]');
    expect(formatPath(['versions', '2026.1', 'args'])).toBe('versions."2026.1".args');
    expect(formatPath(['images', 'gcc-assert'])).toBe('images.gcc-assert');
  });
});

describe('locate', () => {
  const text = 'a:\n  b: 1\n  c:\n    - x\n    - { d: 2026.10 }\n  e:\n';
  const { doc, lineCounter } = parseSpecsDocument(text);
  const at = (path: (string | number)[], target: 'key' | 'value' = 'value') => locate(doc, lineCounter, path, target);

  it('points at keys and values', () => {
    expect(at(['a', 'b'], 'key')).toEqual({ line: 2, column: 3 });
    expect(at(['a', 'b'])).toEqual({ line: 2, column: 6 });
    expect(at(['a', 'c', 1])).toEqual({ line: 5, column: 7 });
    expect(at(['a', 'c', '1', 'd'], 'key')).toEqual({ line: 5, column: 9 });
  });

  it('falls back to the key of an empty value, and to the deepest node found', () => {
    expect(at(['a', 'e'])).toEqual({ line: 6, column: 3 });
    expect(at(['a', 'missing'])).toEqual({ line: 2, column: 3 });
    expect(at([])).toEqual({ line: 1, column: 1 });
  });
});
