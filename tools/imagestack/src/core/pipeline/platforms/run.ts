/**
 * Steps 1–5 of a multi-platform image (its entry declares `platforms:`), per platform, in the
 * entry's order: its parents' images for the platform (`parents.ts`) → build for the platform
 * (`BuildRequest.platform`; a foreign platform's `RUN` steps run under QEMU emulation) → the
 * gates in a container of that platform's image (package manifest, checks, tests). Each
 * platform's steps run on its engine (`engines.ts`: the one `--engine` names for it, else the
 * run's); the platforms run one after the other even on different engines, so the image's log
 * and its current step stay one sequence (images run side by side by the scheduler). The first
 * platform that fails fails the image: the platforms after it are not run, nothing is pushed,
 * the tag stays absent and the descendants are blocked, as a single-platform failure does.
 * Step 6 (`publish.ts`) runs only once every platform passed; `image.ts` calls it.
 */
import * as path from 'node:path';
import { EngineError } from '../../errors';
import type { StepLog } from '../../engine/log';
import { innerContexts } from '../../graph/contexts';
import type { PlanEntry } from '../../plan/types';
import type { RunContext } from '../context';
import { holdAliases } from '../steps/aliases';
import { entryBuildArgs } from '../steps/args';
import type { Timed } from '../steps/build';
import { runGates } from '../steps/gates';
import { imageLabels } from '../steps/labels';
import type { DescriptiveTag, GateOutputs, NodeResult, PlatformResult } from '../types';
import { pushPlatformJob } from './matrix-jobs';
import { platformEngine, runOnEngine } from './engines';
import { platformEntry, platformReference } from './names';
import { resolvePlatformParents } from './parents';
import { publishIndex } from './publish';

/** What the platforms' gates leave for the image's last steps. */
export interface GatedPlatforms {
  /** The image ID of the engine platform's image (else the first platform's). */
  imageId: string;
  /** What that image's gates handed on (package manifest, taggers' results). */
  outputs: GateOutputs;
  /**
   * Step 6: publishes the image (here the index, `publish.ts`, recording each platform's digest
   * in the result; in a CI platform job, the one platform's image by digest and its record,
   * `matrix-jobs.ts`, with `described`, the descriptive tags the publish job is to push);
   * `pushed` false when the tag was there already.
   */
  push(described?: readonly DescriptiveTag[]): Promise<{ pushed: boolean; digest: string }>;
}

/** What the steps of one image and version work with (`image.ts` makes it). */
export interface ImageSteps {
  run: RunContext;
  /** The node key, `<image>@<version>`. */
  key: string;
  e: PlanEntry;
  /** The image's result, filled as the steps go. */
  result: NodeResult;
  log: StepLog;
  signal: AbortSignal | undefined;
  /** The image's step timer (progress events name the platform; durations add up). */
  timed: Timed;
}

/**
 * Builds and gates every platform of `e` (see the module comment), recording each in
 * `result.platforms`.
 *
 * @throws the first failure (EngineError for a build, a gate's error), the failing platform's
 *   result saying `failed` at its step
 */
export async function buildPlatforms({ run, key, e, result, log, signal, timed }: ImageSteps): Promise<GatedPlatforms> {
  const own = run.enginePlatform;
  // Each platform's image is named as its engine names it (`engines.ts`): the plain tag on an engine of its own platform.
  const platforms: PlatformResult[] = e.platforms.map((platform) => {
    const { own: local, host } = platformEngine(run, platform);
    return { platform, reference: platformReference(e, platform, local), ...(host ? { engine: host } : {}), status: 'not run', durations: {} };
  });
  result.platforms = platforms;
  const parents = await timed('pull', () => resolvePlatformParents(run, e, log, signal, (detail) => run.emit({ type: 'step', key, step: 'pull', detail })));
  const createdAt = e.dirty ? run.clock.now().toISOString() : await run.commitDate(e);
  const labels = await imageLabels(run, e, createdAt);
  const node = run.stack.images.get(e.image)!;
  const outputs = new Map<string, GateOutputs>();
  for (const pr of platforms) {
    pr.status = 'failed';
    const t: Timed = async (step, fn) => {
      pr.step = step;
      const t0 = run.clock.monotonic();
      try {
        return await timed(step, fn, pr.platform);
      } finally {
        pr.durations[step] = (pr.durations[step] ?? 0) + Math.round(run.clock.monotonic() - t0);
      }
    };
    const pe = platformEngine(run, pr.platform);
    const { engine, host } = pe;
    log.line(`--- ${e.image}@${e.version} for ${pr.platform}: ${pr.reference}${host ? ` on the engine ${host}` : ''} ---`);
    const { tagArgs, aliases } = parents.get(pr.platform)!;
    // Aliases are counted per engine: the run's for its own engine (as single-platform images), the platform engine's for a named one.
    const release = await holdAliases(host ? pe : run, engine, aliases);
    try {
      const local = run.options.force ? undefined : await engine.inspectImage(pr.reference);
      if (local && local.labels['org.opencontainers.image.revision'] === e.sourceCommit) {
        pr.imageId = local.id;
        log.line(`${pr.reference} is already in the engine (built earlier from the same inputs): not rebuilding`);
      } else if (!run.options.build) {
        throw new EngineError(`${pr.reference} is not in the engine: build it first (imagestack build --no-push ${e.image})`);
      } else {
        const secrets = run.options.secrets?.get(e.image);
        ({ imageId: pr.imageId } = await t('build', () =>
          engine.build({
            contextDir: path.join(run.stack.specs.root, node.spec.context),
            dockerfile: node.spec.dockerfile,
            exclude: innerContexts(run.stack, e.image),
            reference: pr.reference,
            buildArgs: entryBuildArgs(run, e, tagArgs),
            labels,
            log,
            signal,
            platform: pr.platform,
            onStep: (detail) => run.emit({ type: 'step', key, step: 'build', detail, platform: pr.platform }),
            ...(secrets?.length ? { secrets } : {}),
          }),
        ));
      }
    } finally {
      await release();
    }
    pr.size = (await engine.inspectImage(pr.reference))?.size;
    const foreign = pr.platform === own ? undefined : pr.platform;
    // The gates' files keep the run's names (`<tag>-linux-arm64.json` beside `<tag>.json`); the reference is the image's on its engine.
    const gated = { ...platformEntry(e, pr.platform, own), reference: pr.reference };
    outputs.set(pr.platform, await runGates(runOnEngine(run, pr.platform), gated, pr.imageId!, pr, log, signal, t, foreign));
    pr.status = 'passed';
    delete pr.step;
  }
  // The image as a whole: the engine platform's image when built, else the first platform's.
  const main = platforms.find((p) => p.platform === own) ?? platforms[0];
  result.imageId = main.imageId;
  result.size = main.size;
  if (main.gates) result.gates = main.gates;
  return {
    imageId: main.imageId!,
    outputs: outputs.get(main.platform)!,
    push: async (described = []) => {
      if (run.options.platformJob) return pushPlatformJob({ run, e, log, signal }, platforms[0], described);
      const images = new Map(platforms.map((p) => [p.platform, p.reference]));
      const outcome = await publishIndex(run, e, images, log, signal, (platform) => run.emit({ type: 'step', key, step: 'push', detail: `pushing ${platform} by digest`, platform }));
      if (outcome.pushed) {
        for (const pr of platforms) {
          pr.status = 'pushed';
          pr.digest = outcome.images.get(pr.platform)!.descriptor.digest;
        }
      }
      return outcome;
    },
  };
}
