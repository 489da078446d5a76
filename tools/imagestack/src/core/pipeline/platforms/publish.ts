/**
 * Step 6 of a multi-platform image, `push`, all or nothing (issue 14, DESIGN.md promises 2 and
 * 10). It runs only once every platform's image passed its gates (`run.ts` in this folder), and
 * the scheduler starts an image only after its ancestors succeeded (promise 4). Then:
 * 1. the tag is asked for first, as `steps/push.ts` does: present and naming every platform →
 *    nothing is pushed (`skipped`); present and lacking one → refused, never overwritten;
 * 2. each platform's image is pushed BY DIGEST, without a tag (`RegistryClient.pushImage`
 *    reading `ImageEngine.saveImage`'s archive from that platform's engine, `engines.ts`; the parents' tags and the external bases are
 *    offered for cross-mounting their layers);
 * 3. the tag is asked for again, right before the index is put (another runner may have put it
 *    meanwhile: same outcomes as 1);
 * 4. one image index naming each platform's image manifest is put under the tag
 *    (`putImageIndex`: a Docker manifest list when every child is a Docker schema 2 manifest,
 *    else an OCI image index), and the registry must then report that index's digest.
 * A failure anywhere leaves the tag absent: the per-platform manifests pushed by digest are
 * untagged (a registry's garbage collection removes them), and the descendants stay blocked.
 */
import { EngineError } from '../../errors';
import type { StepLog } from '../../engine/log';
import type { PlanEntry } from '../../plan/types';
import { repositoryOf } from '../../reference/repository';
import { missingPlatforms, putImageIndex, type PlatformManifest } from '../../registry/image-index';
import type { PushedImage } from '../../registry/push-image';
import type { Descriptor } from '../../registry/types';
import { nodeKey } from '../../tags/tag';
import type { RunContext } from '../context';
import { platformEngine } from './engines';

/** The outcome of {@link publishIndex}. */
export type PublishOutcome =
  /** The index put under the tag, and each platform's pushed image. */
  | { pushed: true; digest: string; images: Map<string, PushedImage> }
  /** The tag was in the registry already (complete): nothing put. */
  | { pushed: false; digest: string };

/**
 * Publishes the multi-platform image of `e` (see the module comment).
 *
 * @param images per platform of `e.platforms`, the local reference of its gated image
 * @param onPlatform called as each platform's push starts (progress event)
 * @throws EngineError when the tag is present but lacks a platform (never overwritten), an
 *   image's config says another platform, or the registry then reports another digest;
 *   RegistryError when the registry refuses a push
 */
export async function publishIndex(
  run: RunContext,
  e: PlanEntry,
  images: ReadonlyMap<string, string>,
  log: StepLog,
  signal: AbortSignal | undefined,
  onPlatform: (platform: string) => void,
): Promise<PublishOutcome> {
  const repository = repositoryOf(run.stack.specs.namespace, e.image);
  const before = await existingTag(run, e, repository, log);
  if (before) return { pushed: false, digest: before };
  const pushed = new Map<string, PushedImage>();
  for (const platform of e.platforms) {
    onPlatform(platform);
    pushed.set(platform, await pushPlatformImage(run, e, platform, images.get(platform)!, log, signal));
  }
  const put = await putIndex(run, e, new Map([...pushed].map(([p, image]) => [p, image.descriptor])), log);
  return put.pushed ? { pushed: true, digest: put.digest, images: pushed } : { pushed: false, digest: put.digest };
}

/**
 * Step 2 for one platform: pushes the local image `reference` (built for `platform`) to the
 * repository of `e` BY DIGEST, without a tag; the parents' tags and the external bases are
 * offered for cross-mounting. A CI platform job calls it on its own (`matrix-jobs.ts`).
 *
 * @throws EngineError when the image's config says another platform; RegistryError when the
 *   registry refuses the push
 */
