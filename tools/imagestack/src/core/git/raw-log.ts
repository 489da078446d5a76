/**
 * The parser of the history walk's `git log` output (the command and its format are
 * described in ./history.ts): `--raw -z --no-abbrev --format=%x1e%H %P`, read as it
 * streams, commit by commit.
 */
import { GitError } from '../errors';

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
