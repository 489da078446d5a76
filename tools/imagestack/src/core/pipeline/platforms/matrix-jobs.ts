/**
 * A multi-platform image split across CI matrix jobs (issue 14, README "CI: matrix and
 * workflows"): the steps of `run.ts` and `publish.ts`, divided between
 * - a **platform job** (`imagestack build --platform <p>`, options.platformJob): steps 1–5 for
 *   that platform only (the entry's platforms are filtered to it by `runPipeline`), then its
 *   image pushed BY DIGEST, without a tag (`pushPlatformImage`), and a digest record written
 *   for the publish job (`core/ci/platform-records.ts`); its descriptive tags are recorded,
 *   not pushed (no tag exists yet to retag);
 * - a **publish job** (`imagestack build --publish-index`, options.publishJob): builds
 *   nothing; waits (bounded, failing fast on a failure marker of the image) for every
 *   platform's record, checks each recorded digest is an image manifest in the image's
 *   repository whose config says that platform, then puts one index under the tag (`putIndex`:
 *   the tag re-checked first, an existing index lacking a platform refused, never overwritten)
 *   and the descriptive tags recorded by the engine platform's job (else the first platform's),
 *   as a one-machine run does.
 * Nothing is put under the tag unless every platform's job passed its gates and pushed
 * (DESIGN.md promise 4): a platform job that fails leaves no record and a failure marker, and
 * the publish job then stops with the image `blocked`, its marker stopping the descendants.
 */
import { PlatformJobFailedError, waitForPlatformRecords } from '../../ci/platform-wait';
import { writePlatformRecord } from '../../ci/platform-records';
import { EngineError } from '../../errors';
import { formatPlatform } from '../../platform/platform';
import { digestReference, repositoryOf } from '../../reference/repository';
import type { Descriptor } from '../../registry/types';
import { formatDurationText } from '../../util/duration';
import { pushDescriptiveTags } from '../steps/taggers';
import type { DescriptiveTag, PlatformResult } from '../types';
import type { ImageSteps } from './run';
import { existingTag, pushPlatformImage, putIndex } from './publish';

export { PlatformJobFailedError };

/**
 * The push of a platform job: `pr`'s gated image pushed by digest, and its digest record.
 * The tag is asked for first: when it is there already with this platform, nothing is pushed.
 *
 * @param described the descriptive tags the job's taggers gave (recorded for the publish job)
 * @returns the platform image's digest (`pushed` false: the tag's, found in the registry)
 * @throws EngineError / RegistryError as `pushPlatformImage`, or when the record cannot be written
 */
export async function pushPlatformJob(
  { run, e, log, signal }: Pick<ImageSteps, 'run' | 'e' | 'log' | 'signal'>,
  pr: PlatformResult,
  described: readonly DescriptiveTag[],
): Promise<{ pushed: boolean; digest: string }> {
  const repository = repositoryOf(run.stack.specs.namespace, e.image);
  const before = await existingTag(run, e, repository, log);
  if (before) return { pushed: false, digest: before };
  const runId = run.options.runId!;
  const pushed = await pushPlatformImage(run, e, pr.platform, pr.reference, log, signal);
  const digest = pushed.descriptor.digest;
  await writePlatformRecord(run.registry, run.stack.specs.namespace, {
    runId,
    image: e.image,
    version: e.version,
    tag: e.tag,
    platform: pr.platform,
    digest,
    descriptiveTags: [...described],
    createdAt: run.clock.now().toISOString(),
  });
  log.line(`${pr.platform}: recorded ${digest} for the publish job of ${e.image} ${e.version} (run ${runId}); the tag ${e.tag} is put by that job`);
  pr.status = 'pushed';
  pr.digest = digest;
  return { pushed: true, digest };
}

/**
 * The publish job of one image and version (see the module comment). Fills `result` (status
 * `pushed`, or `skipped` when the tag was there already; `platforms` with each digest).
 *
 * @throws PlatformJobFailedError when a platform's job failed (the caller reports the image
 *   `blocked`); PlatformWaitTimeoutError; EngineError when a recorded digest is not in the
 *   repository or its config says another platform, or the tag lacks a platform; RegistryError
 */
export async function publishJob({ run, key, e, result, log, signal, timed }: ImageSteps): Promise<void> {
  const ns = run.stack.specs.namespace;
  const repository = repositoryOf(ns, e.image);
  const platforms: PlatformResult[] = e.platforms.map((platform) => ({ platform, reference: e.reference, status: 'not run', durations: {} }));
  result.platforms = platforms;
  const found = await existingTag(run, e, repository, log);
  if (found) {
    result.status = 'skipped';
    result.reason = 'tag already in the registry with every platform; not overwritten';
    result.digest = found;
    return;
  }
  const wait = run.options.waitForParents ?? { timeoutMs: 0 };
  log.line(`waiting up to ${formatDurationText(wait.timeoutMs)} for the digests of ${e.platforms.join(', ')} recorded by the platform jobs of run ${run.options.runId}`);
  let shown = -Infinity;
  const records = await timed('pull', () =>
    waitForPlatformRecords(run.registry, e.image, e.version, e.platforms, {
      ...wait,
      namespace: ns,
      runId: run.options.runId!,
      signal,
      onProgress: (missing, waited) => {
        if (waited - shown < 30_000) return;
        shown = waited;
        const detail = `waiting for the ${missing.join(', ')} job${missing.length === 1 ? '' : 's'} (${formatDurationText(waited)} of ${formatDurationText(wait.timeoutMs)})`;
        log.line(detail);
        run.emit({ type: 'step', key, step: 'pull', detail });
      },
    }),
  );
  const outcome = await timed('push', async () => {
    const manifests = new Map<string, Descriptor>();
    for (const pr of platforms) {
      const { digest } = records.get(pr.platform)!;
      const descriptor = await run.registry.headManifest(repository, digest);
      if (!descriptor) throw new EngineError(`the ${pr.platform} job of ${e.image} ${e.version} recorded ${digest}, which is not in ${repository}; nothing was put under ${e.tag}`);
      const { config } = await run.registry.getImageConfig(repository, digest);
      const says = formatPlatform({ os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) });
      if (says !== pr.platform) {
        throw new EngineError(`the ${pr.platform} job of ${e.image} ${e.version} recorded ${digest}, whose config says ${says}; nothing was put under ${e.tag}`);
      }
      log.line(`${pr.platform}: ${digest} is in ${repository}, its config says ${says}`);
      manifests.set(pr.platform, descriptor);
      pr.reference = digestReference(e.repository, digest);
      pr.digest = digest;
    }
    const put = await putIndex(run, e, manifests, log);
    // The descriptive tags of the image as a one-machine run makes them: from the engine platform's image, else the first platform's.
    const main = records.get(e.platforms.includes(run.enginePlatform) ? run.enginePlatform : e.platforms[0])!;
    if (main.descriptiveTags.length) result.descriptiveTags = await pushDescriptiveTags(run, e, main.descriptiveTags, log);
    return put;
  });
  for (const pr of platforms) pr.status = outcome.pushed ? 'pushed' : 'passed';
  result.status = outcome.pushed ? 'pushed' : 'skipped';
  result.reason = outcome.pushed ? `${e.reason}; the index of ${e.platforms.join(', ')} put by the publish job` : 'tag appeared in the registry during the run; not overwritten';
  result.digest = outcome.digest;
  run.built.set(key, outcome.digest);
}
