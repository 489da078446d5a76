// Scheduler tests use fake tasks whose duration and result the test controls (the real
// steps are Docker builds; their scheduling is what is under test here).
import { describe, expect, it } from 'vitest';
import { schedule, type Task } from './scheduler';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recorder(durations: Record<string, number>, failing: string[] = []) {
  const log: string[] = [];
  let running = 0;
  let peak = 0;
  const run = async (key: string) => {
    running++;
    peak = Math.max(peak, running);
    log.push(`start ${key}`);
    await sleep(durations[key] ?? 5);
    log.push(`end ${key}`);
    running--;
    return !failing.includes(key);
  };
  return { log, run, peak: () => peak };
}

describe('schedule', () => {
  it('a task idling (waiting on another) holds no place: another task starts meanwhile, and it resumes before new ones', async () => {
    // a2 waits for a1's end (as a second version's build waits for the first's, steps/layers.ts).
    const tasks: Task[] = [
      { key: 'a1', deps: [] },
      { key: 'a2', deps: [] },
      { key: 'b', deps: [] },
      { key: 'c', deps: [] },
    ];
    const log: string[] = [];
    let a1Done!: () => void;
    const a1Ended = new Promise<void>((r) => (a1Done = r));
    let running = 0;
    let peak = 0;
    const out = await schedule(
      tasks,
      async (key, _signal, control) => {
        running++;
        peak = Math.max(peak, running);
        log.push(`start ${key}`);
        if (key === 'a2') {
          running--;
          await control.idle(a1Ended);
          running++;
          peak = Math.max(peak, running);
          log.push('resume a2');
        }
        await sleep(key === 'b' ? 30 : 10);
        if (key === 'a1') a1Done();
        log.push(`end ${key}`);
        running--;
        return true;
      },
      { concurrency: 2 },
    );
    expect([...out.values()].every((o) => o.status === 'ok')).toBe(true);
    expect(log.slice(0, 3)).toEqual(['start a1', 'start a2', 'start b']); // b took a2's place while it waited
    expect(log.indexOf('resume a2')).toBeLessThan(log.indexOf('start c')); // resumed before a new task
    expect(peak).toBe(2);
  });

  it('starts a task only after all its dependencies ended, and respects the concurrency limit', async () => {
    const tasks: Task[] = [
      { key: 'base', deps: [] },
      { key: 'python', deps: ['base'] },
      { key: 'gcc', deps: ['base'] },
      { key: 'scipy', deps: ['python'] },
      { key: 'tool', deps: ['gcc', 'python'] },
    ];
    const r = recorder({});
    const out = await schedule(tasks, r.run, { concurrency: 2 });
    for (const t of tasks) {
      expect(out.get(t.key)).toEqual({ status: 'ok' });
      for (const d of t.deps) expect(r.log.indexOf(`end ${d}`)).toBeLessThan(r.log.indexOf(`start ${t.key}`));
    }
    expect(r.peak()).toBe(2);
  });

  it('does not wait for a whole wave: a child starts as soon as its own parent is done', async () => {
    // slow and fast are both wave 0; fast-child must start before slow ends.
    const tasks: Task[] = [
      { key: 'slow', deps: [] },
      { key: 'fast', deps: [] },
      { key: 'fast-child', deps: ['fast'] },
    ];
    const r = recorder({ slow: 80, fast: 5, 'fast-child': 5 });
    await schedule(tasks, r.run, { concurrency: 3 });
    expect(r.log.indexOf('start fast-child')).toBeLessThan(r.log.indexOf('end slow'));
  });

  it('starts the ready task with the longest remaining chain first', async () => {
    const tasks: Task[] = [
      { key: 'leaf', deps: [], cost: 1 },
      { key: 'chain-1', deps: [], cost: 1 },
      { key: 'chain-2', deps: ['chain-1'], cost: 1 },
      { key: 'chain-3', deps: ['chain-2'], cost: 1 },
    ];
    const r = recorder({});
    await schedule(tasks, r.run, { concurrency: 1 });
    expect(r.log[0]).toBe('start chain-1');
  });

  it('blocks every descendant of a failed task and lets siblings finish', async () => {
    const tasks: Task[] = [
      { key: 'base', deps: [] },
      { key: 'python', deps: ['base'] },
      { key: 'scipy', deps: ['python'] },
      { key: 'gcc', deps: ['base'] },
    ];
    const r = recorder({}, ['python']);
    const out = await schedule(tasks, r.run, { concurrency: 2 });
    expect(out.get('python')).toEqual({ status: 'failed' });
    expect(out.get('scipy')).toEqual({ status: 'blocked', by: 'python' });
    expect(out.get('gcc')).toEqual({ status: 'ok' });
    expect(r.log).not.toContain('start scipy');
  });

  it('treats a rejected run as a failure', async () => {
    const out = await schedule([{ key: 'a', deps: [] }, { key: 'b', deps: ['a'] }], async () => {
      throw new Error('boom');
    }, { concurrency: 1 });
    expect(out.get('a')).toEqual({ status: 'failed' });
    expect(out.get('b')).toEqual({ status: 'blocked', by: 'a' });
  });

  it('stops starting tasks when cancelled and marks the rest cancelled', async () => {
    const ac = new AbortController();
    const tasks: Task[] = [
      { key: 'a', deps: [] },
      { key: 'b', deps: ['a'] },
    ];
    const out = await schedule(tasks, async (key, signal) => {
      if (key === 'a') {
        ac.abort();
        return !signal?.aborted;
      }
      return true;
    }, { concurrency: 1, signal: ac.signal });
    expect(out.get('a')).toEqual({ status: 'cancelled' });
    expect(out.get('b')).toEqual({ status: 'cancelled' });
  });
});
