/**
 * Pre-pulling a set of resolved images on many engines at once: one dockerode client and
 * one sequence of pulls per engine, all engines in parallel, each with its own timeout. A
 * dead or slow node fails alone. Pure summaries of the results are in `summary.ts`.
 */
import type { ResolvedImage } from '../resolve/resolve';
import type { EngineTarget } from './engine-host';
import { prepullEngine, type EngineOptions } from './pull';
import type { PullResult } from './types';

/**
 * Pre-pulls `images` on every engine of `targets` at once.
 *
 * @returns every result, engine by engine in the order of `targets`, images in the order given
 */
export async function prepull(
  targets: readonly EngineTarget[],
  images: readonly ResolvedImage[],
  opts: Omit<EngineOptions, 'docker'>,
): Promise<PullResult[]> {
  const perEngine = await Promise.all(targets.map((t) => prepullEngine(t, images, opts)));
  return perEngine.flat();
}
