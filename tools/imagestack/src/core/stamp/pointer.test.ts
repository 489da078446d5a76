import { describe, expect, it } from 'vitest';
import { parsePointer, replaceAt, resolvePointer } from './pointer';

describe('JSON Pointer (RFC 6901)', () => {
  // The examples of RFC 6901 section 5.
  const doc = { foo: ['bar', 'baz'], '': 0, 'a/b': 1, 'c%d': 2, 'e^f': 3, 'g|h': 4, 'i\\j': 5, 'k"l': 6, ' ': 7, 'm~n': 8 };

  it('resolves the RFC examples', () => {
    const at = (p: string) => resolvePointer(doc, parsePointer(p)!);
    expect(at('')).toEqual({ found: true, value: doc });
    expect(at('/foo')).toEqual({ found: true, value: ['bar', 'baz'] });
    expect(at('/foo/0')).toEqual({ found: true, value: 'bar' });
    expect(at('/')).toEqual({ found: true, value: 0 });
    expect(at('/a~1b')).toEqual({ found: true, value: 1 });
    expect(at('/m~0n')).toEqual({ found: true, value: 8 });
    expect(at('/ ')).toEqual({ found: true, value: 7 });
  });

  it('says how far a missing path got', () => {
    expect(resolvePointer(doc, parsePointer('/foo/2')!)).toEqual({ found: false, at: 1 });
    expect(resolvePointer(doc, parsePointer('/foo/01')!)).toEqual({ found: false, at: 1 });
    expect(resolvePointer(doc, parsePointer('/nope/x')!)).toEqual({ found: false, at: 0 });
  });

  it('refuses what is not a pointer', () => {
    expect(parsePointer('image_name')).toBeUndefined();
    expect(parsePointer('/a~2')).toBeUndefined();
  });

  it('replaces existing values only', () => {
    const m = { image_name: 'x', list: [1, 2] };
    replaceAt(m, ['image_name'], 'y');
    replaceAt(m, ['list', '1'], 3);
    expect(m).toEqual({ image_name: 'y', list: [1, 3] });
    expect(() => replaceAt(m, ['other'], 1)).toThrow(/does not resolve/);
  });
});
