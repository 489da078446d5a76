/**
 * Step 2 of an image, `build`: the image of the entry's tag, built with its parents' tags
 * (on their layers without labels where the engine has them, and one version after the
 * other: `layers.ts`) and labels, or re-used when the engine already has that reference built from the same
 * source commit (and `--force` is not given). With `build: false` (the Nx `manifest`, `test`
 * and `push` targets) the image must be in the engine already.
 */
import * as path from 'node:path';
import { EngineError } from '../../errors';
import { innerContexts } from '../../graph/contexts';
import type { StepLog } from '../../engine/log';
import type { PlanEntry } from '../../plan/types';
import type { RunContext } from '../context';
import type { Step } from '../types';
import { withSharedLayers } from './layers';
import { cacheFromReferences } from './cache-from';

/** Runs `fn` as step `step` of the image (progress event, duration), for `platform` of a multi-platform image when given. */
export type Timed = <T>(step: Step, fn: () => Promise<T>, platform?: string) => Promise<T>;

/** The image a build step produced. */
export interface BuiltImage {
  /** Image ID (`sha256:…`). */
  imageId: string;
  /** Size in bytes, as the engine reports it. */
  size?: number;
  /** True when an image built earlier from the same inputs was re-used. */
  reused: boolean;
}

/** What the build step needs besides the run. */
export interface BuildStepInput {
  entry: PlanEntry;
  /** All build args (version, image, `REGISTRY`, parents' tags). */
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  log: StepLog;
  signal?: AbortSignal;
  timed: Timed;
  /** The builder's current step (`Step 3/7 : RUN …`). */
  onStep(detail: string): void;
  /** Waits for a build of another version without holding a place of `--parallel` (scheduler.ts `TaskControl.idle`). */
  idle?: <T>(until: Promise<T>) => Promise<T>;
}

/**
 * Builds (or re-uses) the image of `input.entry`.
 *
 * @throws EngineError when the build fails, or when `build: false` and the engine lacks the image
 */
export async function buildStep(run: RunContext, input: BuildStepInput): Promise<BuiltImage> {
  const e = input.entry;
  const node = run.stack.images.get(e.image)!;
  const local = run.options.force ? undefined : await run.engine.inspectImage(e.reference);
  let imageId: string;
  let reused = false;
  if (local && local.labels['org.opencontainers.image.revision'] === e.sourceCommit) {
    imageId = local.id;
    reused = true;
    input.log.line(`${e.reference} is already in the engine (built earlier from the same inputs): not rebuilding`);
  } else if (!run.options.build) {
    throw new EngineError(`${e.reference} is not in the engine: build it first (imagestack build --no-push ${e.image}, or nx run ${e.image}:build)`);
  } else {
    const cacheFrom = run.options.cacheFrom ? await cacheFromReferences(run, e, run.options.cacheFrom.head) : undefined;
    const secrets = run.options.secrets?.get(e.image);
    // The wait for another version's build of the same image is not part of this build's time.
    ({ imageId } = await withSharedLayers(run, e, input.buildArgs, input.log, input.onStep, input.idle, (buildArgs) =>
      input.timed('build', () =>
        run.engine.build({
          contextDir: path.join(run.stack.specs.root, node.spec.context),
          dockerfile: node.spec.dockerfile,
          exclude: innerContexts(run.stack, e.image),
          reference: e.reference,
          buildArgs,
          labels: input.labels,
          log: input.log,
          signal: input.signal,
          onStep: input.onStep,
          ...(cacheFrom?.length ? { cacheFrom } : {}),
          ...(run.options.noCache ? { noCache: true } : {}),
          ...(secrets?.length ? { secrets } : {}),
        }),
      ),
    ));
  }
  const size = (await run.engine.inspectImage(e.reference))?.size;
  return { imageId, size, reused };
}
