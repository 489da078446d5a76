/**
 * Where a long-running git process writes its stdout: an unlinked temporary file rather than
 * a pipe. A pipe holds 64 KiB, so git stops whenever node's one thread is busy elsewhere
 * (parsing specs.yml and the Dockerfiles while history is read, comparing one specs.yml blob
 * while `cat-file` could print the next); into a file git writes at its own pace, and the
 * reader reads at its own. Used by the history walk (./history.ts) and `cat-file --batch`
 * (./cat-file.ts). Measured at 1,000 images × 10,000 commits: `git log` took ~1 s from
 * start to end through a pipe and ~0.7 s into a file on the same loaded machine.
 */
import { closeSync, openSync, readSync, unlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

let count = 0;

/** How long a reader that has read all of the file waits (ms) before looking again, after {@link SPINS} quick looks. */
const POLL_MS = 1;
/**
 * Looks at the file again at once (after other pending I/O: `setImmediate`) before waiting
 * {@link POLL_MS}: an answer of `cat-file` takes git well under a millisecond, and a reader
 * sleeping a whole timer tick per answer would wait on git more than git works.
 */
const SPINS = 32;

/**
 * A temporary file for a child process's stdout, open for reading and writing, unlinked at
 * once where the OS allows (it lives while it is open: nothing is left behind if node or git
 * is killed). Pass {@link fd} as the child's stdout, read with {@link read}.
 */
export class OutputFile {
  readonly fd: number;
  readonly #file: string;
  #unlinked = false;
  #closed = false;
  /** Reads in a row that found nothing new (see {@link waitForMore}). */
  #misses = 0;

  /**
   * @param what a word for the file's name (`imagestack-<what>-<pid>-<n>` in the OS's temp folder)
   * @throws Error (from node) when the temp folder is not writable
   */
  constructor(what: string) {
    this.#file = path.join(os.tmpdir(), `imagestack-${what}-${process.pid}-${++count}`);
    this.fd = openSync(this.#file, 'wx+', 0o600);
    try {
      unlinkSync(this.#file);
      this.#unlinked = true;
    } catch {
      /* (an OS that cannot unlink an open file) removed by close */
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Reads into `buf[at…]` up to `length` bytes from file offset `position`; 0 when none are there (yet). */
  read(buf: Buffer, at: number, length: number, position: number): number {
    const n = readSync(this.fd, buf, at, length, position);
    this.#misses = n > 0 ? 0 : this.#misses + 1;
    return n;
  }

  /**
   * Resolves when `exited` (the writer's exit) does, or when it is time to read again: at
   * once for the first {@link SPINS} reads in a row that found nothing, then after {@link POLL_MS}.
   */
  waitForMore(exited: Promise<unknown>): Promise<unknown> {
    return Promise.race([exited, new Promise((r) => (this.#misses <= SPINS ? setImmediate(r) : setTimeout(r, POLL_MS)))]);
  }

  /** Closes the file (and removes it if it could not be unlinked at once). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.fd);
    if (!this.#unlinked) {
      try {
        unlinkSync(this.#file);
      } catch {
        /* gone already */
      }
    }
  }
}

