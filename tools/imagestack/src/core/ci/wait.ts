/**
 * The bounded wait of a CI matrix job for its parents' tags: poll the registry until every
 * parent tag is there; stop at once when a parent's job left a failure marker for this run
 * (`./markers.ts`); give up after a timeout. Polling starts at 1 s and backs off by 1.5×
 * up to `pollMs`, so a parent built in seconds is seen at once and a long wait costs a
 * request every 10 s per parent.
 */
import { CancelledError } from '../errors';
import { formatDurationText as formatDuration } from '../util/duration';
import { readFailureMarker, type FailureMarker, type MarkerRegistry } from './markers';

/** A parent tag a job waits for. */
export interface ParentTag {
  image: string;
  version: string;
  /** Repository path inside the registry: `<namespace>/<image>`. */
  repository: string;
  tag: string;
  /** Full reference `<registry>/<namespace>/<image>:<tag>`, for messages. */
  reference: string;
}

/** Options of {@link waitForParentTags}. */
export interface WaitOptions {
  /** Give up after this long, ms. */
  timeoutMs: number;
  /** The stack's namespace (markers are read from `<namespace>/imagestack-runs`). */
  namespace: string;
  /** Run id of the failure markers to look for; without it, only the timeout ends a wait for a failed parent. */
  runId?: string;
  /** Longest pause between two polls, ms (default 10 000). */
  pollMs?: number;
  /** Aborting stops the wait with an error. */
  signal?: AbortSignal;
  /** Called after every poll that left tags missing, with the missing ones and the time waited (ms). */
  onProgress?: (missing: readonly ParentTag[], waitedMs: number) => void;
  /** Clock and sleep (for tests). */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** A parent's job reported that its tag will not be pushed in this run. */
export class ParentFailedError extends Error {
  override readonly name = 'ParentFailedError';
  constructor(
    readonly parent: ParentTag,
    readonly marker: FailureMarker,
  ) {
    super(
      `parent ${parent.image} ${parent.version} will not be pushed in this run (${parent.reference}): ` +
        `its job ${marker.status === 'blocked' ? 'was blocked' : marker.status}: ${marker.reason}`,
    );
  }
}

/** The parents' tags did not appear within the timeout, and no job reported a failure. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  constructor(
    readonly missing: readonly ParentTag[],
    readonly timeoutMs: number,
  ) {
    super(
      `waited ${formatDuration(timeoutMs)} for ${missing.map((p) => p.reference).join(', ')}: not in the registry, and no job of this run reported a failure. ` +
        `Look at the job of ${missing.map((p) => `${p.image} ${p.version}`).join(', ')} (a job that fails before imagestack starts leaves no marker), or raise --wait-for-parents`,
    );
  }
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Waits until every tag of `parents` is in the registry.
 *
 * @throws ParentFailedError as soon as a parent's job left a failure marker for `runId`
 * @throws WaitTimeoutError after `timeoutMs` with the tags still missing
 * @throws CancelledError when `signal` is aborted; RegistryError when the registry fails
 */
export async function waitForParentTags(client: MarkerRegistry, parents: readonly ParentTag[], opts: WaitOptions): Promise<void> {
  await pollPending(parents, opts, async (p) => {
    if (await client.headManifest(p.repository, p.tag)) return true;
    if (opts.runId) {
      const marker = await readFailureMarker(client, opts.namespace, opts.runId, p.image, p.version);
      if (marker) throw new ParentFailedError(p, marker);
    }
    return false;
  }, (missing) => new WaitTimeoutError(missing, opts.timeoutMs));
}

/**
 * The bounded poll behind the CI waits: asks `done` about every pending item, drops those done,
 * and sleeps (1 s, then 1.5× longer each time, up to `pollMs`) until none is left.
 *
 * @param done true when the item is there; throws to stop the wait at once (a failure marker)
 * @param timeout the error thrown after `opts.timeoutMs` with the items still pending
 * @throws what `done` throws; `timeout(…)`; CancelledError when `opts.signal` is aborted
 */
export async function pollPending<T>(
  items: readonly T[],
  opts: Pick<WaitOptions, 'timeoutMs' | 'pollMs' | 'signal' | 'now' | 'sleep'> & { onProgress?: (pending: readonly T[], waitedMs: number) => void },
  done: (item: T) => Promise<boolean>,
  timeout: (pending: readonly T[]) => Error,
): Promise<void> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const started = now();
  let pending = [...items];
  let pause = 1000;
  for (;;) {
    const still: T[] = [];
    for (const item of pending) if (!(await done(item))) still.push(item);
    pending = still;
    if (!pending.length) return;
    const waited = now() - started;
    if (waited >= opts.timeoutMs) throw timeout(pending);
    opts.onProgress?.(pending, waited);
    await sleep(Math.min(pause, opts.timeoutMs - waited), opts.signal);
    if (opts.signal?.aborted) throw new CancelledError();
    pause = Math.min(pause * 1.5, opts.pollMs ?? 10_000);
  }
}
