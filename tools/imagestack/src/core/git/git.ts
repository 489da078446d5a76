/**
 * Thin wrappers over the `git` command line: each runs one `git` process (execFile, no
 * shell) and turns a failure into a {@link GitError} naming the command and git's own
 * complaint (the first line of its stderr), never a raw stack.
 *
 * Paths printed by git plumbing (`log --raw`, `status --porcelain`, `rev-list`) are
 * relative to the repository's top level; {@link showPrefix} gives the path of a
 * subfolder relative to it.
 */
import { execFile, spawn, type ChildProcessByStdio, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { GitError } from '../errors';

/** Largest stdout a one-shot git command may print (bytes). */
const MAX_BUFFER = 512 * 1024 * 1024;

/**
 * Environment for every git process: no optional locks (so `git status` never writes the
 * index while another process works in the same checkout), no prompts, no pager.
 */
function gitEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat' };
}

/** Quotes an argument for display in an error message only (commands never run through a shell). */
function showArg(a: string): string {
  return /^[\w@%+=:,./^~-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** `git a b c` as a user could type it, for error messages. */
export function showCommand(args: readonly string[]): string {
  return ['git', ...args].map(showArg).join(' ');
}

/** First non-empty line of a process's stderr, trimmed (git's `fatal: ` prefix kept). */
function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '');
  return line?.trim() ?? '';
}

/** The fix of "fatal: not a git repository". */
export const NOT_A_REPOSITORY_FIX = 'run imagestack inside a git repository: git init && git add -A && git commit -m "first commit"';

/**
 * The {@link GitError} for a failed git command: `git <args> failed in <cwd>: <first
 * line of stderr>` (or the exit code / signal when stderr is empty); outside a git
 * repository, that one line with {@link NOT_A_REPOSITORY_FIX}.
 */
