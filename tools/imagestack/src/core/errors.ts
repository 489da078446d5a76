/**
 * Errors of the core. Each class is a kind of failure the CLI and the Nx executors map
 * to an exit code and a message; none of them is meant to surface as a stack trace.
 *
 * - {@link InputError}: bad input (specs.yml, Dockerfiles, arguments). Carries every
 *   problem found, each with file, line, column, what is wrong and how to fix it.
 *   Thrown before anything is built or pushed (DESIGN.md promise 6).
 * - {@link GitError}: a git command failed or history is insufficient (shallow clone).
 * - {@link RegistryError}: the registry answered something we cannot accept.
 * - {@link EngineError}: the Docker engine failed (build, push, run).
 * - {@link CancelledError}: the run was cancelled (Ctrl-C / SIGTERM, an aborted signal).
 *
 * The one place that turns any of them into text and an exit code is
 * `src/terminal/render-error.ts`, used by the CLI and the Nx executors alike.
 */

/** One problem in the user's input, located as precisely as we can. */
export interface Problem {
  /** Path of the file as the user should see it (relative to the workspace root when possible). */
  file: string;
  /** 1-based line, when known. */
  line?: number;
  /** 1-based column, when known. */
  column?: number;
  /** What is wrong, one sentence. */
  message: string;
  /** How to fix it, one sentence. */
  fix: string;
}

/** Formats a problem as `file:line:col: error: message` followed by an indented `fix:` line. */
export function formatProblem(p: Problem): string {
  const where = [p.file, p.line, p.line !== undefined ? p.column : undefined]
    .filter((x) => x !== undefined)
    .join(':');
  return `${where}: error: ${p.message}\n  fix: ${p.fix}`;
}

/**
 * Bad input: one or more {@link Problem}s. `message` lists them all, one per paragraph,
 * so a user sees every problem at once.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly problems: readonly Problem[];
  constructor(problems: Problem | readonly Problem[]) {
    const list = Array.isArray(problems) ? problems : [problems as Problem];
    super(list.map(formatProblem).join('\n'));
    this.problems = list;
  }
}

/**
 * A git command failed, or the history available cannot answer the question. The fix is
 * part of `message` (`<message>\n  fix: <fix>`), unless `oneLine` keeps the message to its
 * one line; either way renderers show it once (see `src/terminal/render-error.ts`).
 */
export class GitError extends Error {
  override readonly name = 'GitError';
  /** How to fix it, when we know (e.g. the exact `git fetch` to run in a shallow clone). */
  readonly fix?: string;
  constructor(message: string, fix?: string, opts: { oneLine?: boolean } = {}) {
    super(fix && !opts.oneLine ? `${message}\n  fix: ${fix}` : message);
    this.fix = fix;
  }
}

/**
 * The registry answered with a status we cannot accept. `codes` are the error codes of
 * the OCI distribution spec's error body (`{"errors":[{"code":"MANIFEST_UNKNOWN",…}]}`,
 * section "Error Codes"); `temporary` is true for answers worth retrying (429, 5xx
 * other than 501, network errors).
 */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly codes: readonly string[] = [],
    readonly temporary = false,
  ) {
    super(message);
  }
}

/** The Docker engine failed an operation (build, push, create, run). `logTail` holds the last lines of output. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    message: string,
    readonly logTail: readonly string[] = [],
  ) {
    super(message);
  }
}

/**
 * The operation was cancelled (Ctrl-C / SIGTERM: its `AbortSignal` was aborted). Not a
 * failure of the input, git, the registry or the engine; the CLI exits 130 for it.
 */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  /** @param what what was cancelled, e.g. `waiting for parent tags`; the message is `<what> was cancelled` (or `cancelled`) */
  constructor(what?: string) {
    super(what ? `${what} was cancelled` : 'cancelled');
  }
}
