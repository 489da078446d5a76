/**
 * What a BuildKit build may take its unchanged layers from, besides the engine's own cache
 * (issue 13, layers shared across CI runners): the image's previous tags of the same version in
 * the registry (newest first, by the first-parent history of the planned commit) and its
 * parents' exact tags when they were in the registry at plan time. Every image imagestack builds with BuildKit is pushed with inline cache
 * metadata (`BUILDKIT_INLINE_CACHE=1`), so a fresh engine given these references with
 * `--cache-from` pulls the layers of the steps whose inputs did not change instead of running them.
 */
import { runGit } from '../../git/git';
import { nodeKey } from '../../tags/tag';
import { repositoryOf } from '../../reference/repository';
import type { PlanEntry } from '../../plan/types';
import type { RunContext } from '../context';

/** Previous tags given as cache, at most. */
export const PREVIOUS_TAGS = 2;

/** First-parent commits of `head` (newest first, up to 1,000), once per root and head. */
const histories = new Map<string, Promise<string[]>>();

function firstParentHistory(root: string, head: string): Promise<string[]> {
  const key = `${root}\n${head}`;
  if (!histories.has(key)) {
    histories.set(
      key,
      runGit(root, ['rev-list', '--first-parent', '--max-count=1000', head]).then(
        (r) => r.stdout.split('\n').filter(Boolean),
        () => [],
      ),
    );
  }
  return histories.get(key)!;
}

/**
 * The `--cache-from` references of `e` (see the module comment). Never throws: a registry or
 * git that does not answer gives fewer references.
 *
 * @param head the planned commit (its first-parent history orders the previous tags)
 */
export async function cacheFromReferences(run: Pick<RunContext, 'stack' | 'entries' | 'registry'>, e: PlanEntry, head: string): Promise<string[]> {
  // Parents whose tag was in the registry at plan time; one built by this run is in this engine already.
  const parents = e.parents
    .map((p) => run.entries.get(nodeKey(p, e.version)))
    .filter((p) => p?.action === 'skip')
    .map((p) => p!.reference);
  let tags: string[] = [];
  try {
    tags = await run.registry.listTags(repositoryOf(run.stack.specs.namespace, e.image));
  } catch {
    return parents;
  }
  const prefix = `${e.version}-`;
  const shas = tags.filter((t) => t !== e.tag && t.startsWith(prefix) && /^[0-9a-f]{7,40}$/.test(t.slice(prefix.length)));
  if (shas.length === 0) return parents;
  const history = await firstParentHistory(run.stack.specs.root, head);
  const position = (t: string) => history.findIndex((c) => c.startsWith(t.slice(prefix.length)));
  const previous = shas
    .map((t) => [t, position(t)] as const)
    .filter(([, i]) => i >= 0)
    .sort((a, b) => a[1] - b[1])
    .slice(0, PREVIOUS_TAGS)
    .map(([t]) => `${e.repository}:${t}`);
  return [...previous, ...parents];
}
