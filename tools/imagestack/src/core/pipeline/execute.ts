/**
 * Runs the selected entries of a plan: `skip` entries are reported at once, `build` entries
 * are scheduled (an image starts once its parents in the run succeeded; a failed one blocks
 * its descendants, everything else goes on), and each runs its steps ({@link runImage}).
 * Takes the run's ports through {@link RunContext}, so unit tests drive it with fakes.
 */
import type { Plan } from '../plan/types';
import { nodeKey } from '../tags/tag';
import type { RunContext } from './context';
import { checkContexts } from './contexts';
import { baseResult, runImage } from './image';
import { schedule, type Task } from './scheduler';
import type { NodeResult } from './types';

/** Options of {@link executePlan}. */
export interface ExecuteOptions {
  /** Keys to build (needed entries whose action is `build`), in order. */
  toBuild: readonly string[];
  /** Images built at once (default 2). */
  parallel?: number;
  /** Aborting cancels running images and starts nothing new. */
  signal?: AbortSignal;
}

/**
 * Runs the needed entries of `plan` and returns their results in plan order.
 * Emits `plan`, then `step` and `done` events (see `PipelineEvent`).
 */
/**
 * @throws InputError before any image starts when a build context to be sent holds a FIFO,
 *   socket or device file (`contexts.ts`)
 * @throws EngineError before any image starts when something is to be built and the engine
 *   does not answer (an unreachable engine is not an image failure)
 */
export async function executePlan(run: RunContext, plan: Plan, opts: ExecuteOptions): Promise<NodeResult[]> {
  if (run.options.build) checkContexts(run, opts.toBuild);
  if (opts.toBuild.length) await run.engine.ping();
  const results = new Map<string, NodeResult>();
  const toBuild = new Set(opts.toBuild);
  run.emit({ type: 'plan', plan, toBuild: toBuild.size });
  for (const key of run.needed) {
    const e = run.entries.get(key)!;
    if (e.action === 'skip') {
      const r = baseResult(e, 'skipped', e.reason);
      results.set(key, r);
      run.emit({ type: 'done', key, result: r });
    }
  }

  const tasks: Task[] = opts.toBuild.map((key) => {
    const e = run.entries.get(key)!;
    return { key, deps: e.parents.map((p) => nodeKey(p, e.version)).filter((d) => toBuild.has(d)) };
  });
  const outcomes = await schedule(tasks, (key, signal, control) => runImage(run, key, signal, (r) => results.set(key, r), control), {
    concurrency: opts.parallel ?? 2,
    signal: opts.signal,
  });
  for (const [key, o] of outcomes) {
    if (o.status === 'blocked' || (o.status === 'cancelled' && !results.has(key))) {
      const e = run.entries.get(key)!;
      const blockedBy = o.status === 'blocked' ? o.by.split('@')[0] : undefined;
      const r = baseResult(e, o.status, blockedBy ? `skipped: parent ${blockedBy} failed` : 'run cancelled');
      if (blockedBy) r.blockedBy = blockedBy;
      results.set(key, r);
      run.emit({ type: 'done', key, result: r });
    }
  }
  return plan.images.map((e) => results.get(nodeKey(e.image, e.version))).filter((r): r is NodeResult => !!r);
}