export function gitFailure(
  cwd: string,
  args: readonly string[],
  stderr: string,
  exit: { code?: number | null; signal?: NodeJS.Signals | null; spawnError?: NodeJS.ErrnoException },
  fix?: string,
): GitError {
  if (exit.spawnError?.code === 'ENOENT') {
    return new GitError(
      `could not run ${showCommand(args)} in ${cwd}: git is not installed or ${cwd} does not exist`,
      fix ?? 'install git and make sure it is on PATH, and run imagestack inside a git checkout',
    );
  }
  const why =
    firstLine(stderr) ||
    exit.spawnError?.message ||
    (exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`);
  if (/^fatal: not a git repository/.test(why)) {
    // The one failure a newcomer meets first: git's line, and what to do (not git's raw text alone).
    return new GitError(`${showCommand(args)} failed in ${cwd}: ${why}`, fix ?? NOT_A_REPOSITORY_FIX, { oneLine: true });
  }
  return new GitError(`${showCommand(args)} failed in ${cwd}: ${why}`, fix);
}

/** Options of {@link runGit}. */
export interface RunGitOptions {
  /** Exit codes other than 0 that are answers, not failures (e.g. 1 for `config --get` of an unset key). */
  okCodes?: readonly number[];
}

/** What {@link runGit} returns: stdout as UTF-8 and the exit code (0 or one of `okCodes`). */
export interface RunGitResult {
  stdout: string;
  code: number;
}

/**
 * Runs `git <args>` in `cwd` (execFile, no shell) and returns its stdout.
 *
 * @throws GitError naming the command and the first line of git's stderr when git cannot
 *   be started or exits with a code that is neither 0 nor in `okCodes`.
 */
export function runGit(cwd: string, args: readonly string[], opts: RunGitOptions = {}): Promise<RunGitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd, env: gitEnv(), maxBuffer: MAX_BUFFER, encoding: 'utf8', windowsHide: true },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, code: 0 });
        const e = err as NodeJS.ErrnoException & { code?: number | string; signal?: NodeJS.Signals | null };
        if (typeof e.code === 'number' && opts.okCodes?.includes(e.code)) {
          return resolve({ stdout, code: e.code });
        }
        reject(
          gitFailure(cwd, args, stderr, {
            code: typeof e.code === 'number' ? e.code : null,
            signal: e.signal,
            spawnError: typeof e.code === 'string' ? e : undefined,
          }),
        );
      },
    );
  });
}

/** Removes exactly one trailing newline (paths may legitimately end in spaces). */
function chompLine(s: string): string {
  return s.endsWith('\n') ? s.slice(0, -1) : s;
}

/**
 * Absolute path of the top level of the working tree holding `cwd`
 * (`git rev-parse --show-toplevel`).
 *
 * @throws GitError when `cwd` is not inside a git working tree.
 */
export async function toplevel(cwd: string): Promise<string> {
  return chompLine((await runGit(cwd, ['rev-parse', '--show-toplevel'])).stdout);
}

/**
 * Path of `cwd` relative to the top level, with a trailing `/`, or `''` at the top level
 * (`git rev-parse --show-prefix`). Prepend it to a path relative to `cwd` to get the path
 * git prints in `log --raw` and `status --porcelain`.
 *
 * @throws GitError when `cwd` is not inside a git working tree.
 */
export async function showPrefix(cwd: string): Promise<string> {
  return chompLine((await runGit(cwd, ['rev-parse', '--show-prefix'])).stdout);
}

/**
 * The full object id of the commit `ref` names (`git rev-parse --verify --quiet
 * <ref>^{commit}`): a branch, tag (peeled to its commit), `HEAD`, `HEAD~2`, an
 * abbreviated sha…
 *
 * @returns 40 (or, in SHA-256 repositories, 64) lowercase hex characters.
 * @throws GitError naming `ref` when it names no commit in this repository.
 */
export async function revParse(cwd: string, ref: string): Promise<string> {
  const args = ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`];
  const { stdout, code } = await runGit(cwd, args, { okCodes: [1] });
  const sha = stdout.trim();
  if (code !== 0 || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) {
    throw new GitError(
      `unknown ref '${ref}': ${showCommand(args)} found no commit of that name in ${cwd}`,
      ref === 'HEAD'
        ? 'make a first commit (`git commit`) before computing tags'
        : `check the spelling of '${ref}', or fetch it first (\`git fetch origin ${ref}\`)`,
    );
  }
  return sha;
}

/** What {@link repoFacts} answers: the answers of {@link revParse}, {@link toplevel}, {@link showPrefix} and `gitPath(cwd, 'shallow')`. */
export interface RepoFacts {
  /** Full sha of the commit asked for. */
  head: string;
  /** Absolute path of the top level of the working tree. */
  toplevel: string;
  /** `cwd` relative to the top level, with a trailing `/`, or `''`. */
  prefix: string;
  /** Absolute path of `$GIT_DIR/shallow` (the file need not exist). */
  shallowFile: string;
}

/**
 * {@link revParse} of `ref`, {@link toplevel}, {@link showPrefix} and `gitPath(cwd, 'shallow')`
 * in ONE git process (`git rev-parse --show-toplevel --show-prefix --git-path shallow
 * --verify --quiet <ref>^{commit}`, one answer per line in that order): starting a process
 * costs the caller ~10–20 ms, and a plan needs all four before it can walk history.
 *
 * @returns the four answers; `undefined` when git fails, `ref` names no commit, or the
 *   answers cannot be told apart (a path holding a newline): the caller then asks one by
 *   one, and gets their errors. Never throws.
 */
