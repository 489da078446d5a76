/**
 * DESIGN.md promises 2, 3 and 4, checked on the pipeline's steps with recording fakes of the
 * ports (`__fixtures__/ports.ts`): FakeEngine stands for the Docker engine (DockerEngine),
 * FakeRegistry for the registry (RegistryClient), recordingGate for the manifest, checks and
 * test gates. The same promises against the real engine and registry: test/pipeline.test.ts
 * and test/gates.test.ts.
 *
 * Stack: base ← mid ← leaf, and base ← side.
 */
import { describe, expect, it } from 'vitest';
import { nodeKey } from '../tags/tag';
import { executePlan } from './execute';
import { fakeRun, fakeSetup, NAMESPACE, recordingGate, VERSION, type Journal } from './__fixtures__/ports';
import type { NodeResult } from './types';
import type { Stack } from '../graph/types';

const GRAPH = { base: [], mid: ['base'], leaf: ['mid'], side: ['base'] };
const TAG = `${VERSION}-abc1234`;

const setup = (inRegistry: string[] = []) => fakeSetup(GRAPH, inRegistry);

const byImage = (results: NodeResult[]) => new Map(results.map((r) => [r.image, r]));
const ok = (results: NodeResult[]) => results.every((r) => r.status === 'skipped' || r.status === 'built' || r.status === 'pushed');
const allGates = (journal: Journal) => [
  recordingGate('manifest', journal),
  recordingGate('checks', journal),
  recordingGate('test', journal),
];

/** Every push comes after every gate of the image and of each of its ancestors (promise 4). */
function expectGatedBeforePush(journal: Journal, stack: Stack, gates: string[]): void {
  for (const [i, line] of journal.entries()) {
    if (!line.startsWith('push ')) continue;
    const image = line.slice('push '.length);
    for (const who of [image, ...stack.ancestors(image)]) {
      for (const g of gates) {
        const at = journal.indexOf(`gate ${g} ${who}`);
        if (at === -1) continue; // an ancestor already in the registry passed its gates in an earlier run
        expect(at, `gate ${g} of ${who} before push ${image}`).toBeLessThan(i);
      }
    }
  }
}

describe('promise 2: a tag present in the registry is never pushed', () => {
  it('an entry whose tag is in the registry is neither built nor pushed', async () => {
    const { journal, stack, plan, registry, engine } = setup(['base']);
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry });
    const results = byImage(await executePlan(run, plan, { toBuild }));
    expect(results.get('base')!.status).toBe('skipped');
    expect(journal.filter((l) => l.endsWith(' base') && (l.startsWith('build') || l.startsWith('push')))).toEqual([]);
    expect(['mid', 'leaf', 'side'].map((i) => results.get(i)!.status)).toEqual(['pushed', 'pushed', 'pushed']);
  });

  it('a tag that appears in the registry during the run (another runner) is not overwritten', async () => {
    const { journal, stack, plan, registry, engine } = setup();
    // Another runner pushes mid's tag while this run builds mid.
    let theirs: string | undefined;
    registry.onHead = (repository) => {
      if (repository === `${NAMESPACE}/mid` && journal.includes('build mid') && !theirs) theirs = registry.add(`${NAMESPACE}/mid`, TAG).digest;
    };
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry });
    const results = byImage(await executePlan(run, plan, { toBuild }));
    const mid = results.get('mid')!;
    expect(journal).not.toContain('push mid');
    expect(mid.status).toBe('skipped');
    expect(mid.reason).toBe('tag appeared in the registry during the run; not overwritten');
    expect(mid.digest).toBe(theirs); // the registry's digest, not the local image ID
    expect(mid.imageId).toBeDefined();
    expect(mid.imageId).not.toBe(mid.digest);
    expect(results.get('leaf')!.status).toBe('pushed'); // its parent's tag is in the registry
  });

  it('a pushed image reports the registry digest as digest and the image ID as imageId', async () => {
    const { stack, plan, registry, engine } = setup();
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry });
    const base = byImage(await executePlan(run, plan, { toBuild })).get('base')!;
    expect(base.digest).toBe((await registry.headManifest(`${NAMESPACE}/base`, TAG))!.digest);
    expect(base.imageId).toBe(engine.local.get(base.reference)!.id);
  });
});

