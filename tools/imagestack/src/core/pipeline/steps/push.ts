/**
 * Step 6 of an image, `push`: never overwrite a tag (DESIGN.md promise 2). The registry is
 * asked right before the push, as the last thing before it (another runner may have pushed
 * the tag during the run); after the push, the registry must report the digest the engine
 * pushed. The check and the push are not atomic (the distribution API has no conditional
 * PUT): a concurrent push that lands in between is detected by the second check and reported.
 */
import { EngineError } from '../../errors';
import type { StepLog } from '../../engine/log';
import type { PlanEntry } from '../../plan/types';
import { repositoryOf } from '../../reference/repository';
import type { RunContext } from '../context';

/** The outcome of {@link pushStep}: the registry digest of the tag, pushed or found. */
export type PushOutcome = { pushed: true; digest: string } | { pushed: false; digest: string };

/**
 * Pushes `e.reference` unless its tag is in the registry already.
 *
 * @param signal aborting ends the push at once (Ctrl-C during a push a registry never answers)
 * @throws EngineError when the push fails or is aborted, or the registry then reports another digest (or none)
 */
export async function pushStep(run: RunContext, e: PlanEntry, log: StepLog, signal?: AbortSignal): Promise<PushOutcome> {
  const repository = repositoryOf(run.stack.specs.namespace, e.image);
  const existing = await run.registry.headManifest(repository, e.tag);
  if (existing) {
    log.line(`${e.reference} appeared in the registry meanwhile (${existing.digest}); not overwriting it`);
    return { pushed: false, digest: existing.digest };
  }
  const pushed = await run.engine.push(e.reference, run.auth, log, signal);
  const check = await run.registry.headManifest(repository, e.tag);
  if (!check || check.digest !== pushed.digest) {
    // The registry API has no conditional write: a concurrent run at the same commit can put
    // the same tag between our check above and our push's manifest PUT (see the README,
    // "Two runs at one commit"). Then the last PUT wins; both are builds of the same inputs.
    const race = check
      ? `: another run pushed ${e.tag} between this run's check and its push (the registry has no conditional write; the tag now names that run's build of the same inputs)`
      : '';
    throw new EngineError(`after pushing ${e.reference}, the registry reports ${check ? check.digest : 'no manifest'} instead of ${pushed.digest}${race}`, log.tail());
  }
  return { pushed: true, digest: pushed.digest };
}
