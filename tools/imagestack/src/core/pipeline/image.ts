/**
 * One image and version, as a sequence of steps: resolve parents (`pull`) → labels → build →
 * gates (package manifest → checks → tests) → push. Each step is a module of `steps/`
 * returning a typed result; this file times them, keeps the image's log file, and turns the
 * outcome (or the first failure) into its {@link NodeResult}.
 *
 * A multi-platform image (its entry declares `platforms`) runs steps 1–5 once per platform and
 * publishes one image index (`platforms/`); the rest is shared.
 *
 * Promise 4 (nothing pushed untested) holds by construction: the push step runs only after
 * every gate of this image passed, and the scheduler starts an image only after all its
 * ancestors in the run succeeded (passed their gates).
 */
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { CancelledError, EngineError } from '../errors';
import { StepLog } from '../engine/log';
import type { PlanEntry } from '../plan/types';
import { redact } from '../registry/redact';
import type { RunContext } from './context';
import { entryBuildArgs } from './steps/args';
import { buildPlatforms, type GatedPlatforms, type ImageSteps } from './platforms/run';
import { PlatformJobFailedError, publishJob } from './platforms/matrix-jobs';
import { holdAliases } from './steps/aliases';
import { buildStep, type Timed } from './steps/build';
import { runGates } from './steps/gates';
import { imageLabels } from './steps/labels';
import { ParentFailedError, resolveParents } from './steps/parents';
import { pushStep } from './steps/push';
import { describeImage, pushDescriptiveTags } from './steps/taggers';
import type { TaskControl } from './scheduler';
import type { NodeResult, Step } from './types';

/** A result with the entry's names and no outcome yet. */
export function baseResult(e: PlanEntry, status: NodeResult['status'], reason: string): NodeResult {
  return { image: e.image, version: e.version, reference: e.reference, tag: e.tag, sourceCommit: e.sourceCommit, status, reason, durations: {} };
}

/**
 * Steps 1–5 of a single-platform image (the engine's own): parents, build, gates.
 * @param control the scheduler's: a build queued behind another version's waits without holding a place
 * @returns the gated image, its gates' outputs, the image ID when built here (not re-used), and its push (`steps/push.ts`)
 */
async function buildSingle({ run, key, e, result, log, signal, timed }: ImageSteps, control?: TaskControl): Promise<GatedPlatforms & { builtId?: string }> {
  const { tagArgs, aliases } = await timed('pull', () => resolveParents(run, e, log, signal, (detail) => run.emit({ type: 'step', key, step: 'pull', detail })));
  const buildArgs = entryBuildArgs(run, e, tagArgs);
  // org.opencontainers.image.created: the source commit's committer date (the same inputs
  // give the same labels, like SOURCE_DATE_EPOCH); the build time for dirty images.
  const createdAt = e.dirty ? run.clock.now().toISOString() : await run.commitDate(e);
  const labels = await imageLabels(run, e, createdAt);
  const onStep = (detail: string) => run.emit({ type: 'step', key, step: 'build', detail });
  const release = await holdAliases(run, run.engine, aliases);
  let image: Awaited<ReturnType<typeof buildStep>>;
  try {
    image = await buildStep(run, { entry: e, buildArgs, labels, log, signal, timed, onStep, ...(control ? { idle: control.idle } : {}) });
  } finally {
    await release();
  }
  result.imageId = image.imageId;
  result.size = image.size;
  const outputs = await runGates(run, e, image.imageId, result, log, signal, timed);
  return { imageId: image.imageId, outputs, push: () => pushStep(run, e, log, signal), ...(image.reused ? {} : { builtId: image.imageId }) };
}

/**
 * Runs every step of the image `key` (a key of `run.entries`), writes its log to
 * `<outputDir>/logs/<image>-<version>.log` and emits its `step` and `done` events.
 *
 * @param onResult receives the result (before the `done` event)
 * @param control the scheduler's: a build queued behind another version's waits without holding a place
 * @returns true when the image ended built, pushed, or skipped because its tag appeared meanwhile
 */
