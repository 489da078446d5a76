import { describe, expect, it } from 'vitest';
import { closest, editDistance, quoteList } from './suggest';

describe('suggest', () => {
  it('measures edit distance', () => {
    expect(editDistance('registry', 'regsitry')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('skip', 'skip')).toBe(0);
  });

  it('suggests the closest candidate within the limit', () => {
    expect(closest('dockerfle', ['args', 'dockerfile'])).toBe('dockerfile');
    expect(closest('Registry', ['registry'])).toBe('registry');
    expect(closest('platform', ['args', 'skip'])).toBeUndefined();
    expect(closest('2025.1', ['2026.1', '2026.2'], 3)).toBe('2026.1');
  });

  it('quotes lists', () => {
    expect(quoteList(['a'])).toBe('"a"');
    expect(quoteList(['a', 'b', 'c'])).toBe('"a", "b" and "c"');
  });
});
