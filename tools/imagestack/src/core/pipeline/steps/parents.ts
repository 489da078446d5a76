/**
 * Step 1 of an image, `pull`: every stack parent's `FROM` resolves (DESIGN.md promise 3).
 * A parent is built in this run (already local), or local from an earlier build, or in the
 * registry (pulled); in CI matrix mode, a parent another job builds is waited for, then
 * pulled. A parent that is nowhere fails the image with a message saying what to build.
 *
 * With BuildKit (`options.buildkit`) a parent whose tag was in the registry at plan
 * time is not pulled first: BuildKit resolves the `FROM` in the registry and fetches the layers
 * the build needs there, at the same time as the layers of its cache (`--cache-from`), instead
 * of after a whole pull (issue 13, layers shared across CI runners). A parent named by another
 * spelling (`ParentRef.aliases`, tagged in the engine before the build) is still pulled.
 */
import { ParentFailedError, waitForParentTags, type ParentTag } from '../../ci/wait';
import { EngineError } from '../../errors';
import type { StepLog } from '../../engine/log';
import type { PlanEntry } from '../../plan/types';
import { repositoryOf } from '../../reference/repository';
import { nodeKey } from '../../tags/tag';
import { formatDurationText } from '../../util/duration';
import type { RunContext } from '../context';

export { ParentFailedError };

/** The outcome of {@link resolveParents}. */
export interface ResolvedParents {
  /**
   * The build args that carry the parents (`ParentRef.args`), in Dockerfile order: a tag ARG
   * (`PYTHON_TAG`, `BASE_TAG`) → the parent's tag; a reference ARG (`BASE_IMAGE`) → the
   * parent's reference `<registry>/<namespace>/<image>:<tag>`, with no `@digest`.
   */
  tagArgs: Record<string, string>;
  /**
   * The parents' other names the build needs (`ParentRef.aliases`): `<alias>:<tag>` → the
   * parent's reference, tagged in the engine before the build (see ./aliases.ts).
   */
  aliases: Map<string, string>;
}

/**
 * Makes every stack parent of `e` local (see the module comment).
 *
 * @param onWait progress while waiting for another job's parent (every 30 s), for the `step` event
 * @throws EngineError when a parent is nowhere or a pull fails; ParentFailedError when the
 *   job building a waited-for parent failed; WaitTimeoutError when it did not come in time
 */
export async function resolveParents(
  run: RunContext,
  e: PlanEntry,
  log: StepLog,
  signal: AbortSignal | undefined,
  onWait: (detail: string) => void,
): Promise<ResolvedParents> {
  const node = run.stack.images.get(e.image)!;
  const tagArgs: Record<string, string> = {};
  const aliases = new Map<string, string>();
  const waitFor: ParentTag[] = [];
  for (const p of node.parents) {
    const parentKey = nodeKey(p.image, e.version);
    const parent = run.entries.get(parentKey)!;
    for (const arg of p.args) tagArgs[arg.name] = arg.value === 'tag' ? parent.tag : parent.reference;
    for (const alias of p.aliases) aliases.set(`${alias}:${parent.tag}`, parent.reference);
    if (run.built.has(parentKey)) continue; // built in this run
    if (run.options.buildkit && parent.action === 'skip' && p.aliases.length === 0 && !(await run.engine.inspectImage(parent.reference))) {
      log.line(`${parent.reference} is in the registry: BuildKit takes its layers from there as the build needs them (not pulled first)`);
      continue;
    }
    if (parent.action === 'build' && !run.needed.has(parentKey) && !(await run.engine.inspectImage(parent.reference))) {
      if (run.options.waitForParents) {
        const repository = repositoryOf(run.stack.specs.namespace, p.image);
        waitFor.push({ image: p.image, version: e.version, repository, tag: parent.tag, reference: parent.reference });
        continue;
      }
      throw new EngineError(
        `parent ${parent.reference} is neither in the engine nor in the registry; build ${p.image} first (or run without restricting to ${e.image})`,
      );
    }
    await run.engine.ensureLocal(parent.reference, run.auth, log, signal);
  }
  if (waitFor.length) {
    await waitForParents(run, waitFor, log, signal, onWait);
    for (const p of waitFor) await run.engine.ensureLocal(p.reference, run.auth, log, signal);
  }
  return { tagArgs, aliases };
}

/** Waits for parent tags another CI job pushes (matrix mode), with progress every 30 s. */
export async function waitForParents(run: RunContext, parents: ParentTag[], log: StepLog, signal: AbortSignal | undefined, onWait: (detail: string) => void): Promise<void> {
  const w = run.options.waitForParents!;
  let shown = -Infinity;
  for (const p of parents) log.line(`waiting up to ${formatDurationText(w.timeoutMs)} for ${p.reference} (built by another job)`);
  await waitForParentTags(run.registry, parents, {
    timeoutMs: w.timeoutMs,
    pollMs: w.pollMs,
    namespace: run.stack.specs.namespace,
    runId: run.options.runId,
    signal,
    onProgress: (missing, waited) => {
      if (waited - shown < 30_000) return;
      shown = waited;
      const detail = `waiting for ${missing.map((p) => p.image).join(', ')} (${formatDurationText(waited)} of ${formatDurationText(w.timeoutMs)})`;
      log.line(detail);
      onWait(detail);
    },
  });
  for (const p of parents) log.line(`${p.reference} is in the registry`);
}