export async function runImage(
  run: RunContext,
  key: string,
  signal: AbortSignal | undefined,
  onResult: (r: NodeResult) => void,
  control?: TaskControl,
): Promise<boolean> {
  const e = run.entries.get(key)!;
  const logFile = path.join(run.outputDir, 'logs', `${e.image}-${e.version}.log`);
  rmSync(logFile, { force: true });
  const log = new StepLog(logFile);
  const result = baseResult(e, 'failed', '');
  result.logFile = logFile;
  let step: Step = 'pull';
  /** The image this run built (not re-used), removed if it ends with no tag (promise 7). */
  let builtId: string | undefined;
  const timed: Timed = async (s, fn, platform) => {
    step = s;
    run.emit({ type: 'step', key, step: s, ...(platform ? { platform } : {}) });
    const t0 = run.clock.monotonic();
    try {
      return await fn();
    } finally {
      // A multi-platform image runs a step once per platform: its duration is the sum.
      result.durations[s] = (result.durations[s] ?? 0) + Math.round(run.clock.monotonic() - t0);
    }
  };
  try {
    if (run.options.publishJob) {
      await publishJob({ run, key, e, result, log, signal, timed });
      return true;
    }
    const gated: GatedPlatforms & { builtId?: string } = e.platforms.length
      ? await buildPlatforms({ run, key, e, result, log, signal, timed })
      : await buildSingle({ run, key, e, result, log, signal, timed }, control);
    if (gated.builtId) builtId = gated.builtId;
    const described = await describeImage(run, e, gated.outputs, log);
    if (described.tags.length) result.descriptiveTags = described.tags;
    if (described.problems.length) result.taggerProblems = described.problems;

    if (signal?.aborted) throw new CancelledError();
    const { push, pushDirty } = run.options;
    if (!push || (e.dirty && !pushDirty)) {
      result.status = 'built';
      result.reason = !push ? 'built; not pushed (--no-push)' : 'built from uncommitted changes; dirty tags are not pushed (use --push-dirty)';
      run.built.set(key, gated.imageId);
    } else {
      const pushed = await timed('push', async () => {
        const p = await gated.push(described.tags);
        // A CI platform job records its descriptive tags for the publish job (no tag to retag yet).
        if (described.tags.length && !run.options.platformJob) result.descriptiveTags = await pushDescriptiveTags(run, e, described.tags, log);
        return p;
      });
      result.status = pushed.pushed ? 'pushed' : 'skipped';
      result.reason = pushed.pushed ? e.reason : 'tag appeared in the registry during the run; not overwritten';
      result.digest = pushed.digest;
      run.built.set(key, pushed.digest);
    }
    return true;
  } catch (err) {
    result.status = signal?.aborted ? 'cancelled' : 'failed';
    result.step = step;
    result.error = redact((err as Error).message); // engine and git messages are not redacted at the source
    result.logTail = err instanceof EngineError && err.logTail.length ? [...err.logTail] : log.tail();
    result.reason = signal?.aborted ? 'run cancelled' : `${step} failed`;
    if (err instanceof ParentFailedError && !signal?.aborted) {
      result.status = 'blocked';
      result.blockedBy = err.parent.image;
      result.reason = `skipped: parent ${err.parent.image} failed in another job (${err.marker.reason})`;
      result.logTail = [];
    }
    if (err instanceof PlatformJobFailedError && !signal?.aborted) {
      result.status = 'blocked';
      result.blockedBy = e.image;
      result.reason = `skipped: ${err.message}`;
      result.logTail = [];
    }
    return false;
  } finally {
    // A build that lost its tag (a concurrent run at the same commit tagged its own build of
    // the same reference after ours) leaves our image untagged: remove it. A tagged one stays.
    if (builtId && result.status !== 'built' && result.status !== 'pushed' && (await run.engine.removeUntagged(builtId))) {
      log.line(`removed ${builtId}: built by this run, no tag names it any more`);
    }
    await log.close();
    if (log.cutBytes) {
      result.logCutBytes = log.cutBytes;
      result.reason += ` (log cut: the first ${log.cutBytes} bytes were dropped, the last ${log.maxBytes} kept)`;
    }
    onResult(result);
    run.emit({ type: 'done', key, result });
  }
}
