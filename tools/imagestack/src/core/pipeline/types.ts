/**
 * What a pipeline run reports: per image and version a {@link NodeResult}, and while it
 * runs a stream of {@link PipelineEvent}s for progress display.
 */
import type { Plan } from '../plan/types';

/** The steps of the pipeline, in order. `manifest`, `checks` and `test` are the gates before `push`. */
export type Step = 'pull' | 'build' | 'manifest' | 'checks' | 'test' | 'push';

/** How one image and version ended. */
export type NodeStatus =
  /** The tag is already in the registry: nothing to do. */
  | 'skipped'
  /** Built (and gated) but not pushed: `--no-push`, or a dirty tag without `--push-dirty`. */
  | 'built'
  /** Built, gated and pushed. */
  | 'pushed'
  /** A step failed; see `step`, `error`, `logTail`. */
  | 'failed'
  /** Not started because an ancestor failed (`blockedBy`). */
  | 'blocked'
  /** Not started or stopped because the run was cancelled (Ctrl-C / SIGTERM). */
  | 'cancelled';

/** The outcome for one image and version. */
export interface NodeResult {
  image: string;
  version: string;
  reference: string;
  tag: string;
  sourceCommit: string;
  status: NodeStatus;
  /** Why, in words (e.g. "tag already in the registry", "parent python failed"). */
  reason: string;
  /** Manifest digest in the registry (pushed or existing), or the local image ID when not pushed. */
  digest?: string;
  /** Local image ID (`sha256:…`), when built. */
  imageId?: string;
  /** Image size in bytes, when built. */
  size?: number;
  /** Duration of each step run, in ms. */
  durations: Partial<Record<Step, number>>;
  /** The step that failed. */
  step?: Step;
  /** The error message of the failed step (no stack trace). */
  error?: string;
  /** The last lines of the failed step's log. */
  logTail?: string[];
  /** Path of this node's log file. */
  logFile?: string;
  /** With status `blocked`: the image whose failure blocked this one. */
  blockedBy?: string;
}

/** Progress events, in the order they happen. Keys are `<image>@<version>`. */
export type PipelineEvent =
  | { type: 'plan'; plan: Plan; toBuild: number }
  | { type: 'step'; key: string; step: Step; detail?: string }
  | { type: 'done'; key: string; result: NodeResult };

/** Receives progress events (terminal, Nx executor output, tests). */
export type Reporter = (event: PipelineEvent) => void;

/** What a gate (package manifest, checks, tests) sees of the image it verifies. */
export interface GateContext {
  image: string;
  version: string;
  reference: string;
  imageId: string;
  /** Absolute workspace root. */
  root: string;
  /** Writes to this node's log. */
  log: (line: string) => void;
  signal?: AbortSignal;
}

/**
 * A verification step that runs between build and push. It throws to fail the image;
 * the thrown error's message is reported, with `logTail` when it carries one.
 */
export interface Gate {
  step: Extract<Step, 'manifest' | 'checks' | 'test'>;
  run(ctx: GateContext): Promise<void>;
}
