/**
 * Runs a DAG of tasks: each task starts as soon as every task it depends on has finished
 * successfully, with at most `concurrency` running at once (not wave by wave). Among ready
 * tasks, the one with the longest remaining chain of dependents (by estimated duration)
 * starts first — the critical-path list-scheduling heuristic (Graham 1969; Hu 1961), which
 * keeps wall time close to max(critical path, total work ÷ concurrency).
 *
 * A failed task's transitive dependents are not started (`blocked`), everything else goes
 * on; cancellation stops new starts and marks the rest `cancelled`.
 */

/** A unit of work and the tasks it waits for. */
export interface Task {
  key: string;
  /** Keys of tasks that must succeed first; keys outside the task list are ignored. */
  deps: readonly string[];
  /** Estimated duration (any unit; default 1), used only for ordering ready tasks. */
  cost?: number;
}

/** How a task ended. `blocked` names the failed dependency; `cancelled` means never started or aborted. */
export type TaskOutcome =
  | { status: 'ok' }
  | { status: 'failed' }
  | { status: 'blocked'; by: string }
  | { status: 'cancelled' };

/** What a running task may do besides finishing. */
export interface TaskControl {
  /**
   * Waits for `until` without holding a place of the concurrency limit: another task may start
   * meanwhile, and this one resumes (before any new task starts) once a place is free. For a
   * task that waits on another (a build queued behind another version's, steps/layers.ts).
   * Rejects as `until` does, after the place is taken back.
   */
  idle<T>(until: Promise<T>): Promise<T>;
}

/** Options of {@link schedule}. */
export interface ScheduleOptions {
  /** Maximum tasks running at once, at least 1. */
  concurrency: number;
  /** Aborting stops starting tasks; running ones get the signal through `run`. */
  signal?: AbortSignal;
}

/**
 * Runs every task.
 *
 * @param run does the work; resolves true for success, false (or a rejection) for failure
 * @returns the outcome of every task, by key
 * @throws Error when the tasks contain a cycle (the stack graph has been validated before, so this is a bug)
 */
export async function schedule(
  tasks: readonly Task[],
  run: (key: string, signal: AbortSignal | undefined, control: TaskControl) => Promise<boolean>,
  opts: ScheduleOptions,
): Promise<Map<string, TaskOutcome>> {
  const byKey = new Map(tasks.map((t) => [t.key, t]));
  const deps = new Map<string, string[]>();
  const dependents = new Map<string, string[]>();
  for (const t of tasks) {
    const own = [...new Set(t.deps)].filter((d) => byKey.has(d));
    deps.set(t.key, own);
    for (const d of own) (dependents.get(d) ?? dependents.set(d, []).get(d)!).push(t.key);
  }
  const rank = rankByRemainingPath(tasks, dependents);
  const order = new Map(tasks.map((t, i) => [t.key, i]));
  const waiting = new Map(tasks.map((t) => [t.key, deps.get(t.key)!.length]));
  const outcomes = new Map<string, TaskOutcome>();
  const ready: string[] = tasks.filter((t) => waiting.get(t.key) === 0).map((t) => t.key);
  let running = 0;
  /** Tasks in {@link TaskControl.idle}, holding no place; and those whose wait ended, to resume first. */
  let idling = 0;
  const resumers: Array<() => void> = [];
  let pump = () => {};
  const control: TaskControl = {
    async idle<T>(until: Promise<T>): Promise<T> {
      running--;
      idling++;
      pump();
      try {
        return await until;
      } finally {
        await new Promise<void>((resume) => {
          resumers.push(resume);
          pump();
        });
      }
    },
  };

  const block = (failed: string) => {
    // After a cancellation, what never started is cancelled, not blocked by a failure.
    const outcome: TaskOutcome = opts.signal?.aborted ? { status: 'cancelled' } : { status: 'blocked', by: failed };
    const stack = [...(dependents.get(failed) ?? [])];
    while (stack.length) {
      const k = stack.pop()!;
      if (outcomes.has(k)) continue;
      outcomes.set(k, outcome);
      stack.push(...(dependents.get(k) ?? []));
    }
  };

  await new Promise<void>((resolveAll) => {
    pump = () => {
      while (running < Math.max(1, opts.concurrency) && resumers.length) {
        running++;
        idling--;
        resumers.shift()!();
      }
      if (opts.signal?.aborted) ready.length = 0;
      ready.sort((a, b) => rank.get(b)! - rank.get(a)! || order.get(a)! - order.get(b)!);
      while (running < Math.max(1, opts.concurrency) && ready.length) {
        const key = ready.shift()!;
        if (outcomes.has(key)) continue;
        running++;
        run(key, opts.signal, control)
          .then((ok) => ok, () => false)
          .then((ok) => {
            running--;
            if (opts.signal?.aborted && !ok) outcomes.set(key, { status: 'cancelled' });
            else outcomes.set(key, { status: ok ? 'ok' : 'failed' });
            if (ok) {
              for (const d of dependents.get(key) ?? []) {
                const left = waiting.get(d)! - 1;
                waiting.set(d, left);
                if (left === 0 && !outcomes.has(d)) ready.push(d);
              }
            } else {
              block(key);
            }
            pump();
          });
      }
      if (running === 0 && idling === 0) resolveAll();
    };
    pump();
  });

  for (const t of tasks) if (!outcomes.has(t.key)) outcomes.set(t.key, { status: 'cancelled' });
  if (!opts.signal?.aborted && [...outcomes.values()].some((o) => o.status === 'cancelled')) {
    throw new Error('internal: the task graph has a cycle');
  }
  return outcomes;
}

/** Length (sum of costs) of the longest chain from each task through its dependents. */
function rankByRemainingPath(tasks: readonly Task[], dependents: Map<string, string[]>): Map<string, number> {
  const cost = new Map(tasks.map((t) => [t.key, t.cost ?? 1]));
  const rank = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (k: string): number => {
    const known = rank.get(k);
    if (known !== undefined) return known;
    if (visiting.has(k)) return 0; // cycle: reported by schedule()
    visiting.add(k);
    const below = Math.max(0, ...(dependents.get(k) ?? []).map(visit));
    visiting.delete(k);
    rank.set(k, cost.get(k)! + below);
    return rank.get(k)!;
  };
  for (const t of tasks) visit(t.key);
  return rank;
}
