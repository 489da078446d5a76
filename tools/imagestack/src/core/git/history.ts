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
import { gitFailure, spawnGit } from './git';
import { RawLogParser, type HistoryCommit } from './raw-log';

export { isNullOid, RawLogParser, type HistoryCommit, type RawChange } from './raw-log';

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

/**
 * A `git log` (see {@link firstParentLogArgs}) started ahead of its walk: its output is
 * read as it comes and kept in memory (about 220 bytes per commit and changed path; at most
 * {@link HISTORY_BUFFER_BYTES}, then git waits) until {@link firstParentHistory} consumes
 * it, so git works while the caller does something else (e.g. reads specs.yml and the
 * Dockerfiles). Start it with
 * {@link startFirstParentHistory}; {@link close} kills git if the walk never happens.
 */
export interface StartedHistory {
  readonly cwd: string;
  readonly head: string;
  /** Kills the `git log` process if it is still running; the buffered output is dropped. */
  close(): void;
}

/** The innards of a {@link StartedHistory}, shared with {@link firstParentHistory} only. */
interface HistoryProcess extends StartedHistory {
  readonly args: string[];
  /** Chunks of stdout not consumed yet, in order. */
  chunks: Buffer[];
  /** Their total size in bytes. */
  buffered: number;
  /** See `bufferBytes` of {@link startFirstParentHistory}. */
  limit: number;
  /** True once stdout ended. */
  ended: boolean;
  /** Wakes the consumer waiting for a chunk or the end. */
  wake: (() => void) | undefined;
  stderr: string;
  exited: Promise<{ code?: number | null; signal?: NodeJS.Signals | null; spawnError?: Error }>;
  proc: ReturnType<typeof spawnGit>;
}

const started = new WeakMap<StartedHistory, HistoryProcess>();

/** Default output of a started `git log` kept unread before git is paused (bytes; the whole output for 1,000 images × 10,000 commits is ~2 MB). */
export const HISTORY_BUFFER_BYTES = 32 * 1024 * 1024;

/**
 * Starts `git log` for {@link firstParentHistory} now (see {@link StartedHistory}).
 * Never throws: a git failure is reported by the walk that consumes it.
 *
 * @param cwd any folder of the working tree
 * @param head a full sha (or any revision git accepts)
 * @param opts.bufferBytes unread output (bytes) above which git is paused until the walk
 *   has read half of it (default {@link HISTORY_BUFFER_BYTES})
 */
export function startFirstParentHistory(cwd: string, head: string, opts: { bufferBytes?: number } = {}): StartedHistory {
  const limit = opts.bufferBytes ?? HISTORY_BUFFER_BYTES;
  const args = firstParentLogArgs(head);
  const proc = spawnGit(cwd, args);
  proc.stdin.end();
  const h: HistoryProcess = {
    cwd,
    head,
    args,
    chunks: [],
    buffered: 0,
    limit,
    ended: false,
    wake: undefined,
    stderr: '',
    proc,
    exited: new Promise((resolve) => {
      proc.once('error', (spawnError) => resolve({ spawnError }));
      proc.once('close', (code, signal) => resolve({ code, signal }));
    }),
    close() {
      proc.stdout.removeAllListeners('data');
      h.chunks = [];
      if (proc.exitCode === null && proc.signalCode === null) proc.kill();
    },
  };
  const wake = () => {
    const w = h.wake;
    h.wake = undefined;
    w?.();
  };
  proc.stdout.on('data', (c: Buffer) => {
    h.chunks.push(c);
    h.buffered += c.length;
    if (h.buffered > limit) proc.stdout.pause(); // resumed by the walk
    wake();
  });
  proc.stdout.once('close', () => {
    h.ended = true;
    wake();
  });
  proc.stderr.on('data', (c: Buffer) => {
    if (h.stderr.length < 65536) h.stderr += c.toString('utf8');
  });
  // A spawn error may come without stdout closing: end the walk's wait either way.
  void h.exited.then(() => {
    h.ended = true;
    wake();
  });
  started.set(h, h);
  return h;
}

/** Options of {@link firstParentHistory}. */
export interface FirstParentHistoryOptions {
  /**
   * Called with every batch of commits parsed from one chunk of output, before the first
   * of them is yielded: lets the consumer start slow look-ups (e.g. blob reads) for the
   * commits it is about to see. Must not throw.
   */
  onParsed?: (commits: readonly HistoryCommit[]) => void;
  /**
   * The same walk started earlier with {@link startFirstParentHistory} (same `cwd` and
   * `head`); consumed, and closed at the end. Without it, `git log` starts now.
   */
  started?: StartedHistory;
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
 * @param opts.started see {@link FirstParentHistoryOptions}
 * @throws GitError naming the command and git's complaint when `git log` fails.
 * @throws Error when `opts.started` was started for another folder or head (a bug).
 */
export async function* firstParentHistory(
  cwd: string,
  head: string,
  opts: FirstParentHistoryOptions = {},
): AsyncGenerator<HistoryCommit, void, undefined> {
  const h = started.get(opts.started ?? startFirstParentHistory(cwd, head));
  if (!h) throw new Error('firstParentHistory: opts.started was not made by startFirstParentHistory');
  if (h.cwd !== cwd || h.head !== head) {
    h.close();
    throw new Error(`firstParentHistory: started for ${h.head} in ${h.cwd}, asked for ${head} in ${cwd}`);
  }
  const parser = new RawLogParser();
  let complete = false;
  try {
    for (;;) {
      if (h.chunks.length === 0) {
        if (h.ended) break;
        await new Promise<void>((resolve) => {
          h.wake = resolve;
        });
        continue;
      }
      const chunk = h.chunks.shift()!;
      h.buffered -= chunk.length;
      if (h.proc.stdout.isPaused() && h.buffered <= h.limit / 2) h.proc.stdout.resume();
      const batch = parser.push(chunk);
      if (batch.length > 0) opts.onParsed?.(batch);
      for (const commit of batch) yield commit;
    }
    const exit = await h.exited;
    if (exit.spawnError || exit.code !== 0) throw gitFailure(cwd, h.args, h.stderr, exit);
    complete = true;
    const last = parser.end();
    if (last.length > 0) opts.onParsed?.(last);
    for (const commit of last) yield commit;
  } finally {
    if (!complete) h.close();
  }
}
