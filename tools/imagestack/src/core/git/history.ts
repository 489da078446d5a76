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
 *
 * git writes its output into a temporary file, not a pipe (see ./output-file.ts), and the
 * walk reads the file as it grows. A walk that stops early still kills git, so a long
 * history costs only what was read (plus what git wrote ahead).
 */
import * as path from 'node:path';
import { gitFailure, spawnGitToFile } from './git';
import { OutputFile } from './output-file';
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
 * A `git log` (see {@link firstParentLogArgs}) started ahead of its walk: it writes its output
 * into an unlinked temporary file as fast as it can, so git works while the caller does
 * something else (e.g. reads specs.yml and the Dockerfiles), and {@link firstParentHistory}
 * reads the file as it grows. Start it with {@link startFirstParentHistory} (or, before
 * the head is even known, {@link prestartFirstParentHistory}); {@link close} kills git if
 * the walk never happens.
 */
export interface StartedHistory {
  readonly cwd: string;
  /** The head the walk starts from: a full sha, or `HEAD` for a prestarted walk not yet adopted. */
  readonly head: string;
  /** Kills the `git log` process if it is still running and closes its file (idempotent). */
  close(): void;
}

/** The innards of a {@link StartedHistory}, shared with {@link firstParentHistory} only. */
interface HistoryProcess extends StartedHistory {
  cwd: string;
  head: string;
  readonly args: string[];
  /** The file git writes. */
  out: OutputFile;
  /** Bytes of the file read so far. */
  pos: number;
  /** True once git has exited (everything it wrote is in the file then). */
  done: boolean;
  /**
   * Set when the walk was started before its head was known ({@link prestartFirstParentHistory})
   * and adopted for the full sha `head`: the first commit git prints must be that commit,
   * else the walk starts again for it (see `verifiedHistory`).
   */
  verify: boolean;
  stderr: string;
  exited: Promise<{ code?: number | null; signal?: NodeJS.Signals | null; spawnError?: Error }>;
  proc: ReturnType<typeof spawnGitToFile>;
}

const started = new WeakMap<StartedHistory, HistoryProcess>();

/**
 * Bytes read from git's output file at a time: its commits are parsed and held as one batch,
 * so smaller reads keep fewer objects alive at once (64 KiB against 256 KiB at 1,000 images
 * × 10,000 commits, 9 alternated runs: node CPU 1,182 → 1,115 ms, peak RSS 128 → 119 MB).
 */
const READ_BYTES = 64 * 1024;

/**
 * Starts `git log` for {@link firstParentHistory} now (see {@link StartedHistory}).
 * Never throws for git's sake: a git failure is reported by the walk that consumes it.
 *
 * @param cwd any folder of the working tree
 * @param head a full sha (or any revision git accepts)
 * @param opts.prestarted a walk started earlier with {@link prestartFirstParentHistory}: used
 *   in place of a new `git log` when its folder is inside `opts.toplevel` and `head` is a full
 *   sha (its first commit is checked to be `head` when the walk begins), closed otherwise
 * @param opts.toplevel the top level of the working tree holding `cwd` (needed to adopt `prestarted`)
 * @throws Error (from node) when no temporary file can be created in the OS's temp folder
 */
export function startFirstParentHistory(
  cwd: string,
  head: string,
  opts: { prestarted?: StartedHistory; toplevel?: string } = {},
): StartedHistory {
  const pre = opts.prestarted && started.get(opts.prestarted);
  if (pre) {
    const rel = opts.toplevel === undefined ? '..' : path.relative(opts.toplevel, pre.cwd);
    const inside = rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
    if (pre.head === 'HEAD' && !pre.out.closed && inside && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(head)) {
      // Adopted: the same process now walks from `head` (its first commit is checked then).
      pre.cwd = cwd;
      pre.head = head;
      pre.verify = true;
      return pre;
    }
    pre.close();
  }
  return spawnHistory(cwd, head);
}

/**
 * Starts `git log … HEAD` in `cwd` before anything else is known (e.g. by the CLI at
 * start-up, while its modules load), for a walk that may adopt it later: see
 * `opts.prestarted` of {@link startFirstParentHistory}. Killed when the process exits
 * if nothing adopted it.
 */
export function prestartFirstParentHistory(cwd: string): StartedHistory {
  const h = spawnHistory(cwd, 'HEAD');
  const onExit = () => h.close();
  process.once('exit', onExit);
  void started.get(h)!.exited.then(() => process.removeListener('exit', onExit));
  return h;
}

