/**
 * A streaming walk over first-parent history: ONE `git log` process whose output is parsed
 * as it arrives, commit by commit, and killed as soon as the consumer stops iterating.
 *
 * The command is
 *
 *     git log --first-parent --diff-merges=first-parent --no-renames --root --raw -z
 *             --no-abbrev --format=%x1e%H %P <head>
 *
 * - `--first-parent` follows only the first parent of merges (git-log(1), "Commit
 *   Limiting"); `--diff-merges=first-parent` shows a merge's diff against its first
 *   parent only (git-log(1), "Diff Merging"), so a merged feature branch counts as the
 *   merge commit's change.
 * - `--root` shows the root commit's diff against the empty tree (every file added). A
 *   shallow clone's boundary commits look like roots too (see `shallowCommits`).
 * - `--raw -z --no-abbrev --no-renames`: the "raw output format" of git-diff(1): per
 *   changed path, `:<old mode> SP <new mode> SP <old oid> SP <new oid> SP <status> NUL
 *   <path> NUL`, with full object ids (all zeros for the missing side of an add or
 *   delete) and the path verbatim (no quoting) relative to the top level.
 * - With `-z` every commit header (the `--format` line) ends in NUL, and a newline comes
 *   between the header and its first raw line. The format starts with the byte 0x1E
 *   (record separator), which cannot start a raw line (`:`) and never follows a raw line's
 *   NUL except as a header, so tokens split on NUL classify unambiguously.
 */
import { GitError } from '../errors';
import { gitFailure, spawnGit } from './git';

/** One changed path of a commit, from a raw diff line. */
export interface RawChange {
  /** Status letter: `A` added, `D` deleted, `M` modified, `T` type changed, … */
  status: string;
  /** Mode in the first parent, e.g. `100644`; `000000` when added. */
  oldMode: string;
  /** Mode in the commit; `000000` when deleted. */
  newMode: string;
  /** Blob id in the first parent (full hex); all zeros when added (see {@link isNullOid}). */
  oldOid: string;
  /** Blob id in the commit (full hex); all zeros when deleted. */
  newOid: string;
  /** Path relative to the repository's top level, `/`-separated, verbatim. */
  path: string;
}

/** One commit of the walk with its change against its first parent. */
export interface HistoryCommit {
  /** Full sha. */
  sha: string;
  /** Full shas of the parents as git sees them (empty for a root or a shallow boundary). */
  parents: string[];
  /** Paths changed against the first parent (against the empty tree when parentless). */
  changes: RawChange[];
}

/** True for git's null object id (all zeros), which stands for "no such file on this side". */
export function isNullOid(oid: string): boolean {
  return /^0+$/.test(oid);
}

const HEADER = 0x1e;
const COLON = 0x3a;
const NEWLINE = 0x0a;

/**
 * Incremental parser of `git log --raw -z --format=%x1e%H %P` output (see the module
 * comment). Feed chunks with {@link push}; it returns the commits completed so far (a
 * commit is complete when the next header, or the end, arrives). Call {@link end} once
 * after the last chunk.
 */
export class RawLogParser {
  #buf: Buffer = Buffer.alloc(0);
  #current: HistoryCommit | undefined;
  /** The meta part of a raw line whose path token has not arrived yet. */
  #pendingMeta: string | undefined;

  /**
   * Parses a chunk of output.
   * @returns the commits completed by this chunk, newest first (git's order).
   * @throws GitError when the output does not have the expected shape.
   */
  push(chunk: Buffer): HistoryCommit[] {
    const buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const done: HistoryCommit[] = [];
    let pos = 0;
    for (;;) {
      const nul = buf.indexOf(0, pos);
      if (nul < 0) break;
      this.#token(buf, pos, nul, done);
      pos = nul + 1;
    }
    this.#buf = pos === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos));
    return done;
  }

