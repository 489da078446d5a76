import { describe, expect, it } from 'vitest';
import { startEarlyHistory, takeEarlyHistory } from './early-history';

describe('startEarlyHistory', () => {
  const started = (...args: string[]): boolean => {
    startEarlyHistory(['node', 'imagestack', ...args]);
    const h = takeEarlyHistory();
    h?.close();
    return h !== undefined;
  };

  it('starts git log for a plan of the checked-out HEAD only', () => {
    expect(started('plan', '--offline', '--json')).toBe(true);
    expect(started('--specs', 'x/specs.yml', 'plan')).toBe(true);
    expect(started('plan', '--head', 'HEAD')).toBe(true);
    expect(started('plan', '--head', 'main')).toBe(false);
    expect(started('plan', '--head=HEAD~1')).toBe(false);
    expect(started('build')).toBe(false);
    expect(started('--specs', 'plan', 'build')).toBe(false);
  });

  it('hands its walk on once', () => {
    startEarlyHistory(['node', 'imagestack', 'plan']);
    const h = takeEarlyHistory();
    expect(h).toBeDefined();
    expect(takeEarlyHistory()).toBeUndefined();
    h?.close();
  });
});
