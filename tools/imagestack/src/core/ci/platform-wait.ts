/**
 * The bounded wait of a CI matrix publish job (issue 14) for the digest records of its image's
 * platform jobs (`./platform-records.ts`): the same poll as a job's wait for its parents' tags
 * (`./wait.ts`), stopping at once when any platform job of the image left a failure marker for
 * this run (a failed platform leaves the tag absent: nothing is put, promise 4).
 */
import { formatDurationText as formatDuration } from '../util/duration';
import { readFailureMarker, type FailureMarker, type MarkerRegistry } from './markers';
import { readPlatformRecord, type PlatformRecord } from './platform-records';
import { pollPending, type WaitOptions } from './wait';

/** A platform job of the image reported that its platform will not be pushed in this run. */
export class PlatformJobFailedError extends Error {
  override readonly name = 'PlatformJobFailedError';
  constructor(
    readonly image: string,
    readonly version: string,
    readonly marker: FailureMarker,
  ) {
    super(`a platform job of ${image} ${version} ${marker.status === 'blocked' ? 'was blocked' : marker.status}: ${marker.reason}; no index is put under ${marker.tag}`);
  }
}

/** Some platforms' records did not appear within the timeout, and no job reported a failure. */
export class PlatformWaitTimeoutError extends Error {
  override readonly name = 'PlatformWaitTimeoutError';
  constructor(
    readonly image: string,
    readonly version: string,
    readonly missing: readonly string[],
    readonly timeoutMs: number,
  ) {
    super(
      `waited ${formatDuration(timeoutMs)} for the ${missing.join(', ')} job${missing.length === 1 ? '' : 's'} of ${image} ${version}: no digest recorded, and no failure marker. ` +
        `Look at ${missing.length === 1 ? 'that job' : 'those jobs'} (a job that fails before imagestack starts leaves no marker), or raise --wait-for-parents`,
    );
  }
}

/**
 * Waits until each of `platforms` of `image` at `version` has its digest record in run `runId`.
 *
 * @returns the records, by platform, in the order of `platforms`
 * @throws PlatformJobFailedError as soon as a job of the image left a failure marker for `runId`
 * @throws PlatformWaitTimeoutError after `opts.timeoutMs` with records still missing
 * @throws CancelledError when aborted; RegistryError when the registry fails
 */
export async function waitForPlatformRecords(
  client: MarkerRegistry,
  image: string,
  version: string,
  platforms: readonly string[],
  opts: Omit<WaitOptions, 'runId' | 'onProgress'> & { runId: string; onProgress?: (missing: readonly string[], waitedMs: number) => void },
): Promise<Map<string, PlatformRecord>> {
  const found = new Map<string, PlatformRecord>();
  await pollPending(
    platforms,
    opts,
    async (platform) => {
      const record = await readPlatformRecord(client, opts.namespace, opts.runId, image, version, platform);
      if (record) {
        found.set(platform, record);
        return true;
      }
      const marker = await readFailureMarker(client, opts.namespace, opts.runId, image, version);
      if (marker) throw new PlatformJobFailedError(image, version, marker);
      return false;
    },
    (missing) => new PlatformWaitTimeoutError(image, version, missing, opts.timeoutMs),
  );
  return new Map(platforms.map((p) => [p, found.get(p)!]));
}
