/** Shapes of a pre-pull: what happened to each image on each engine, and the events on the way. */
import type { ResolvedImage } from '../resolve/resolve';

/** Where one image stands on one engine after a pre-pull. */
export type PullStatus = 'pulled' | 'present' | 'failed';

/** One image on one engine. */
export interface PullResult {
  /** The engine's name (see `EngineTarget.name`). */
  engine: string;
  image: string;
  version: string;
  /** The tag, e.g. `2026.1-3f2a9c1` or `2026.1-stable`. */
  tag: string;
  /** `repository:tag@digest` asked for. */
  reference: string;
  status: PullStatus;
  /** Why it failed (`failed` only): the engine's message, "timed out after 10m", "engine unreachable: …". */
  reason?: string;
  /** Bytes downloaded for this image, from the engine's progress messages (layers already on the engine count 0; a layer so small that the engine reports no progress for it counts 0 too). */
  bytes: number;
  /** Wall-clock time spent on this image, ms. */
  ms: number;
}

/** Progress of a pre-pull, for a terminal reporter. */
export type PrepullEvent =
  /** The engine answered (`up`) or not (`down`, with the reason). */
  | { type: 'engine'; engine: string; state: 'up' | 'down'; detail?: string }
  /** Work on `image` (number `index` of `total`, from 1) started on `engine`. */
  | { type: 'start'; engine: string; image: ResolvedImage; index: number; total: number }
  /** Bytes downloaded so far for the current image, and elapsed ms since it started. */
  | { type: 'progress'; engine: string; image: ResolvedImage; bytes: number; elapsedMs: number }
  /** One image is done on one engine. */
  | { type: 'done'; engine: string; result: PullResult };
