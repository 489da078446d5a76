/**
 * What a pipeline run reports: per image and version a {@link NodeResult}, and while it
 * runs a stream of {@link PipelineEvent}s for progress display.
 */
import type { Stack } from '../graph/types';
import type { Plan, PlanEntry } from '../plan/types';
import type { ContainerEngine, RegistryCredentials, RegistryReader } from '../ports';
import type { PackageManifest } from '../verify/manifest/types';

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
  /**
   * Registry digest of the image manifest (`sha256:…`), when the tag is in the registry after
   * this run (pushed, or appeared during the run). Never an image ID; see `imageId`.
   * (report.json keeps its older meaning: see `core/report/report.ts`.)
   */
  digest?: string;
  /** Local image ID (`sha256:…`, the digest of the image's config), when built or found in the engine. */
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
  /** Bytes dropped from the start of the log file (it keeps the last `LOG_MAX_BYTES`, see `engine/log.ts`); absent when nothing was cut. */
  logCutBytes?: number;
  /** With status `blocked`: the image whose failure blocked this one. */
  blockedBy?: string;
  /** Reports of the gates that ran (package manifest, checks, tests). */
  gates?: Partial<Record<'manifest' | 'checks' | 'test', GateReport>>;
  /** The immutable descriptive tags made by the image's taggers (`steps/taggers.ts`); absent when it has no taggers or did not pass its gates. */
  descriptiveTags?: DescriptiveTag[];
  /** Taggers refused (command failed, output not a tag part, package missing), each in words with the fix; the run then ends non-zero. */
  taggerProblems?: string[];
  /**
   * A multi-platform image (its entry declares `platforms`): one result per platform, in the
   * entry's order. The fields above then say the whole image: `digest` the image index's,
   * `imageId`/`size`/`gates` the engine platform's image (else the first platform's),
   * `durations` the sum over the platforms. Absent for single-platform images.
   */
  platforms?: PlatformResult[];
}

/** The outcome for one platform of a multi-platform image. */
export interface PlatformResult {
  /** `os/architecture[/variant]`. */
  platform: string;
  /** The local reference of this platform's image (`platforms/names.ts`), in its engine. */
  reference: string;
  /** The engine that built, gated and saved it when not the run's: its DOCKER_HOST address (`--engine`, `platforms/engines.ts`). */
  engine?: string;
  /**
   * `passed`: built (or re-used) and passed its gates; `pushed`: and pushed by digest, named by
   * the index under the tag; `failed`: a step failed (`step`); `not run`: an earlier platform failed.
   */
  status: 'passed' | 'pushed' | 'failed' | 'not run';
  /** Local image ID (`sha256:…`), when built. */
  imageId?: string;
  /** Size in bytes, when built. */
  size?: number;
  /** Registry digest of this platform's image manifest, when pushed. */
  digest?: string;
  /** Duration of each step for this platform, in ms. */
  durations: Partial<Record<Step, number>>;
  /** The step that failed. */
  step?: Step;
  /** Reports of the gates that ran on this platform's image. */
  gates?: NodeResult['gates'];
}

/** One immutable descriptive tag of an image: `<version>-<part>-<sha7>`. */
export interface DescriptiveTag {
  /** The tag, e.g. `2026.1-python-3.11.2-5784884`. */
  tag: string;
  /** The tagger's part, e.g. `python-3.11.2`. */
  part: string;
  /** The tagger's name. */
  tagger: string;
  /** `pushed` by this run, `present` in the registry before (left as it was), `not pushed` (the image was not pushed). */
  status: 'pushed' | 'present' | 'not pushed';
  /** Registry digest the tag names, when in the registry. */
  digest?: string;
}

/** Progress events, in the order they happen. Keys are `<image>@<version>`. */
export type PipelineEvent =
  | { type: 'plan'; plan: Plan; toBuild: number }
  /** `platform`: the platform a step of a multi-platform image runs for. */
  | { type: 'step'; key: string; step: Step; detail?: string; platform?: string }
  | { type: 'done'; key: string; result: NodeResult };

/** Receives progress events (terminal, Nx executor output, tests). */
export type Reporter = (event: PipelineEvent) => void;

/** What a gate (package manifest, checks, tests) sees of the image it verifies. */
export interface GateContext {
  /** The plan entry of the image and version (tag, reference, sourceCommit, dirty, parents…). */
  entry: PlanEntry;
  /** The validated stack (specs, images, ancestors, final-stage bases). */
  stack: Stack;
  /** Local image ID of the built image (`sha256:…`). */
  imageId: string;
  /** The engine's containers (a dockerode `Docker` is one; a recording fake in unit tests). */
  docker: ContainerEngine;
  /** The registry (for the previous tag of the same image and version). */
  client: RegistryReader & RegistryCredentials;
  /** Folder for this run's outputs (reports, package manifests), absolute. */
  outputDir: string;
  /**
   * What the gates that ran before for this image and version handed on, typed: the
   * `manifest` gate sets `manifest` (the package manifest), which `checks` reads.
   */
  outputs: GateOutputs;
  /** Writes a line to this image's log. */
  log: (line: string) => void;
  /** Aborted on Ctrl-C / SIGTERM: stop, and remove every container started. */
  signal?: AbortSignal;
  /**
   * The platform of the image under test (`os/architecture[/variant]`) when it is one of a
   * multi-platform image's and not the engine's own (`entry` then has that platform's local tag):
   * the package manifest compares it with the previous tag's image of the same platform.
   */
  platform?: string;
  /**
   * The tag the image is published under when `entry.tag` is not it (a multi-platform image's
   * platform with a local tag of its own, `platforms/names.ts`): the index's tag. Host tests get it.
   */
  publishedTag?: string;
  /**
   * DOCKER_HOST of the engine holding the image when it is not this process's (a platform's
   * engine named by `--engine`): host-side tests get it, so their `docker run` reaches the image.
   */
  dockerHost?: string;
}

/** The typed results gates hand on to the next gates of the same image and version. */
export interface GateOutputs {
  /** The package manifest of this image ID, made by the `manifest` gate. */
  manifest?: PackageManifest;
  /** The results of the taggers' commands, run in the manifest gate's container, by tagger name (`tags/taggers.ts`). */
  taggerResults?: ReadonlyMap<string, { stdout: string; exitCode: number; timedOut: boolean }>;
}

/** One item of a gate's report: a check, a test suite, a manifest command. */
export interface GateItem {
  name: string;
  ok: boolean;
  /** What was expected (checks). */
  expected?: string;
  /** What was found (checks), or the outcome (tests: "exit 0", "timed out after 60 s"). */
  found?: string;
  /** Duration in ms, when measured. */
  durationMs?: number;
}

/** What a gate reports, pass or fail. */
export interface GateReport {
  ok: boolean;
  /** One line, e.g. "4 checks passed", "test timed out after 60 s". */
  summary: string;
  items?: GateItem[];
  /** Files written, by kind: e.g. `{ markdown: '/…/python-2026.1-abc1234.md', json: '…' }`. */
  files?: Record<string, string>;
}

/** Thrown by a gate to fail the image; carries the gate's report and the last lines of output. */
export class GateFailure extends Error {
  override readonly name = 'GateFailure';
  constructor(
    message: string,
    readonly report: GateReport,
    readonly logTail: readonly string[] = [],
  ) {
    super(message);
  }
}

/**
 * A verification step that runs between build and push. Resolves with its report when the
 * image passes; throws {@link GateFailure} (or any error) to fail it.
 */
export interface Gate {
  step: Extract<Step, 'manifest' | 'checks' | 'test'>;
  run(ctx: GateContext): Promise<GateReport>;
}
