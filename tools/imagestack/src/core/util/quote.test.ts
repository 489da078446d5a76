import { describe, expect, it } from 'vitest';
import { quoteValue } from './quote';

describe('quoteValue', () => {
  it('quotes short values as JSON', () => {
    expect(quoteValue('ghcr.io')).toBe('"ghcr.io"');
    expect(quoteValue(3)).toBe('3');
    expect(quoteValue(['a'])).toBe('["a"]');
    expect(quoteValue('x'.repeat(80))).toBe(JSON.stringify('x'.repeat(80)));
  });

  it('cuts long values to 80 characters and says how long they were', () => {
    expect(quoteValue('x'.repeat(10_000_000))).toBe(`"${'x'.repeat(80)}…" (10,000,000 characters)`);
    expect(quoteValue(Array(100).fill(1), 10)).toBe('[1,1,1,1,1… (201 characters)');
    expect(quoteValue(`${'x'.repeat(79)}😀${'y'.repeat(10)}`)).toBe(`"${'x'.repeat(79)}…" (91 characters)`);
  });
});
