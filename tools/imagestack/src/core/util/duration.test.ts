import { describe, expect, it } from 'vitest';
import { formatDurationText, parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['45', 45_000],
    ['0.5s', 500],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'soon', '10 minutes', '5d', '-1s', '1h 30m', '30m!'])('rejects %j with the accepted forms', (text) => {
    expect(() => parseDuration(text)).toThrow(/is not a duration: write e\.g\. 90s, 30m/);
  });
});

describe('formatDurationText', () => {
  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [90_000, '1m30s'],
    [1_800_000, '30m'],
    [3_900_000, '1h5m'],
  ])('%d ms is %s, and reads back', (ms, text) => {
    expect(formatDurationText(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
