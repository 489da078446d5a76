import { describe, expect, it } from 'vitest';
import { formatAge, formatDurationText, parseDuration } from './duration';

describe('parseDuration', () => {
  it('reads numbers with units, alone or in sequence', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration('1d12h')).toBe(36 * 3_600_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration(' 0s ')).toBe(0);
  });

  it('refuses what is not a duration', () => {
    for (const bad of ['', '30', 'd', '30 d', '-1d', '3y', '1d 2h', 'abc', '1h30']) expect(parseDuration(bad), bad).toBeUndefined();
  });
});

describe('formatAge', () => {
  it('shows the two largest units', () => {
    expect(formatAge(0)).toBe('0s');
    expect(formatAge(90_000)).toBe('1m30s');
    expect(formatAge(3 * 86_400_000 + 4 * 3_600_000 + 5000)).toBe('3d4h');
    expect(formatAge(2 * 3_600_000 + 5000)).toBe('2h0m');
    expect(formatAge(45_500)).toBe('45s');
    expect(formatAge(600_000)).toBe('10m0s');
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
