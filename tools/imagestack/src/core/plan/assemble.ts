/**
 * The pure planning core: from a validated stack, the source commits, the dirty state and
 * what the registry (or git, offline) says, assemble the {@link Plan}. No I/O here; the
 * shell that gathers these inputs is `make-plan.ts`.
 */
import { effectiveTaggers } from '../tags/taggers';
import type { Stack } from '../graph/types';
import { dirtyTag, formatTag, nodeKey } from '../tags/tag';
import type { Action, Plan, PlanEntry } from './types';
import { qualifiedRepositoryOf } from '../reference/repository';
import { basePins } from '../dockerfile/pins';
import { platformsAt } from '../platform/spec';

/** How to decide each entry's action. */
export type Decision =
  /**
   * Registry mode: `present` holds the node keys whose tag the registry already has; `lacking`,
   * of those asking for platforms, the ones whose tag lacks some (node key → the platforms missing).
   */
  | { mode: 'registry'; present: ReadonlySet<string>; lacking?: ReadonlyMap<string, readonly string[]> }
  /**
   * Offline mode: `changed` holds the first-parent commits in `base..head`; a node is
   * built when its source commit is one of them.
   */
  | { mode: 'offline'; base: string; changed: ReadonlySet<string> };

/** Everything {@link assemblePlan} needs. */
export interface PlanInput {
  stack: Stack;
  /** Full sha of the commit planned. */
  head: string;
  /** nodeKey → full sha of the source commit, for every (image, version) not skipped. */
  sourceCommits: ReadonlyMap<string, string>;
  /** nodeKey → 12-hex hash of the uncommitted inputs; absent = clean. */
  dirty: ReadonlyMap<string, string>;
  decision: Decision;
  /** `<registry>/<namespace>`, defaults to the stack's. */
  repositoryPrefix?: string;
}

/** The qualified repository `<registry>/<namespace>/<image>` of a stack image. */
function qualifiedRepository(stack: Stack, image: string): string {
  return qualifiedRepositoryOf(stack.specs.registry, stack.specs.namespace, image);
}

/**
 * Assembles the plan. Entries come in build order: wave, then the stack's topological
 * order, then specs.yml version order. Every (image, version) the image does not skip
 * gets one entry.
 *
 * @throws Error when a node has no source commit (a bug in the caller, not user input)
 */
export function assemblePlan(input: PlanInput): Plan {
  const { stack, decision } = input;
  const versions = stack.specs.versions.map((v) => v.name);
  const entries: PlanEntry[] = [];
  const rank = new Map(stack.order.map((name, i) => [name, i]));
  // No taggers declared anywhere (most stacks): no image has any, so none walks its final-base chain to find out.
  const anyTaggers = (stack.specs.taggers?.length ?? 0) > 0 || [...stack.images.values()].some((n) => (n.spec.taggers?.length ?? 0) > 0);
  for (const image of [...stack.order].sort((a, b) => (stack.waves.get(a) ?? 0) - (stack.waves.get(b) ?? 0) || rank.get(a)! - rank.get(b)!)) {
    const node = stack.images.get(image)!;
    const taggers = anyTaggers ? taggersField(stack, image) : {}; // the same for every version
    for (const version of versions) {
      if (node.spec.skip.includes(version)) continue;
      const key = nodeKey(image, version);
      const sourceCommit = input.sourceCommits.get(key);
      if (!sourceCommit) throw new Error(`internal: no source commit for ${key}`);
      const dirtyHash = input.dirty.get(key);
      const tag = dirtyHash ? dirtyTag(version, dirtyHash) : formatTag(version, sourceCommit);
      const repository = qualifiedRepository(stack, image);
      const { action, reason } = decide(input, image, version, sourceCommit, dirtyHash !== undefined);
      entries.push({
        image,
        version,
        repository,
        tag,
        reference: `${repository}:${tag}`,
        sourceCommit,
        dirty: dirtyHash !== undefined,
        context: node.spec.context,
        dockerfile: node.dockerfile,
        parents: node.parents.map((p) => p.image),
        wave: stack.waves.get(image) ?? 0,
        action,
        reason,
        bases: basePins(node.externalBases),
        ...(taggers.taggers ? { taggers: [...taggers.taggers] } : {}),
        platforms: [...platformsAt(node.spec.platforms, version)],
      });
    }
  }
  return {
    head: input.head,
    dirty: entries.some((e) => e.dirty),
    mode: decision.mode,
    ...(decision.mode === 'offline' ? { base: decision.base } : {}),
    images: entries,
    ...(decision.mode === 'registry' && decision.lacking?.size ? { lackingPlatforms: decision.lacking } : {}),
  };
}

function decide(
  input: PlanInput,
  image: string,
  version: string,
  sourceCommit: string,
  dirty: boolean,
): { action: Action; reason: string } {
  const { decision, stack } = input;
  const key = nodeKey(image, version);
  if (decision.mode === 'registry') {
    const lacking = decision.lacking?.get(key);
    if (lacking) return { action: 'skip', reason: `tag already in the registry, but it lacks ${lacking.join(', ')} (never overwritten)` };
    if (decision.present.has(key)) return { action: 'skip', reason: 'tag already in the registry' };
    return { action: 'build', reason: dirty ? 'uncommitted changes to its inputs' : 'tag missing in the registry' };
  }
  if (dirty) return { action: 'build', reason: 'uncommitted changes to its inputs' };
  if (!decision.changed.has(sourceCommit)) {
    return { action: 'skip', reason: `unchanged since ${decision.base.slice(0, 7)}` };
  }
  // Changed: say whether the change is its own or came from an ancestor with the same source commit.
  const from = stack
    .ancestors(image)
    .find((a) => input.sourceCommits.get(nodeKey(a, version)) === sourceCommit);
  return from
    ? { action: 'build', reason: `downstream of a change to ${from}` }
    : { action: 'build', reason: `changed since ${decision.base.slice(0, 7)}` };
}

/** `{ taggers }`: the names of the image's taggers (`tags/taggers.ts`), when it has any; else nothing, so plans of stacks without taggers read as before. */
function taggersField(stack: Stack, image: string): { taggers?: string[] } {
  const names = effectiveTaggers(stack, image).map((t) => t.name);
  return names.length ? { taggers: names } : {};
}
