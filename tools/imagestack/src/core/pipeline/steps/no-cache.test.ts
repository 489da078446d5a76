/**
 * `noCache` (refresh --packages): a forced, unpushed run with `noCache` asks the builder for a
 * build without layer cache, for every image it builds; a run without it never does. The
 * engine and registry are the recording fakes of `__fixtures__/ports.ts` (they stand for the
 * Docker engine's build endpoint and the registry's HEAD/PUT); test/refresh-packages.test.ts
 * rebuilds a real image so.
 */
import { describe, expect, it } from 'vitest';
import { executePlan } from '../execute';
import { fakeRun, fakeSetup } from '../__fixtures__/ports';

describe('noCache', () => {
  it('a forced run with noCache rebuilds the tag already in the registry without cache, under the forced tag, and pushes nothing', async () => {
    const { journal, stack, plan, registry, engine } = fakeSetup({ base: [], mid: ['base'] }, ['base', 'mid']);
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { images: ['base'], withAncestors: false, force: true, push: false, noCache: true });
    const results = await executePlan(run, plan, { toBuild });
    expect(engine.builds.map((b) => [b.reference.split('/').pop(), b.noCache])).toEqual([[expect.stringMatching(/^base:.*\.force-/), true]]);
    expect(results.find((r) => r.image === 'base')!.status).toBe('built');
    expect(journal.filter((l) => l.startsWith('push'))).toEqual([]);
  });

  it('without noCache the build request has none', async () => {
    const { stack, plan, registry, engine } = fakeSetup({ base: [] });
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry });
    await executePlan(run, plan, { toBuild });
    expect(engine.builds.map((b) => b.noCache)).toEqual([undefined]);
  });
});
