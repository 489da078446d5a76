import { describe, expect, it } from 'vitest';
import { dirtyTag, formatTag, isDirtyTag, nodeKey, parseNodeKey } from './tag';

describe('tags', () => {
  it('node keys', () => {
    expect(nodeKey('gcc-assert', '2026.1')).toBe('gcc-assert@2026.1');
    expect(parseNodeKey('gcc-assert@2026.1')).toEqual({ image: 'gcc-assert', version: '2026.1' });
    expect(() => parseNodeKey('nope')).toThrow(/node key/);
  });

  it('formatTag abbreviates the sha to 7', () => {
    expect(formatTag('2026.1', '3f4ff3c0123456789abcdef0123456789abcdef0')).toBe('2026.1-3f4ff3c');
    expect(formatTag('2026.1', '3F4FF3C')).toBe('2026.1-3f4ff3c');
    expect(() => formatTag('2026.1', 'abc')).toThrow(/sha/);
    expect(() => formatTag('2026.1', 'zzzzzzz')).toThrow(/sha/);
  });

  it('dirty tags', () => {
    expect(dirtyTag('2026.1', '0123456789ab')).toBe('2026.1-dirty-0123456789ab');
    expect(() => dirtyTag('2026.1', '0123')).toThrow(/12-hex/);
    expect(isDirtyTag('2026.1-dirty-0123456789ab')).toBe(true);
    expect(isDirtyTag('2026.1-3f4ff3c')).toBe(false);
    expect(isDirtyTag('2026.1-dirty-0123')).toBe(false);
    expect(isDirtyTag('2026.1-stable')).toBe(false);
  });
});
