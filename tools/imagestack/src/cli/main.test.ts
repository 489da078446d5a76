import { describe, expect, it } from 'vitest';
import { commandOf } from './main';

const argv = (...args: string[]) => ['node', 'imagestack', ...args];

describe('commandOf (which command module to load)', () => {
  it('finds the command after global options and their values', () => {
    expect(commandOf(argv('plan', '--json'))).toBe('plan');
    expect(commandOf(argv('--specs', 'plan', 'build'))).toBe('build');
    expect(commandOf(argv('--registry', 'r:5000', '--namespace', 'ns', 'promote', '--version', '1'))).toBe('promote');
    expect(commandOf(argv('plan', '--help'))).toBe('plan');
  });

  it('loads every command for help, no command or an unknown one', () => {
    for (const a of [argv(), argv('--help'), argv('-h', 'plan'), argv('help', 'plan'), argv('plna'), argv('--specs', 'x.yml')]) {
      expect(commandOf(a)).toBeUndefined();
    }
  });
});
