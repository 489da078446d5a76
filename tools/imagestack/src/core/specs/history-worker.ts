/**
 * The worker thread of ./history-ahead.ts: reads the history walk's own `git log` output
 * (the file git writes, opened again through `/proc/self/fd`), and for every change of
 * specs.yml in it, in walk order, posts which (image, version) pairs mean something else
 * (`specsMeaningChanges` of the two blobs, every pair). It starts once specs.yml is loaded,
 * so this work runs on another core while the main thread reads the Dockerfiles and walks.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { RawLogParser, type HistoryCommit } from '../git/raw-log';
import { SpecsHistoryBlobs } from './history-blobs';
import { specsMeaningChanges } from './meaning-changes';

/** What the worker is started with (`workerData`). */
export interface AheadInput {
  /** The walk's `git log` output file (a descriptor of this process, see `historyOutput`). */
  logFd: number;
  cwd: string;
  specsPath: string;
  /** Image names, in the order the pairs' image indices refer to. */
  images: string[];
  versions: string[];
  /** The text the specs loader validated (`Specs.text`). */
  headText?: string;
}

/** One answer: the commit and its change's pairs, flat (`[i0, v0, i1, v1, …]`), or `'all'`, or an error message. */
export type AheadAnswer = [sha: string, changes: 'all' | number[] | { error: string }];

/** Worker → main thread. (Main thread → worker: `{ ended: true }` when git log exited, `{ stop: true }` when the walk is done.) */
export type AheadMessage = { answers: AheadAnswer[] } | { done: true } | { failed: string };

/** Answers posted together (one message per this many, or when the worker catches up with git). */
const POST_EVERY = 32;

async function run(input: AheadInput, port: NonNullable<typeof parentPort>): Promise<void> {
  const fd = openSync(`/proc/self/fd/${input.logFd}`, 'r');
  let ended = false; // git log exited: told by the main thread
  let stopped = false; // the walk is done: told by the main thread
  port.on('message', (m: { ended?: boolean; stop?: boolean }) => {
    if (m?.ended) ended = true;
    if (m?.stop) stopped = true;
  });
  const parser = new RawLogParser();
  const blobs = new SpecsHistoryBlobs(input.cwd, input.specsPath, { text: input.headText });
  let out: AheadAnswer[] = [];
  const post = () => {
    if (out.length > 0) port.postMessage({ answers: out } satisfies AheadMessage);
    out = [];
  };
  /** Answers the specs.yml changes of `batch`; false after an error (posted: the walk meets it itself). */
  const answer = async (batch: HistoryCommit[]): Promise<boolean> => {
    blobs.prefetch(batch);
    for (const commit of batch) {
      if (commit.parents.length === 0) continue; // the root commit: the walk marks everything there
      for (const change of commit.changes) {
        if (change.path !== input.specsPath) continue;
        if (stopped) return false;
        try {
          const [a, b] = await blobs.pair(change.oldOid, change.newOid);
          const changes = specsMeaningChanges(a, b, input.images, input.versions);
          out.push([commit.sha, changes === 'all' ? 'all' : changes.flat()]);
        } catch (e) {
          out.push([commit.sha, { error: (e as Error).message }]);
          post();
          return false;
        }
        if (out.length >= POST_EVERY) post();
      }
    }
    return true;
  };
  try {
    const buf = Buffer.allocUnsafe(256 * 1024);
    let pos = 0;
    let misses = 0;
    for (;;) {
      if (stopped) return;
      const endedBefore = ended;
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n > 0) {
        pos += n;
        misses = 0;
        if (!(await answer(parser.push(buf.subarray(0, n))))) return;
        continue;
      }
      post();
      if (endedBefore) break;
      misses++;
      await new Promise((r) => (misses <= 32 ? setImmediate(r) : setTimeout(r, 1)));
    }
    if (!(await answer(parser.end()))) return;
    post();
    port.postMessage({ done: true } satisfies AheadMessage);
  } finally {
    blobs.close();
    closeSync(fd);
  }
}

if (parentPort) {
  const port = parentPort;
  run(workerData as AheadInput, port)
    .catch((e: Error) => port.postMessage({ failed: e.message } satisfies AheadMessage))
    .finally(() => port.unref()); // nothing left to wait for: the thread ends once its messages are out
}
