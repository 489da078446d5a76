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
  #buf: Buffer = Buffer.alloc(0);
  /** Output not yet joined to {@link #buf}: kept apart until the answer being read is complete (joined once, not once per chunk). */
  #parts: Buffer[] = [];
  #partsBytes = 0;
  /** Bytes {@link #buf} must hold before the answer at its start is complete (0: unknown, join at once). */
  #need = 0;
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
    this.#parts.push(chunk);
    this.#partsBytes += chunk.length;
    // A blob of specs.yml spans several chunks: join them once it is all there.
    if (this.#buf.length + this.#partsBytes < this.#need) return;
    this.#buf = this.#buf.length === 0 && this.#parts.length === 1 ? chunk : Buffer.concat([this.#buf, ...this.#parts]);
    this.#parts = [];
    this.#partsBytes = 0;
    this.#need = 0;
    for (;;) {
      const head = this.#queue[0];
      if (!head) return;
      const nl = this.#buf.indexOf(0x0a);
      if (nl < 0) return;
      const header = this.#buf.toString('utf8', 0, nl);
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
        this.#buf = this.#buf.subarray(nl + 1);
        this.#queue.shift();
        head.resolve(undefined);
        continue;
      }
      const size = Number(header.slice(header.lastIndexOf(' ') + 1));
      if (!Number.isSafeInteger(size)) {
        this.#fail(new GitError(`${showCommand(this.#args)} printed an unexpected header: ${header}`));
        return;
      }
      if (this.#buf.length < nl + 1 + size + 1) {
        this.#need = nl + 1 + size + 1;
        return;
      }
      const body = this.#buf.subarray(nl + 1, nl + 1 + size); // a view, not a copy (see read)
      this.#buf = this.#buf.subarray(nl + 1 + size + 1);
      this.#queue.shift();
      head.resolve(body);
    }
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