export async function repoFacts(cwd: string, ref: string): Promise<RepoFacts | undefined> {
  const args = ['rev-parse', '--show-toplevel', '--show-prefix', '--git-path', 'shallow', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`];
  try {
    const lines = (await runGit(cwd, args)).stdout.split('\n');
    if (lines.length !== 5 || lines[4] !== '' || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(lines[3])) return undefined;
    return { toplevel: lines[0], prefix: lines[1], shallowFile: path.resolve(cwd, lines[2]), head: lines[3] };
  } catch {
    return undefined;
  }
}

/** Full sha of the commit `HEAD` points at. @throws GitError when there is no commit yet. */
export function headSha(cwd: string): Promise<string> {
  return revParse(cwd, 'HEAD');
}

/**
 * Full sha of `HEAD`, or `undefined` when the branch has no commit yet (unborn `HEAD`).
 * @throws GitError when `cwd` is not in a git repository.
 */
export async function headShaOrUndefined(cwd: string): Promise<string | undefined> {
  const { stdout, code } = await runGit(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], {
    okCodes: [1],
  });
  return code === 0 ? stdout.trim() : undefined;
}

/** True when the repository is a shallow clone (`git rev-parse --is-shallow-repository`). */
export async function isShallow(cwd: string): Promise<boolean> {
  return (await runGit(cwd, ['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true';
}

/**
 * Absolute path of `name` inside the git directory (`git rev-parse --git-path <name>`),
 * e.g. `shallow` → `/repo/.git/shallow`. The file need not exist.
 */
export async function gitPath(cwd: string, name: string): Promise<string> {
  const p = chompLine((await runGit(cwd, ['rev-parse', '--git-path', name])).stdout);
  return path.resolve(cwd, p);
}

/**
 * The shallow boundary commits: the commits listed in `$GIT_DIR/shallow` (one full sha per
 * line; see gitrepository-layout(5), "shallow"), whose parents were not fetched. git shows
 * them as parentless, and diffs them against the empty tree, so a diff there is not the
 * commit's real change. Empty when the repository is complete.
 *
 * @param file that file's path, when the caller knows it ({@link RepoFacts.shallowFile});
 *   asked of git otherwise
 */
export async function shallowCommits(cwd: string, file?: string): Promise<Set<string>> {
  file ??= await gitPath(cwd, 'shallow');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw new GitError(`cannot read ${file}: ${(e as Error).message}`);
  }
  return new Set(
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== ''),
  );
}

/**
 * The commits of `git rev-list --first-parent <base>..<head>`: reachable from `head` by
 * first parents and not reachable from `base`. Full shas.
 *
 * @throws GitError when `base` or `head` names no commit.
 */
export async function commitsBetween(cwd: string, base: string, head: string): Promise<Set<string>> {
  const { stdout } = await runGit(cwd, ['rev-list', '--first-parent', '--end-of-options', `${base}..${head}`]);
  return new Set(stdout.split('\n').filter((l) => l !== ''));
}

/**
 * URL of the `origin` remote (`git config --get remote.origin.url`), or `undefined` when
 * there is no `origin`.
 */
export async function remoteUrl(cwd: string): Promise<string | undefined> {
  const { stdout, code } = await runGit(cwd, ['config', '--get', 'remote.origin.url'], { okCodes: [1] });
  const url = stdout.trim();
  return code === 0 && url !== '' ? url : undefined;
}

/**
 * Starts `git <args>` in `cwd` as a long-lived process with piped stdio, for streaming
 * readers ({@link CatFileBatch}, the history walk). The caller owns the process.
 */
export function spawnGit(cwd: string, args: readonly string[]): ChildProcessWithoutNullStreams {
  return spawn('git', args, { cwd, env: gitEnv(), stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
}

/**
 * Starts one long-running git process whose stdout goes to the open file `fd` (git writes
 * it at full speed, never waiting for a reader); stdin piped with `opts.stdin` (else none),
 * stderr piped. Same environment as {@link spawnGit}. Never throws: a spawn failure comes
 * as the process's `error` event.
 */
export function spawnGitToFile(cwd: string, args: readonly string[], fd: number, opts: { stdin?: boolean } = {}): ChildProcessByStdio<Writable | null, null, Readable> {
  return spawn('git', args, { cwd, env: gitEnv(), stdio: [opts.stdin ? 'pipe' : 'ignore', fd, 'pipe'], windowsHide: true }) as ChildProcessByStdio<Writable | null, null, Readable>;
}
