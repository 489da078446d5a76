/**
 * Step 1 of a multi-platform image, `pull`, per platform: each stack parent's image for that
 * platform is made local under the parent's platform tag (`names.ts`), so the child's build for
 * the platform starts from it (promise 3, per platform):
 * - built in this run, or by an earlier run in this engine: its platform tags are local already;
 * - in the registry: the parent's tag names an image index; that platform's image manifest is
 *   pulled by digest (`<repository>@<digest>`) and tagged locally with the platform tag;
 * - a parent that declares no platforms is the engine platform's single image, as today.
 * The build args then carry the platform tags (`${BASE_TAG}` → `1-abc1234-linux-arm64`, a
 * whole-reference `ARG BASE_IMAGE` → its reference), and each other spelling of a parent
 * (`references:`) names the platform's image for the length of the build (`steps/aliases.ts`).
 */
import { EngineError } from '../../errors';
import type { StepLog } from '../../engine/log';
import type { PlanEntry } from '../../plan/types';
import { digestReference, repositoryOf } from '../../reference/repository';
import { indexPlatformDigests } from './index-digests';
import { nodeKey } from '../../tags/tag';
import type { RunContext } from '../context';
import { waitForParents, type ResolvedParents } from '../steps/parents';
import { platformEngine } from './engines';
import { platformReference, platformTag } from './names';

/**
 * Makes each stack parent of `e` local for each of `e.platforms` (see the module comment).
 *
 * @param onWait progress while waiting for another CI job's parent (matrix mode)
 * @returns per platform, the build args and aliases that carry the parents
 * @throws EngineError when a parent is nowhere, its index lacks a platform, or a pull fails;
 *   ParentFailedError / WaitTimeoutError as `steps/parents.ts` in matrix mode
 */
export async function resolvePlatformParents(
  run: RunContext,
  e: PlanEntry,
  log: StepLog,
  signal: AbortSignal | undefined,
  onWait: (detail: string) => void,
): Promise<Map<string, ResolvedParents>> {
  const node = run.stack.images.get(e.image)!;
  // Each platform's engine names the parent's image of that platform as it names its own (`names.ts`).
  const own = (platform: string) => platformEngine(run, platform).own;
  const out = new Map(e.platforms.map((p) => [p, { tagArgs: {} as Record<string, string>, aliases: new Map<string, string>() }]));
  for (const p of node.parents) {
    const parentKey = nodeKey(p.image, e.version);
    const parent = run.entries.get(parentKey)!;
    const single = parent.platforms.length === 0; // the engine platform's one image, under its tag
    // Each platform's local reference of the parent.
    const refs = new Map(e.platforms.map((platform) => [platform, single ? parent.reference : platformReference(parent, platform, own(platform))]));
    if (!run.built.has(parentKey)) await makeLocal(run, e, parent, single, refs, log, signal, onWait);
    for (const [platform, resolved] of out) {
      const tag = single ? parent.tag : platformTag(parent, platform, own(platform));
      for (const arg of p.args) resolved.tagArgs[arg.name] = arg.value === 'tag' ? tag : refs.get(platform)!;
      for (const alias of p.aliases) resolved.aliases.set(`${alias}:${tag}`, refs.get(platform)!);
    }
  }
  return out;
}

/** Makes one parent's images local under `refs` (platform → local reference); see the module comment. */
async function makeLocal(
  run: RunContext,
  e: PlanEntry,
  parent: PlanEntry,
  single: boolean,
  refs: ReadonlyMap<string, string>,
  log: StepLog,
  signal: AbortSignal | undefined,
  onWait: (detail: string) => void,
): Promise<void> {
  const parentKey = nodeKey(parent.image, parent.version);
  const repository = repositoryOf(run.stack.specs.namespace, parent.image);
  if (parent.action === 'build' && !run.needed.has(parentKey)) {
    // Not in the registry at plan time and not built by this run: an earlier build in this engine, or another CI job's.
    const local = await Promise.all([...refs].map(([platform, r]) => platformEngine(run, platform).engine.inspectImage(r)));
    if (local.every((i) => i && i.labels['org.opencontainers.image.revision'] === parent.sourceCommit)) return;
    if (!run.options.waitForParents) {
      throw new EngineError(
        `parent ${parent.reference} (${[...refs.keys()].join(', ')}) is neither in the engine nor in the registry; build ${parent.image} first (or run without restricting to ${e.image})`,
      );
    }
    await waitForParents(run, [{ image: parent.image, version: parent.version, repository, tag: parent.tag, reference: parent.reference }], log, signal, onWait);
  }
  if (single) {
    for (const engine of new Set([...refs.keys()].map((platform) => platformEngine(run, platform).engine))) await engine.ensureLocal(parent.reference, run.auth, log, signal);
    return;
  }
  const digests = await indexPlatformDigests(run.registry, repository, parent.tag);
  for (const [platform, reference] of refs) {
    const digest = digests.get(platform);
    if (!digest) {
      throw new EngineError(
        `parent ${parent.reference} in the registry has no image for ${platform} (its index names ${[...digests.keys()].join(', ') || 'no platform'}); fix: give ${parent.image} a new tag that is built for ${platform}`,
      );
    }
    const byDigest = digestReference(parent.repository, digest);
    const { engine, host } = platformEngine(run, platform);
    log.line(`${platform}: ${parent.image} is ${byDigest} (from the index ${parent.reference}), tagged ${reference} ${host ? `on the engine ${host}` : 'here'}`);
    await engine.ensureLocal(byDigest, run.auth, log, signal);
    await engine.tagImage(byDigest, reference);
  }
}
