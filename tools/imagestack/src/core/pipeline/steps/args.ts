/**
 * The build args of an image and version: the version's, the image's, the image's per version,
 * the stack's (`REGISTRY`, `NAMESPACE`…), then the parents' tag and reference args (`parents.ts`),
 * each later one winning.
 */
import { stackArgs } from '../../graph/types';
import type { PlanEntry } from '../../plan/types';
import type { RunContext } from '../context';

/** Every build arg of `e`, with `tagArgs` (the parents' tags or references) last. */
export function entryBuildArgs(run: Pick<RunContext, 'stack'>, e: PlanEntry, tagArgs: Record<string, string>): Record<string, string> {
  const specs = run.stack.specs;
  const node = run.stack.images.get(e.image)!;
  return {
    ...(specs.versions.find((v) => v.name === e.version)?.args ?? {}),
    ...node.spec.args,
    ...(node.spec.versionArgs[e.version] ?? {}),
    ...stackArgs(specs),
    ...tagArgs,
  };
}
