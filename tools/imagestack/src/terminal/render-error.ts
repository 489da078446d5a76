/**
 * The one error path of imagestack's façades: how any error is shown to a user and which exit
 * code it gives. The CLI entry (cli/main.ts) and the Nx executors (nx/executors) both print
 * {@link renderError}'s text; only the CLI turns {@link exitCodeOf} into a process exit code
 * (an executor returns `{ success: false }`).
 *
 * Exit codes (changesets' cli/src/index.ts maps its named errors the same way, in one place):
 * 2 bad input ({@link InputError}, and commander's usage errors), 3 git ({@link GitError}),
 * 4 registry ({@link RegistryError}), 5 engine ({@link EngineError}), 130 cancelled
 * ({@link CancelledError}), 1 anything else (an unexpected error: its stack trace is shown only
 * when the environment variable `IMAGESTACK_DEBUG` is set).
 */
import { CancelledError, EngineError, GitError, InputError, RegistryError } from '../core/errors';
import { redact } from '../core/registry/redact';

/** Exit code of a user-fixable problem (bad input, a bad option value). */
export const EXIT_INPUT = 2;
/** Exit code of a git failure. */
export const EXIT_GIT = 3;
/** Exit code of a registry failure. */
export const EXIT_REGISTRY = 4;
/** Exit code of an engine failure. */
export const EXIT_ENGINE = 5;
/** Exit code of a cancelled run (128 + SIGINT, as shells report Ctrl-C). */
export const EXIT_CANCELLED = 130;
/** Exit code of anything else, and of a run in which an image failed. */
export const EXIT_FAILURE = 1;

/** The exit code for `e` (see the module comment). */
export function exitCodeOf(e: unknown): number {
  if (e instanceof InputError) return EXIT_INPUT;
  if (e instanceof GitError) return EXIT_GIT;
  if (e instanceof RegistryError) return EXIT_REGISTRY;
  if (e instanceof EngineError) return EXIT_ENGINE;
  if (e instanceof CancelledError) return EXIT_CANCELLED;
  return EXIT_FAILURE;
}

/**
 * The text shown for `e`, without a trailing newline, secrets redacted (core/registry/redact):
 * for bad input a header line and every problem (file:line:column, what, fix); for git, the
 * registry and the engine the message with its kind (`imagestack: engine: …`) and, for the
 * engine, the last lines of its log; never a stack trace, unless `env.IMAGESTACK_DEBUG` is set
 * and the error is not one of imagestack's own.
 *
 * @param env the environment to read `IMAGESTACK_DEBUG` from (default `process.env`)
 */
export function renderError(e: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const lines: string[] = [];
  if (e instanceof InputError) {
    const n = e.problems.length;
    lines.push(`imagestack: ${n} problem${n > 1 ? 's' : ''} in the input; nothing was built or pushed.\n`, e.message);
  } else if (e instanceof GitError) {
    lines.push(`imagestack: git: ${e.message}`);
    if (e.fix && !e.message.includes(`\n  fix: ${e.fix}`)) lines.push(`  fix: ${e.fix}`);
  } else if (e instanceof RegistryError) {
    lines.push(`imagestack: registry: ${e.message}`);
  } else if (e instanceof EngineError) {
    lines.push(`imagestack: engine: ${e.message}`);
    if (e.logTail.length) lines.push(e.logTail.map((l) => `  | ${l}`).join('\n'));
  } else if (e instanceof CancelledError) {
    lines.push(`imagestack: ${e.message}`);
  } else {
    lines.push(`imagestack: ${(e as Error)?.message ?? String(e)}`);
    if (env.IMAGESTACK_DEBUG) lines.push(String((e as Error)?.stack));
  }
  return redact(lines.join('\n'));
}
