import { describe, expect, it } from 'vitest';
import { CancelledError, EngineError, GitError, InputError, RegistryError } from '../core/errors';
import { exitCodeOf, renderError } from './render-error';

describe('one error path: exit codes', () => {
  it('maps each kind of error to its exit code', () => {
    expect(exitCodeOf(new InputError({ file: 'specs.yml', line: 3, column: 1, message: 'm', fix: 'f' }))).toBe(2);
    expect(exitCodeOf(new GitError('shallow clone', 'git fetch --unshallow'))).toBe(3);
    expect(exitCodeOf(new RegistryError('denied', 401))).toBe(4);
    expect(exitCodeOf(new EngineError('build failed'))).toBe(5);
    expect(exitCodeOf(new CancelledError())).toBe(130);
    expect(exitCodeOf(new Error('boom'))).toBe(1);
    expect(exitCodeOf('a string')).toBe(1);
  });
});

describe('one error path: rendering', () => {
  it('shows every problem of bad input with file:line:column and fix', () => {
    const e = new InputError([
      { file: 'specs.yml', line: 3, column: 5, message: 'registry "x y" is not a registry host', fix: 'write a host' },
      { file: '--parallel 0', message: 'not a whole number ≥ 1', fix: 'write a whole number from 1' },
    ]);
    expect(renderError(e, {})).toBe(
      'imagestack: 2 problems in the input; nothing was built or pushed.\n\n' +
        'specs.yml:3:5: error: registry "x y" is not a registry host\n  fix: write a host\n' +
        '--parallel 0: error: not a whole number ≥ 1\n  fix: write a whole number from 1',
    );
  });

  it('names the kind of failure, shows the engine log tail and never a stack trace', () => {
    expect(renderError(new GitError('not a git repository', 'run git init'), {})).toBe('imagestack: git: not a git repository\n  fix: run git init');
    // A one-line message with the fix kept beside it (e.g. "not a git repository" from core/git/git.ts).
    expect(renderError(new GitError('git status failed in /x: fatal: not a git repository', 'run git init', { oneLine: true }), {})).toBe(
      'imagestack: git: git status failed in /x: fatal: not a git repository\n  fix: run git init',
    );
    expect(renderError(new RegistryError('401 from r.example', 401), {})).toBe('imagestack: registry: 401 from r.example');
    expect(renderError(new EngineError('build of base failed', ['step 3/4', 'exit 1']), {})).toBe('imagestack: engine: build of base failed\n  | step 3/4\n  | exit 1');
    expect(renderError(new CancelledError('waiting for parent tags'), {})).toBe('imagestack: waiting for parent tags was cancelled');
    const plain = renderError(new Error('boom'), {});
    expect(plain).toBe('imagestack: boom');
    expect(plain).not.toMatch(/\n\s+at /);
  });

  it('shows the stack trace of an unexpected error only when IMAGESTACK_DEBUG is set', () => {
    const e = new Error('boom');
    expect(renderError(e, { IMAGESTACK_DEBUG: '1' })).toMatch(/^imagestack: boom\nError: boom\n\s+at /);
    expect(renderError(new InputError({ file: 'f', message: 'm', fix: 'x' }), { IMAGESTACK_DEBUG: '1' })).not.toMatch(/\n\s+at /);
  });
});