  /**
   * Finishes parsing at the end of output.
   * @returns the last commit(s).
   * @throws GitError when the output ended in the middle of a raw line.
   */
  end(): HistoryCommit[] {
    const done: HistoryCommit[] = [];
    if (this.#buf.length > 0) {
      const rest = this.#buf;
      this.#buf = Buffer.alloc(0);
      this.#token(rest, 0, rest.length, done);
    }
    if (this.#pendingMeta !== undefined) {
      throw new GitError(`git log output ended inside a raw diff line: ${this.#pendingMeta}`);
    }
    if (this.#current) done.push(this.#current);
    this.#current = undefined;
    return done;
  }

  #token(buf: Buffer, start: number, end: number, done: HistoryCommit[]): void {
    if (this.#pendingMeta !== undefined) {
      const meta = this.#pendingMeta;
      this.#pendingMeta = undefined;
      const path = buf.toString('utf8', start, end);
      // meta: ":<old mode> <new mode> <old oid> <new oid> <status>"
      const f = meta.split(' ');
      if (f.length < 5 || !this.#current) throw new GitError(`unexpected raw diff line in git log output: ${meta}`);
      this.#current.changes.push({
        oldMode: f[0].slice(1),
        newMode: f[1],
        oldOid: f[2],
        newOid: f[3],
        status: f[4],
        path,
      });
      return;
    }
    if (start === end) return;
    let first = buf[start];
    if (first === NEWLINE && end - start > 1) {
      start++;
      first = buf[start];
    }
    if (first === HEADER) {
      if (this.#current) done.push(this.#current);
      const [sha, ...parents] = buf
        .toString('latin1', start + 1, end)
        .split(' ')
        .filter((s) => s !== '');
      if (!sha) throw new GitError('git log printed a commit header without a sha');
      this.#current = { sha: sha.trim(), parents: parents.map((p) => p.trim()), changes: [] };
      return;
    }
    if (first === COLON) {
      this.#pendingMeta = buf.toString('latin1', start, end);
      return;
    }
    throw new GitError(
      `unexpected token in git log output: ${JSON.stringify(buf.toString('utf8', start, Math.min(end, start + 80)))}`,
    );
  }
}

/** The arguments {@link firstParentHistory} gives `git`. */
export function firstParentLogArgs(head: string): string[] {
  return [
    'log',
    '--first-parent',
    '--diff-merges=first-parent',
    '--no-renames',
    '--root',
    '--raw',
    '-z',
    '--no-abbrev',
    '--no-color',
    '--no-show-signature',
    '--format=%x1e%H %P',
    '--end-of-options',
    head,
  ];
}

/** Options of {@link firstParentHistory}. */
export interface FirstParentHistoryOptions {
  /**
   * Called with every batch of commits parsed from one chunk of output, before the first
   * of them is yielded: lets the consumer start slow look-ups (e.g. blob reads) for the
   * commits it is about to see. Must not throw.
   */
  onParsed?: (commits: readonly HistoryCommit[]) => void;
}

/**
 * Walks first-parent history from `head` (newest first), yielding each commit with its
 * raw change against its first parent. One `git log` process for the whole walk; output
 * is parsed as it streams. Breaking out of the iteration (or an exception in the loop
 * body) kills the process, so a walk that stops early costs only the commits it read.
 *
 * @param cwd any folder of the working tree
 * @param head a full sha (or any revision git accepts)
 * @param opts.onParsed see {@link FirstParentHistoryOptions}
 * @throws GitError naming the command and git's complaint when `git log` fails.
 */
export async function* firstParentHistory(
  cwd: string,
  head: string,
  opts: FirstParentHistoryOptions = {},
): AsyncGenerator<HistoryCommit, void, undefined> {
  const args = firstParentLogArgs(head);
  const proc = spawnGit(cwd, args);
  proc.stdin.end();
  let stderr = '';
  proc.stderr.on('data', (c: Buffer) => {
    if (stderr.length < 65536) stderr += c.toString('utf8');
  });
  const exited = new Promise<{ code?: number | null; signal?: NodeJS.Signals | null; spawnError?: Error }>(
    (resolve) => {
      proc.once('error', (spawnError) => resolve({ spawnError }));
      proc.once('close', (code, signal) => resolve({ code, signal }));
    },
  );
  const parser = new RawLogParser();
  let complete = false;
  try {
    for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
      const batch = parser.push(chunk);
      if (batch.length > 0) opts.onParsed?.(batch);
      for (const commit of batch) yield commit;
    }
    const exit = await exited;
    if (exit.spawnError || exit.code !== 0) throw gitFailure(cwd, args, stderr, exit);
    complete = true;
    const last = parser.end();
    if (last.length > 0) opts.onParsed?.(last);
    for (const commit of last) yield commit;
  } finally {
    if (!complete && proc.exitCode === null && proc.signalCode === null) proc.kill();
  }
}
