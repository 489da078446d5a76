/**
 * Step 6 of an image, `push`: never overwrite a tag (DESIGN.md promise 2). The registry is
 * asked right before the push (another runner may have pushed the tag during the run); after
 * the push, the registry must report the digest the engine pushed.
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
 * @throws EngineError when the push fails, or the registry then reports another digest (or none)
 */
export async function pushStep(run: RunContext, e: PlanEntry, log: StepLog): Promise<PushOutcome> {
  const repository = repositoryOf(run.stack.specs.namespace, e.image);
  const existing = await run.registry.headManifest(repository, e.tag);
  if (existing) {
    log.line(`${e.reference} appeared in the registry meanwhile (${existing.digest}); not overwriting it`);
    return { pushed: false, digest: existing.digest };
  }
  const pushed = await run.engine.push(e.reference, run.auth, log);
  const check = await run.registry.headManifest(repository, e.tag);
  if (!check || check.digest !== pushed.digest) {
    throw new EngineError(`after pushing ${e.reference}, the registry reports ${check ? check.digest : 'no manifest'} instead of ${pushed.digest}`, log.tail());
  }
  return { pushed: true, digest: pushed.digest };
}
