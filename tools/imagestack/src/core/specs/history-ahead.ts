/**
 * specs.yml history read ahead of the walk, on a worker thread (./history-worker.ts): once
 * specs.yml is loaded, the worker reads the walk's `git log` output as git writes it and
 * compares each change of specs.yml by meaning, while the main thread reads the Dockerfiles
 * and then walks; the walk takes each answer when it reaches that commit. Same answers as the
 * walk computing them itself (it falls back to that whenever the worker cannot answer).
 *
 * Used for long histories only: a worker costs ~50–100 ms of CPU to start (on its own
 * thread), so it starts when `git log` has already written {@link AHEAD_MIN_BYTES} by the
 * time specs.yml is loaded. `IMAGESTACK_SPECS_WORKER=1` (always) or `0` (never) overrides
 * that, for tests and measurements. Needs `/proc/self/fd` (Linux) and the compiled worker.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { historyOutput, type StartedHistory } from '../git/history';
import type { AheadAnswer, AheadInput, AheadMessage } from './history-worker';

/** `git log` output (bytes) written when specs.yml is loaded above which the worker starts (~1,000 commits). */
export const AHEAD_MIN_BYTES = 256 * 1024;

/** See the module comment. */
export class SpecsHistoryAhead {
  readonly #worker: Worker;
  readonly #images: readonly string[];
  readonly #answers = new Map<string, AheadAnswer[1]>();
  #state: 'running' | 'done' | 'failed' = 'running';
  #wake: (() => void) | undefined;
  /** Worker image index → index in the walk's images, once the walk asks (see {@link changesAt}). */
  #toWalk: Int32Array | undefined;
  #walkImages: readonly string[] | undefined;

  private constructor(worker: Worker, images: readonly string[]) {
    this.#worker = worker;
    this.#images = images;
    worker.on('message', (m: AheadMessage) => {
      if ('answers' in m) for (const [sha, changes] of m.answers) this.#answers.set(sha, changes);
      else if ('done' in m) this.#state = 'done';
      else this.#state = 'failed';
      this.#notify();
    });
    worker.on('error', () => this.#end('failed'));
    worker.on('exit', () => this.#end(this.#state === 'done' ? 'done' : 'failed'));
    worker.unref(); // not what keeps the process alive, except while the walk waits for it (changesAt)
  }

  /**
   * Starts the worker for `history` (a walk started with `startFirstParentHistory`, not yet
   * read), or `undefined` when it would not pay (a short history) or cannot run here.
   *
   * @param opts.cwd any folder of the working tree
   * @param opts.specsPath specs.yml's path relative to the top level
   * @param opts.images image names (any order: the walk's own order is mapped in {@link changesAt})
   * @param opts.versions version names, in the walk's order
   * @param opts.headText the text the specs loader validated
   */
  static start(history: StartedHistory, opts: Omit<AheadInput, 'logFd'>): SpecsHistoryAhead | undefined {
    const output = historyOutput(history);
    const file = path.join(__dirname, 'history-worker.js'); // compiled only: not under the unit tests' TypeScript loader
    const force = process.env.IMAGESTACK_SPECS_WORKER;
    if (!output || force === '0' || !existsSync(file) || !existsSync('/proc/self/fd')) return undefined;
    if (force !== '1' && output.written() < AHEAD_MIN_BYTES) return undefined;
    const worker = new Worker(file, { workerData: { ...opts, logFd: output.fd } satisfies AheadInput });
    const ahead = new SpecsHistoryAhead(worker, opts.images);
    void output.exited.then(() => {
      if (ahead.#state === 'running') worker.postMessage({ ended: true });
    });
    return ahead;
  }

  /** False once the worker failed or ended: the walk reads specs.yml blobs itself from then on. */
  get running(): boolean {
    return this.#state === 'running' || this.#answers.size > 0;
  }

  /**
   * The pairs (index in `images`, version index) whose meaning differs at commit `sha`'s
   * change of specs.yml, in ascending order, or `'all'` (as `specsMeaningChanges` of every
   * pair); `undefined` when the worker has no answer (it failed, met an error there, or
   * ended without that commit): the caller then computes it itself.
   *
   * @param images the walk's image names, the same set as the worker's (else `undefined`)
   */
  async changesAt(sha: string, images: readonly string[]): Promise<'all' | [number, number][] | undefined> {
    const toWalk = this.#mapping(images);
    if (!toWalk) return undefined;
    for (;;) {
      const got = this.#answers.get(sha);
      if (got !== undefined) {
        this.#answers.delete(sha);
        if (got === 'all') return 'all';
        if (!Array.isArray(got)) return undefined;
        const pairs: [number, number][] = [];
        for (let k = 0; k < got.length; k += 2) pairs.push([toWalk[got[k]], got[k + 1]]);
        return pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      }
      if (this.#state !== 'running') return undefined;
      // Waiting on the worker alone: it must keep the process alive meanwhile (it is unref'd otherwise).
      this.#worker.ref();
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#worker.unref();
    }
  }

  #mapping(images: readonly string[]): Int32Array | undefined {
    if (this.#walkImages !== images) {
      this.#walkImages = images;
      const at = new Map(images.map((n, i) => [n, i]));
      const m = new Int32Array(this.#images.length);
      let ok = images.length === this.#images.length;
      this.#images.forEach((n, i) => {
        const j = at.get(n);
        if (j === undefined) ok = false;
        else m[i] = j;
      });
      this.#toWalk = ok ? m : undefined;
    }
    return this.#toWalk;
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  #end(state: 'done' | 'failed'): void {
    if (this.#state === 'running') this.#state = state;
    this.#notify();
  }

  /** Asks the worker to stop (it closes its cat-file process and files, then its thread ends). */
  close(): void {
    if (this.#state === 'running') this.#worker.postMessage({ stop: true });
    this.#end('done');
  }
}
