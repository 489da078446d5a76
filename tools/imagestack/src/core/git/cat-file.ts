/**
 * One long-lived `git cat-file --batch` process (see {@link CatFileBatch}): objects read by
 * name, many per process, for the history walk's specs.yml blobs and the dirty check.
 */
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { GitError } from '../errors';
import { gitFailure, showCommand, spawnGitToFile } from './git';
import { OutputFile } from './output-file';

/** One name asked of `git cat-file --batch`, in the order asked. */
interface Pending {
  name: string;
  /** Answer with the contents decoded as UTF-8 (`readText`) rather than bytes. */
  text: boolean;
  /** Set once a read claims the answer; unset for a name only prefetched (see `CatFileBatch.prefetch`). */
  resolve?: (b: Buffer | string | undefined) => void;
  reject?: (e: Error) => void;
}

/** {@link CatFileBatch}'s answer that is not in the file yet. */
const NOT_YET = Symbol('not yet');

/**
 * Bytes of an answer's header line read first (`<oid> SP <type> SP <size> LF`: ~60 bytes; a
 * `<name> SP missing LF` echoes the name asked, which can be longer: then read again, larger).
 */
const HEADER_BYTES = 256;
/** Longest header line accepted (bytes): a name asked is a blob id or `<rev>:<path>`. */
const MAX_HEADER_BYTES = 1024 * 1024;

/**
 * One long-lived `git cat-file --batch` process, reading objects by name (a blob id, or
 * `<rev>:<path>` with the path relative to the top level).
 *
 * Protocol (git-cat-file(1), "BATCH OUTPUT"): for each name written on stdin followed by
 * a newline, git prints `<oid> SP <type> SP <size> LF <contents> LF`, or
 * `<name> SP missing LF` when the object does not exist (`ambiguous` likewise). Answers
 * come in request order, so requests are matched first in, first out. git prints into a
 * temporary file (./output-file.ts), so it answers every name asked as fast as it can,
 * whether or not node is reading yet; each answer is read from the file when its turn comes.
 *
 * Call {@link CatFileBatch.close} when done; the process exits when stdin closes.
 */
export class CatFileBatch {
  readonly #cwd: string;
  readonly #args = ['cat-file', '--batch'];
  #proc: ChildProcessByStdio<Writable, null, Readable> | undefined;
  #out: OutputFile | undefined;
  /** Offset in the output file of the next answer. */
  #pos = 0;
  #exited: Promise<unknown> = Promise.resolve();
  /** True once git has exited (all its answers are in the file then). */
  #done = false;
  readonly #queue: Pending[] = [];
  /** Entries of {@link #queue} a read waits for (the others were only prefetched). */
  #claimed = 0;
  #pumping = false;
  #header = Buffer.allocUnsafe(HEADER_BYTES);
  /** Contents read for {@link readText}, decoded from here (grown as needed, never shrunk). */
  #scratch = Buffer.allocUnsafe(64 * 1024);
  #stderr = '';
  #failed: GitError | undefined;
  #closed = false;
  /** Names asked for in this tick, written to stdin together at its end (one write, not one per name). */
  #toWrite = '';

  constructor(cwd: string) {
    this.#cwd = cwd;
  }

