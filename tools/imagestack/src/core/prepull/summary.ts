/** Summaries of pre-pull results (pure). */
import type { PullResult } from './types';

/** Counts of a pre-pull. `missing` is the number of (engine, image) pairs that failed. */
export interface PrepullSummary {
  engines: number;
  images: number;
  pulled: number;
  present: number;
  missing: number;
  /** Bytes downloaded over all engines. */
  bytes: number;
  /** Names of the engines that miss at least one image, in the order of the results. */
  incompleteEngines: string[];
}

/** Adds up `results` (as returned by `prepull`). */
export function summarize(results: readonly PullResult[]): PrepullSummary {
  const engines = [...new Set(results.map((r) => r.engine))];
  const images = new Set(results.map((r) => r.reference));
  const failed = results.filter((r) => r.status === 'failed');
  return {
    engines: engines.length,
    images: images.size,
    pulled: results.filter((r) => r.status === 'pulled').length,
    present: results.filter((r) => r.status === 'present').length,
    missing: failed.length,
    bytes: results.reduce((a, r) => a + r.bytes, 0),
    incompleteEngines: engines.filter((e) => failed.some((r) => r.engine === e)),
  };
}
