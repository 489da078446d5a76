/**
 * The option parsers and the exit code of a bad option value, through the real CLI
 * (bin/imagestack.js) with the real commander program: a value is refused while the arguments are
 * parsed, before specs.yml is read or anything runs.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors';
import { port, positiveDuration, wholeNumber } from './options';

describe('option parsers', () => {
  it('reads whole numbers, ports and durations', () => {
    expect(wholeNumber('--parallel', 1)('3')).toBe(3);
    expect(port('--port')('0')).toBe(0);
    expect(port('--port')('65535')).toBe(65535);
    expect(positiveDuration('--timeout')('1m30s')).toBe(90_000);
  });

  it('refuses bad values with an InputError naming the option and the value, and a fix', () => {
    for (const [parse, value] of [
      [wholeNumber('--parallel', 1), '0'],
      [wholeNumber('--parallel', 1), '1.5'],
      [wholeNumber('--parallel', 1), 'two'],
      [port('--port'), '70000'],
      [port('--port'), '-1'],
      [positiveDuration('--timeout'), '5'],
      [positiveDuration('--timeout'), '0s'],
    ] as const) {
      let error: unknown;
      try {
        parse(value);
      } catch (e) {
        error = e;
      }
      expect(error, value).toBeInstanceOf(InputError);
      const p = (error as InputError).problems[0];
      expect(p.file).toMatch(new RegExp(`^--[a-z]+ ${value.replace('.', '\\.')}$`));
      expect(p.fix.length).toBeGreaterThan(0);
    }
  });
});

describe('durations over Node\'s timer limit', () => {
  it('are refused: a timer over 2^31-1 ms (about 24.8 days) would fire at once', () => {
    expect(positiveDuration('--wait-for-parents')('24d')).toBe(24 * 86_400_000);
    for (const value of ['25d', '4w', '99999999999999999999d']) {
      expect(() => positiveDuration('--wait-for-parents')(value), value).toThrow(InputError);
      try {
        positiveDuration('--wait-for-parents')(value);
      } catch (e) {
        expect((e as InputError).problems[0]).toEqual({
          file: `--wait-for-parents ${value}`,
          message: 'longer than 24d, the longest wait imagestack can keep (Node.js timers end at about 24.8 days)',
          fix: 'write at most 24d, e.g. --wait-for-parents 90m',
        });
      }
    }
  });
});

describe('bad option values exit 2 with a clear message', () => {
  // The built CLI (bin/imagestack.js → dist/; `npm run build` first): main.ts loads its
  // command modules with `require`, which the unit runner cannot do for .ts sources.
  const bin = path.resolve(__dirname, '../../bin/imagestack.js');
  it.each([
    [['build', '--parallel', '0'], /--parallel 0: error: not a whole number ≥ 1\n {2}fix: /],
    [['build', '--wait-for-parents', 'soon'], /--wait-for-parents soon: error: not a positive duration\n {2}fix: write a number with a unit/],
    [['serve', '--port', '99999'], /--port 99999: error: not a port\n {2}fix: /],
    [['prepull', '--stable', '1', '--engine', 'unix:///x.sock', '--timeout', '5'], /--timeout 5: error: not a positive duration/],
    [['build', '--run-id', 'no spaces'], /run id: error: run id "no spaces" cannot be part of a tag/],
  ])('%j', (args, message) => {
    const r = spawnSync(process.execPath, [bin, '--specs', '/nonexistent/specs.yml', ...args], { encoding: 'utf8', env: { ...process.env, IMAGESTACK_DEBUG: '' } });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