describe('promise 3: every stack FROM resolves', () => {
  it('a parent missing locally and in the registry is built first, and its tag passed to the child', async () => {
    const { journal, stack, plan, registry, engine } = setup();
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { images: ['leaf'] });
    expect(toBuild).toEqual([nodeKey('leaf', VERSION), nodeKey('base', VERSION), nodeKey('mid', VERSION)]);
    const results = await executePlan(run, plan, { toBuild });
    expect(journal.filter((l) => l.startsWith('build'))).toEqual(['build base', 'build mid', 'build leaf']);
    expect(results.map((r) => r.image)).toEqual(['base', 'mid', 'leaf']); // side is not needed
    const leafBuild = engine.builds.find((b) => b.labels['io.imagestack.image'] === 'leaf')!;
    expect(leafBuild.buildArgs.MID_TAG).toBe(TAG);
    expect(leafBuild.buildArgs.REGISTRY).toBe(`${stack.specs.registry}/${NAMESPACE}`);
  });

  it('a parent only in the registry is pulled before the child is built, not rebuilt', async () => {
    const { journal, stack, plan, registry, engine } = setup(['base', 'mid']);
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { images: ['leaf'] });
    await executePlan(run, plan, { toBuild });
    const pull = journal.indexOf(`pull ${plan.images.find((e) => e.image === 'mid')!.reference}`);
    expect(pull).toBeGreaterThanOrEqual(0);
    expect(pull).toBeLessThan(journal.indexOf('build leaf'));
    expect(journal.filter((l) => l.startsWith('build'))).toEqual(['build leaf']);
  });

  it('with BuildKit, a parent only in the registry is not pulled first; the child names its tag and registry digest', async () => {
    const { journal, stack, plan, registry, engine } = setup(['base', 'mid']);
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { images: ['leaf'], buildkit: true });
    await executePlan(run, plan, { toBuild });
    const mid = plan.images.find((e) => e.image === 'mid')!;
    expect(journal.filter((l) => l.startsWith('pull') || l.startsWith('build'))).toEqual(['build leaf']);
    const leafBuild = engine.builds.find((b) => b.labels['io.imagestack.image'] === 'leaf')!;
    expect(leafBuild.buildArgs.MID_TAG).toBe(TAG);
    expect(leafBuild.labels['org.opencontainers.image.base.name']).toBe(mid.reference);
    expect(leafBuild.labels['org.opencontainers.image.base.digest']).toBe(registry.manifests.get(`${NAMESPACE}/mid:${TAG}`)!.digest);
  });

  it('a parent neither local nor in the registry, and not built by this run, fails the child with what to build', async () => {
    const { journal, stack, plan, registry, engine } = setup();
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { images: ['leaf'], withAncestors: false });
    const leaf = byImage(await executePlan(run, plan, { toBuild })).get('leaf')!;
    expect(leaf.status).toBe('failed');
    expect(leaf.step).toBe('pull');
    expect(leaf.error).toContain('is neither in the engine nor in the registry; build mid first');
    expect(journal.filter((l) => l.startsWith('build'))).toEqual([]);
  });
});

