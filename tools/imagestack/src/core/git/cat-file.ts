/**
 * One long-lived `git cat-file --batch` process (see {@link CatFileBatch}): objects read by
 * name, many per process, for the history walk's specs.yml blobs and the dirty check.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { GitError } from '../errors';
import { gitFailure, showCommand, spawnGit } from './git';

/** One request waiting for its answer from `git cat-file --batch`. */
interface Pending {
  name: string;
  resolve: (b: Buffer | undefined) => void;
  reject: (e: Error) => void;
}

/**
 * One long-lived `git cat-file --batch` process, reading objects by name (a blob id, or
 * `<rev>:<path>` with the path relative to the top level).
 *
 * Protocol (git-cat-file(1), "BATCH OUTPUT"): for each name written on stdin followed by
 * a newline, git prints `<oid> SP <type> SP <size> LF <contents> LF`, or
 * `<name> SP missing LF` when the object does not exist (`ambiguous` likewise). Answers
 * come in request order, so requests are matched first in, first out.
 *
 * Call {@link CatFileBatch.close} when done; the process exits when stdin closes.
 */
export class CatFileBatch {
  readonly #cwd: string;
  readonly #args = ['cat-file', '--batch'];
  #proc: ChildProcessWithoutNullStreams | undefined;
  readonly #queue: Pending[] = [];
  /**
   * Output not consumed yet: chunks as they came, the first read from {@link #off}. An answer
   * inside one chunk is handed on as a view of it; only one that spans chunks is copied (once).
   */
  #chunks: Buffer[] = [];
  #off = 0;
  /** Bytes in {@link #chunks} from {@link #off} on. */
  #avail = 0;
  #stderr = '';
  #failed: GitError | undefined;
  #closed = false;
  /** Names asked for in this tick, written to stdin together at its end (one write, not one per name). */
  #toWrite = '';

  constructor(cwd: string) {
    this.#cwd = cwd;
  }

  #start(): ChildProcessWithoutNullStreams {
    if (this.#proc) return this.#proc;
    const proc = spawnGit(this.#cwd, this.#args);
    proc.stdout.on('data', (chunk: Buffer) => this.#onData(chunk));
    proc.stderr.on('data', (chunk: Buffer) => {
      if (this.#stderr.length < 65536) this.#stderr += chunk.toString('utf8');
    });
    proc.stdin.on('error', () => {
      /* reported through 'close' */
    });
    proc.on('error', (err) => this.#fail(gitFailure(this.#cwd, this.#args, this.#stderr, { spawnError: err })));
    proc.on('close', (code, signal) => {
      if (this.#closed && this.#queue.length === 0) return;
      this.#fail(gitFailure(this.#cwd, this.#args, this.#stderr, { code, signal }));
    });
    this.#proc = proc;
    return proc;
  }

  #fail(err: GitError): void {
    this.#failed ??= err;
    for (const p of this.#queue.splice(0)) p.reject(this.#failed);
  }

  #onData(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#avail += chunk.length;
    for (;;) {
      const head = this.#queue[0];
      if (!head || this.#avail === 0) return;
      const first = this.#chunks[0];
      const nl = first.indexOf(0x0a, this.#off);
      if (nl < 0) {
        if (this.#chunks.length === 1) return; // the header line is not all there yet
        // A header split across chunks (rare, and short): join the first two and look again.
        this.#chunks.splice(0, 2, Buffer.concat([first.subarray(this.#off), this.#chunks[1]]));
        this.#off = 0;
        continue;
      }
      const headerBytes = nl - this.#off + 1;
      const header = first.toString('utf8', this.#off, nl);
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
        this.#skip(headerBytes);
        this.#queue.shift();
        head.resolve(undefined);
        continue;
      }
      const size = Number(header.slice(header.lastIndexOf(' ') + 1));
      if (!Number.isSafeInteger(size)) {
        this.#fail(new GitError(`${showCommand(this.#args)} printed an unexpected header: ${header}`));
        return;
      }
      if (this.#avail < headerBytes + size + 1) return; // the contents are not all there yet
      this.#skip(headerBytes);
      const body = this.#take(size);
      this.#skip(1);
      this.#queue.shift();
      head.resolve(body);
    }
  }

  /** Drops `n` bytes (at most {@link #avail}) from the front of the output. */
  #skip(n: number): void {
    this.#avail -= n;
    while (n > 0) {
      const left = this.#chunks[0].length - this.#off;
      if (n < left) {
        this.#off += n;
        return;
      }
      n -= left;
      this.#chunks.shift();
      this.#off = 0;
    }
    if (this.#chunks.length > 0 && this.#off === this.#chunks[0].length) {
      this.#chunks.shift();
      this.#off = 0;
    }
  }

  /** The next `n` bytes of output (all there), consumed: a view when in one chunk, else one copy. */
  #take(n: number): Buffer {
    const first = this.#chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (this.#off + n <= first.length) {
      const view = first.subarray(this.#off, this.#off + n);
      this.#skip(n);
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.#chunks[0];
      const k = Math.min(n - filled, c.length - this.#off);
      c.copy(out, filled, this.#off, this.#off + k);
      filled += k;
      this.#skip(k);
    }
    return out;
  }

  /**
   * The contents of the object `name` (raw bytes), or `undefined` when it does not exist.
   * The bytes are a view into the output buffer they arrived in (no copy: a long walk reads
   * thousands of blobs), so a caller that keeps them long should decode or copy them.
   * @throws GitError when the cat-file process fails.
   */
  read(name: string): Promise<Buffer | undefined> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closed) return Promise.reject(new GitError(`${showCommand(this.#args)} was already closed`));
    if (/[\n\r]/.test(name)) return Promise.resolve(undefined);
    const proc = this.#start();
    return new Promise((resolve, reject) => {
      this.#queue.push({ name, resolve, reject });
      if (this.#toWrite === '') process.nextTick(() => this.#flush(proc));
      this.#toWrite += `${name}\n`;
    });
  }

  #flush(proc: ChildProcessWithoutNullStreams): void {
    const names = this.#toWrite;
    this.#toWrite = '';
    proc.stdin.write(names);
  }

  /** Closes stdin so the process exits; pending reads still get their answers. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const proc = this.#proc;
    if (proc) process.nextTick(() => proc.stdin.end()); // after the names of this tick
  }
}
