import { describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import { pickRevertTarget } from './revert';
import type { Promotion } from './types';

const p = (number: number, kind: Promotion['kind'] = 'promote'): Promotion => ({
  number,
  version: '2026.2',
  kind,
  ...(kind === 'revert' ? { revertOf: 1 } : {}),
  commit: 'c'.repeat(40),
  at: '2026-11-21T06:00:00.000Z',
  by: 'me',
  images: [],
});

describe('pickRevertTarget', () => {
  const history = [p(3, 'revert'), p(2), p(1)];
  it('defaults to the record before the newest (so a second revert undoes the first)', () => {
    expect(pickRevertTarget(history, '2026.2', undefined, 'r').number).toBe(2);
    expect(pickRevertTarget([p(2), p(1)], '2026.2', undefined, 'r').number).toBe(1);
  });
  it('--to N picks that record', () => {
    expect(pickRevertTarget(history, '2026.2', 1, 'r').number).toBe(1);
  });
  it('refuses with the fix when there is nothing to revert to', () => {
    const cases: Array<[Promotion[], number | undefined, RegExp]> = [
      [[], undefined, /no promotion of 2026.2 is recorded in r/],
      [[p(1)], undefined, /only one promotion of 2026.2 is recorded \(number 1\)/],
      [history, 7, /there is no promotion number 7 of 2026.2 \(recorded: 3, 2, 1\)/],
    ];
    for (const [h, to, re] of cases) {
      let err: unknown;
      try {
        pickRevertTarget(h, '2026.2', to, 'r');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).message).toMatch(re);
      expect((err as InputError).problems[0].fix).toBeTruthy();
    }
  });
});