describe('promise 4: push only after every gate of the image and of all its ancestors passed', () => {
  it('every push follows the gates of the image and its ancestors', async () => {
    const { journal, stack, plan, registry, engine } = setup();
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { gates: allGates(journal) });
    const results = await executePlan(run, plan, { toBuild, parallel: 3 });
    expect(ok(results)).toBe(true);
    expect(journal.filter((l) => l.startsWith('push')).sort()).toEqual(['push base', 'push leaf', 'push mid', 'push side']);
    expectGatedBeforePush(journal, stack, ['manifest', 'checks', 'test']);
  });

  it('a failed gate stops the image; its descendants are blocked, siblings go on, the run is not ok', async () => {
    const { journal, stack, plan, registry, engine } = setup();
    const gates = [recordingGate('manifest', journal), recordingGate('checks', journal, ['mid']), recordingGate('test', journal)];
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { gates });
    const list = await executePlan(run, plan, { toBuild });
    const results = byImage(list);
    expect(results.get('mid')).toMatchObject({ status: 'failed', step: 'checks' });
    expect(results.get('mid')!.gates?.checks?.ok).toBe(false);
    expect(journal).not.toContain('gate test mid'); // the first failure stops the image
    expect(results.get('leaf')).toMatchObject({ status: 'blocked', blockedBy: 'mid', reason: 'skipped: parent mid failed' });
    expect(results.get('side')!.status).toBe('pushed');
    expect(results.get('base')!.status).toBe('pushed');
    expect(journal).not.toContain('push mid');
    expect(journal).not.toContain('build leaf');
    expect(ok(list)).toBe(false);
    expectGatedBeforePush(journal, stack, ['manifest', 'checks', 'test']);
  });

  it('a failed build of the root blocks every descendant and pushes nothing', async () => {
    const { journal, stack, plan, registry, engine } = setup();
    engine.failBuild.add('base');
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { gates: allGates(journal) });
    const results = byImage(await executePlan(run, plan, { toBuild }));
    expect(results.get('base')).toMatchObject({ status: 'failed', step: 'build', logTail: ['RUN exited 1'] });
    expect(['mid', 'leaf', 'side'].map((i) => results.get(i)!.status)).toEqual(['blocked', 'blocked', 'blocked']);
    expect(journal.filter((l) => l.startsWith('push') || l.startsWith('gate'))).toEqual([]);
  });

  it('with push off, images are built and gated, nothing is pushed, and children name the parent image ID as base digest', async () => {
    const { journal, stack, plan, registry, engine } = setup();
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { push: false, gates: allGates(journal) });
    const results = byImage(await executePlan(run, plan, { toBuild }));
    expect([...results.values()].every((r) => r.status === 'built' && r.digest === undefined)).toBe(true);
    expect(journal.some((l) => l.startsWith('push'))).toBe(false);
    const mid = engine.builds.find((b) => b.labels['io.imagestack.image'] === 'mid')!;
    expect(mid.labels['org.opencontainers.image.base.digest']).toBe(results.get('base')!.imageId);
  });
});

describe('promise 4 for descriptive tags: written only after the gates of the image and its ancestors', () => {
  it('a failed gate leaves the image and its descendants without descriptive tags; passed images get theirs after their push', async () => {
    const { journal, stack, plan, registry, engine } = setup();
    // A stack-wide commit-date tagger (no container needed): the fake run's commit date is 1970-01-01.
    (stack.specs as { taggers?: unknown }).taggers = [{ name: 'date', source: { kind: 'builtIn', builtIn: 'commit-date' } }];
    const gates = [recordingGate('manifest', journal), recordingGate('checks', journal, ['mid']), recordingGate('test', journal)];
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { gates });
    const results = byImage(await executePlan(run, plan, { toBuild }));
    for (const image of ['base', 'side']) {
      const descriptive = `${VERSION}-1970-01-01-${plan.images.find((e) => e.image === image)!.sourceCommit.slice(0, 7)}`;
      expect(results.get(image)!.status).toBe('pushed');
      expect(await registry.listTags(`${NAMESPACE}/${image}`)).toEqual([TAG, descriptive]);
      // the descriptive tag is looked up (never overwritten) only after the image's own push
      expect(journal.indexOf(`head ${NAMESPACE}/${image}:${descriptive}`)).toBeGreaterThan(journal.indexOf(`push ${image}`));
    }
    for (const image of ['mid', 'leaf']) expect(await registry.listTags(`${NAMESPACE}/${image}`)).toEqual([]);
  });
});