export async function pushPlatformImage(
  run: RunContext,
  e: PlanEntry,
  platform: string,
  reference: string,
  log: StepLog,
  signal: AbortSignal | undefined,
): Promise<PushedImage> {
  const repository = repositoryOf(run.stack.specs.namespace, e.image);
  // Where the layers may already be: each parent's tag (an index: followed to each platform's
  // image), and the bases outside the stack (those of another registry are passed over).
  const mountFrom = [
    ...e.parents.map((p) => `${repositoryOf(run.stack.specs.namespace, p)}:${run.entries.get(nodeKey(p, e.version))!.tag}`),
    ...e.bases.map((b) => b.reference),
  ];
  log.line(`${platform}: pushing ${reference} to ${repository} by digest (no tag)`);
  const archive = await platformEngine(run, platform).engine.saveImage(reference, signal);
  const p = await run.registry.pushImage(repository, archive, { signal, mountFrom, onProgress: (d) => log.line(`${platform}: ${d}`) });
  if (p.platform !== platform) {
    throw new EngineError(`the image built for ${platform} (${reference}) says it is ${p.platform} in its config; nothing was put under ${e.tag}`, log.tail());
  }
  log.line(
    `${platform}: pushed ${p.descriptor.digest} (layers: ${p.layers.sent} sent, ${p.layers.present} present, ${p.layers.mounted} mounted; ${p.layers.bytesSent} bytes)`,
  );
  return p;
}

/**
 * Steps 3–4: asks for the tag again (another runner may have put it meanwhile), then puts one
 * index naming each platform's image manifest (`manifests`, every platform of `e`, already in
 * the repository) under the tag, and checks the registry then reports that index. A CI publish
 * job calls it on its own (`matrix-jobs.ts`).
 *
 * @returns `pushed` false with the digest found when the tag appeared (complete) meanwhile
 * @throws EngineError when the tag appeared lacking a platform (never overwritten), or the
 *   registry then reports another digest; RegistryError when the registry refuses the index
 */
export async function putIndex(
  run: RunContext,
  e: PlanEntry,
  manifests: ReadonlyMap<string, Descriptor>,
  log: StepLog,
): Promise<{ pushed: boolean; digest: string }> {
  const repository = repositoryOf(run.stack.specs.namespace, e.image);
  const meanwhile = await existingTag(run, e, repository, log);
  if (meanwhile) return { pushed: false, digest: meanwhile };
  const list: PlatformManifest[] = e.platforms.map((platform) => ({ platform, descriptor: manifests.get(platform)! }));
  const index = await putImageIndex(run.registry, repository, e.tag, list);
  log.line(`put the index ${index.digest} (${e.platforms.join(', ')}) under ${e.reference}`);
  const check = await run.registry.headManifest(repository, e.tag);
  if (!check || check.digest !== index.digest) {
    const race = check ? `: another run put ${e.tag} between this run's check and its put (the registry has no conditional write)` : '';
    throw new EngineError(`after putting the index of ${e.reference}, the registry reports ${check ? check.digest : 'no manifest'} instead of ${index.digest}${race}`, log.tail());
  }
  return { pushed: true, digest: index.digest };
}

/**
 * The digest of `e.tag` when the registry has it and it names every platform of `e`; undefined
 * when absent. Step 1 and step 3; a CI publish job asks it first too.
 * @throws EngineError when present but lacking a platform (promise 2: never overwritten)
 */
export async function existingTag(run: RunContext, e: PlanEntry, repository: string, log: StepLog): Promise<string | undefined> {
  const existing = await run.registry.headManifest(repository, e.tag);
  if (!existing) return undefined;
  const lacking = (await missingPlatforms(run.registry, repository, e.tag, e.platforms)) ?? [];
  if (lacking.length) {
    throw new EngineError(
      `${e.reference} appeared in the registry during the run (${existing.digest}) but lacks ${lacking.join(', ')}; a tag is never overwritten` +
        `\n  fix: give "${e.image}" a new tag (change its inputs) to publish every platform`,
      log.tail(),
    );
  }
  log.line(`${e.reference} appeared in the registry meanwhile (${existing.digest}, every platform); not overwriting it`);
  return existing.digest;
}
