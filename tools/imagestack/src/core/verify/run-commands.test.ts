import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commandsScript, shQuote, splitMarkedOutput } from './run-commands';

/** Runs a commandsScript with the host's sh (the same script runs in containers). */
function runScript(commands: { name: string; command: string }[], marker = 'IMAGESTACK-0123456789abcdef') {
  const r = spawnSync('sh', ['-c', commandsScript(commands, marker)], { encoding: 'utf8' });
  return {
    status: r.status,
    out: splitMarkedOutput(r.stdout, marker, commands.length),
    err: splitMarkedOutput(r.stderr, marker, commands.length),
  };
}

describe('shQuote', () => {
  it('quotes single quotes so sh reads the word back unchanged', () => {
    for (const s of [`it's`, `'`, `a b`, `$HOME`, `"x"`, `\\n`, '']) {
      expect(execFileSync('sh', ['-c', `printf %s ${shQuote(s)}`], { encoding: 'utf8' })).toBe(s);
    }
  });
});

describe('commandsScript + splitMarkedOutput', () => {
  it('separates stdout, stderr and exit code of each command, exactly', () => {
    const r = runScript([
      { name: 'a', command: 'echo one; echo err-one >&2' },
      { name: 'b', command: 'printf "no newline"; exit 3' },
      { name: 'c', command: 'true' },
      { name: 'd', command: `printf 'x\\n\\n'` },
    ]);
    expect(r.status).toBe(0);
    expect(r.out.map((o) => o?.text)).toEqual(['one\n', 'no newline', '', 'x\n\n']);
    expect(r.out.map((o) => o?.exitCode)).toEqual([0, 3, 0, 0]);
    expect(r.err.map((o) => o?.text)).toEqual(['err-one\n', '', '', '']);
    expect(r.out.every((o) => o?.ended)).toBe(true);
  });

  it('isolates a syntax error, an exit and quotes to their own command', () => {
    const r = runScript([
      { name: 'broken', command: 'echo "unterminated' },
      { name: 'exit', command: 'exit 7' },
      { name: 'quotes', command: `echo "it's" '$HOME'` },
      { name: 'cd', command: 'cd /' },
      { name: 'pwd-unchanged', command: 'echo ok' },
    ]);
    expect(r.out[0]?.exitCode).not.toBe(0);
    expect(r.err[0]?.text).toMatch(/unterminated|Syntax error|EOF/i);
    expect(r.out[1]?.exitCode).toBe(7);
    expect(r.out[2]?.text).toBe(`it's $HOME\n`);
    expect(r.out[4]?.text).toBe('ok\n');
  });

  it('reports a command cut off mid-way as not ended, and later ones as not started', () => {
    const marker = 'IMAGESTACK-feed';
    const text = `${marker} start 0\nfirst\n\n${marker} end 0 0\n${marker} start 1\npartial out`;
    const parts = splitMarkedOutput(text, marker, 3);
    expect(parts[0]).toEqual({ text: 'first\n', ended: true, exitCode: 0 });
    expect(parts[1]).toEqual({ text: 'partial out', ended: false });
    expect(parts[2]).toBeUndefined();
  });

  it('does not take the end marker of command 10 for command 1', () => {
    const m = 'IMAGESTACK-ab';
    const text = `${m} start 1\nx\n${m} end 10 0\ny\n${m} end 1 4\n`;
    expect(splitMarkedOutput(text, m, 2)[1]).toEqual({ text: `x\n${m} end 10 0\ny`, ended: true, exitCode: 4 });
  });
});