function spawnHistory(cwd: string, head: string): HistoryProcess {
  const args = firstParentLogArgs(head);
  const out = new OutputFile('git-log');
  const proc = spawnGitToFile(cwd, args, out.fd);
  const h: HistoryProcess = {
    cwd,
    head,
    args,
    out,
    pos: 0,
    done: false,
    verify: false,
    stderr: '',
    proc,
    exited: new Promise((resolve) => {
      proc.once('error', (spawnError) => resolve({ spawnError }));
      proc.once('close', (code, signal) => resolve({ code, signal }));
    }),
    close() {
      if (out.closed) return;
      if (proc.exitCode === null && proc.signalCode === null) proc.kill();
      out.close();
    },
  };
  proc.stderr.on('data', (c: Buffer) => {
    if (h.stderr.length < 65536) h.stderr += c.toString('utf8');
  });
  void h.exited.then(() => {
    h.done = true;
  });
  started.set(h, h);
  return h;
}

/** Options of {@link firstParentHistory}. */
export interface FirstParentHistoryOptions {
  /**
   * Called with every batch of commits parsed from one read of git's output, before the
   * first of them is yielded: lets the consumer start slow look-ups (e.g. blob reads) for
   * the commits it is about to see. Must not throw.
   */
  onParsed?: (commits: readonly HistoryCommit[]) => void;
  /**
   * The same walk started earlier with {@link startFirstParentHistory} (same `cwd` and
   * `head`); consumed, and closed at the end. Without it, `git log` starts now.
   */
  started?: StartedHistory;
}

/**
 * The next bytes git wrote to `h`'s file, waiting for git when the walk has read all of
 * them; `undefined` at the end (git exited and everything is read). The buffer is reused:
 * its bytes are valid until the next call.
 */
async function nextBytes(h: HistoryProcess, buf: Buffer): Promise<Buffer | undefined> {
  for (;;) {
    if (h.out.closed) return undefined;
    const exitedBefore = h.done; // read after git exited: then 0 bytes means the end
    const n = h.out.read(buf, 0, buf.length, h.pos);
    if (n > 0) {
      h.pos += n;
      return buf.subarray(0, n);
    }
    if (exitedBefore) return undefined;
    await h.out.waitForMore(h.exited);
  }
}

/**
 * `h` when its first commit is `head` (or it needs no check); otherwise (a prestarted walk
 * from another head, or one that failed) `h` is closed and a walk for `head` is started.
 */
async function verifiedHistory(h: HistoryProcess, cwd: string, head: string): Promise<HistoryProcess> {
  if (!h.verify) return h;
  h.verify = false;
  const want = Buffer.from(`\x1e${head}`, 'latin1');
  const peek = Buffer.alloc(want.length + 1);
  for (;;) {
    if (h.out.closed) break;
    const exitedBefore = h.done;
    const n = h.out.read(peek, 0, peek.length, 0);
    if (n === peek.length) {
      const sep = peek[want.length];
      if (peek.subarray(0, want.length).equals(want) && (sep === 0x20 || sep === 0)) return h;
      break;
    }
    if (exitedBefore) break;
    await h.out.waitForMore(h.exited);
  }
  h.close();
  return started.get(spawnHistory(cwd, head))!;
}

/**
 * Walks first-parent history from `head` (newest first), yielding each commit with its
 * raw change against its first parent. One `git log` process for the whole walk; its
 * output is parsed as it is written. Breaking out of the iteration (or an exception in the
 * loop body) kills the process, so a walk that stops early costs only the commits git wrote.
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
  const given = started.get(opts.started ?? startFirstParentHistory(cwd, head));
  if (!given) throw new Error('firstParentHistory: opts.started was not made by startFirstParentHistory');
  if (given.cwd !== cwd || given.head !== head) {
    given.close();
    throw new Error(`firstParentHistory: started for ${given.head} in ${given.cwd}, asked for ${head} in ${cwd}`);
  }
  let h = given;
  const parser = new RawLogParser();
  try {
    h = await verifiedHistory(given, cwd, head);
    const buf = Buffer.allocUnsafe(READ_BYTES);
    for (;;) {
      const bytes = await nextBytes(h, buf);
      if (!bytes) break;
      const batch = parser.push(bytes); // copies what it keeps: `buf` may be read into again
      if (batch.length > 0) opts.onParsed?.(batch);
      for (const commit of batch) yield commit;
    }
    const exit = await h.exited;
    if (exit.spawnError || exit.code !== 0) throw gitFailure(cwd, h.args, h.stderr, exit);
    const last = parser.end();
    if (last.length > 0) opts.onParsed?.(last);
    for (const commit of last) yield commit;
  } finally {
    h.close();
    if (h !== given) given.close();
  }
}