  #start(): ChildProcessByStdio<Writable, null, Readable> {
    if (this.#proc) return this.#proc;
    const out = new OutputFile('git-cat-file');
    const proc = spawnGitToFile(this.#cwd, this.#args, out.fd, { stdin: true }) as ChildProcessByStdio<Writable, null, Readable>;
    proc.stderr.on('data', (chunk: Buffer) => {
      if (this.#stderr.length < 65536) this.#stderr += chunk.toString('utf8');
    });
    proc.stdin.on('error', () => {
      /* reported through 'close' */
    });
    this.#exited = new Promise<void>((resolve) => {
      proc.once('error', (err) => {
        this.#done = true;
        this.#fail(gitFailure(this.#cwd, this.#args, this.#stderr, { spawnError: err }));
        resolve();
      });
      proc.once('close', (code, signal) => {
        this.#done = true;
        // Answers still in the file are read first; what is asked then and never answered fails.
        if (!(this.#closed && code === 0)) this.#exitError = gitFailure(this.#cwd, this.#args, this.#stderr, { code, signal });
        resolve();
        void this.#pump();
      });
    });
    this.#out = out;
    this.#proc = proc;
    return proc;
  }

  /** Set when git exited before it was closed (or failed): the error of any read it did not answer. */
  #exitError: GitError | undefined;

  #fail(err: GitError): void {
    this.#failed ??= err;
    for (const p of this.#queue.splice(0)) p.reject?.(this.#failed);
    this.#claimed = 0;
    this.#release();
  }

  /** Closes the output file once git has exited and no read waits. */
  #release(): void {
    if (this.#done && this.#claimed === 0) this.#out?.close();
  }

  /**
   * Reads answers from the file for the waiting reads, in order, waiting for git as needed.
   * An answer only prefetched is read (and dropped, not decoded) only when a read behind it
   * waits: a prefetch costs git's work, not node's memory.
   */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#claimed > 0 && !this.#failed) {
        const exitedBefore = this.#done;
        const head = this.#queue[0];
        const answer = this.#answer(head.resolve ? head.text : undefined);
        if (answer === NOT_YET) {
          if (exitedBefore) {
            this.#fail(this.#exitError ?? new GitError(`${showCommand(this.#args)} ended without answering ${head.name}`));
            return;
          }
          await this.#out!.waitForMore(this.#exited);
          continue;
        }
        this.#queue.shift();
        if (head.resolve) {
          this.#claimed--;
          head.resolve(answer);
        }
      }
    } finally {
      this.#pumping = false;
      this.#release();
    }
  }

  /**
   * The next answer in the file (contents, or `undefined` for a missing object), or NOT_YET;
   * with `text` undefined, the answer is only skipped.
   */
  #answer(text: boolean | undefined): Buffer | string | undefined | typeof NOT_YET {
    const out = this.#out!;
    let n: number;
    let nl: number;
    for (;;) {
      n = out.read(this.#header, 0, this.#header.length, this.#pos);
      nl = this.#header.subarray(0, n).indexOf(0x0a);
      if (nl >= 0 || n < this.#header.length) break;
      // A full buffer without the line's end: a long name echoed back (`… missing`).
      if (this.#header.length >= MAX_HEADER_BYTES) {
        this.#fail(new GitError(`${showCommand(this.#args)} printed an unexpected header: ${this.#header.toString('utf8', 0, 80)}…`));
        return NOT_YET;
      }
      this.#header = Buffer.allocUnsafe(2 * this.#header.length);
    }
    if (nl < 0) return NOT_YET;
    const header = this.#header.toString('utf8', 0, nl);
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
      this.#pos += nl + 1;
      return undefined;
    }
    const size = Number(header.slice(header.lastIndexOf(' ') + 1));
    if (!Number.isSafeInteger(size)) {
      this.#fail(new GitError(`${showCommand(this.#args)} printed an unexpected header: ${header}`));
      return NOT_YET;
    }
    // The contents and the newline after them: all there, or read again once git wrote them.
    if (text === undefined) {
      // Skipped: only whether it is all there (its last byte, the newline after the contents).
      if (out.read(this.#header, 0, 1, this.#pos + nl + 1 + size) < 1) return NOT_YET;
      this.#pos += nl + 1 + size + 1;
      return undefined;
    }
    if (text && this.#scratch.length < size + 1) this.#scratch = Buffer.allocUnsafe(Math.max(size + 1, 2 * this.#scratch.length));
    const into = text ? this.#scratch : Buffer.allocUnsafe(size + 1);
    if (out.read(into, 0, size + 1, this.#pos + nl + 1) < size + 1) return NOT_YET;
    this.#pos += nl + 1 + size + 1;
    return text ? into.toString('utf8', 0, size) : into.subarray(0, size);
  }

  /** Writes `name` to git's stdin at the end of this tick (with the other names of the tick). */
  #write(name: string): void {
    const proc = this.#start();
    if (this.#toWrite === '') process.nextTick(() => this.#flush(proc));
    this.#toWrite += `${name}\n`;
  }

  #ask(name: string, text: boolean): Promise<Buffer | string | undefined> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closed) return Promise.reject(new GitError(`${showCommand(this.#args)} was already closed`));
    if (/[\n\r]/.test(name)) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      // The first prefetch of this name no read has claimed yet, else a new request.
      let entry = this.#claimed < this.#queue.length ? this.#queue.find((p) => !p.resolve && p.name === name && p.text === text) : undefined;
      if (!entry) {
        entry = { name, text };
        this.#queue.push(entry);
        this.#write(name);
      }
      entry.resolve = resolve;
      entry.reject = reject;
      this.#claimed++;
      void this.#pump();
    });
  }

  /**
   * Asks git for the objects `names` now, ahead of their reads: git answers them into its
   * file while node does other work, and a later {@link readText} of each (in the same
   * order, or with names left out) finds its answer there. A name never read costs git's
   * work only (its answer is skipped, not decoded). Errors come with the reads.
   */
  prefetchText(names: readonly string[]): void {
    if (this.#failed || this.#closed) return;
    for (const name of names) {
      if (/[\n\r]/.test(name)) continue;
      this.#queue.push({ name, text: true });
      this.#write(name);
    }
  }

  /**
   * The contents of the object `name` (raw bytes, the caller's own), or `undefined` when it
   * does not exist.
   * @throws GitError when the cat-file process fails.
   */
  read(name: string): Promise<Buffer | undefined> {
    return this.#ask(name, false) as Promise<Buffer | undefined>;
  }

  /**
   * The contents of the object `name` decoded as UTF-8, or `undefined` when it does not
   * exist: as `read(name)` then `toString('utf8')`, without a buffer per object (a long walk
   * reads thousands of specs.yml blobs).
   * @throws GitError when the cat-file process fails.
   */
  readText(name: string): Promise<string | undefined> {
    return this.#ask(name, true) as Promise<string | undefined>;
  }

  #flush(proc: ChildProcessByStdio<Writable, null, Readable>): void {
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
