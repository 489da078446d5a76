/**
 * Faults around the images (issue 11): an engine that does not answer stops the run before
 * any image starts; a build that lost its tag to a concurrent run is removed (promise 7);
 * the registry is asked again right before a push, and a push racing another run's is named.
 * FakeEngine stands for the Docker engine (DockerEngine), FakeRegistry for the registry
 * (RegistryClient); the real engine: test/faults.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { EngineError, InputError } from '../errors';
import { executePlan } from './execute';
import { fakeRun, fakeSetup, NAMESPACE, recordingGate, VERSION } from './__fixtures__/ports';

const GRAPH = { base: [], mid: ['base'], leaf: ['mid'] };
const TAG = `${VERSION}-abc1234`;

const setup = (inRegistry: string[] = []) => fakeSetup(GRAPH, inRegistry);

describe('an engine that does not answer', () => {
  it('stops the run before any image starts, with an EngineError (exit 5), no image reported', async () => {
    const { journal, stack, plan, registry, engine } = setup(['base']);
    engine.unreachable = true;
    const { run, toBuild, events } = fakeRun(stack, plan, { engine, registry });
    await expect(executePlan(run, plan, { toBuild })).rejects.toThrow(EngineError);
    await expect(executePlan(run, plan, { toBuild })).rejects.toThrow(/does not answer at unix:\/\/\/var\/run\/docker\.sock/);
    expect(events.filter((e) => e.type === 'done' || e.type === 'step')).toEqual([]);
    expect(journal.filter((l) => l !== 'ping')).toEqual([]);
  });

  it('is not asked when nothing is to be built', async () => {
    const { journal, stack, plan, registry, engine } = setup(['base', 'mid', 'leaf']);
    engine.unreachable = true;
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry });
    const results = await executePlan(run, plan, { toBuild });
    expect(results.map((r) => r.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(journal).not.toContain('ping');
  });
});

describe('a build that lost its tag to a concurrent run at the same commit (promise 7)', () => {
  it('is removed by image ID; the image now under the tag, the parents and the other images stay', async () => {
    const { journal, stack, plan, registry, engine } = setup();
    // The other run builds mid too, tags its own image with the same reference after ours,
    // and pushes the tag before our push step asks the registry.
    let ours: string | undefined;
    engine.onBuilt = (req, id) => {
      if (req.labels['io.imagestack.image'] !== 'mid') return;
      ours = id;
      engine.local.set(req.reference, { id: 'sha256:theirs', labels: req.labels, repoDigests: [] });
      registry.add(`${NAMESPACE}/mid`, TAG);
    };
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry });
    const results = await executePlan(run, plan, { toBuild });
    expect(results.find((r) => r.image === 'mid')).toMatchObject({ status: 'skipped', imageId: ours });
    expect(journal.filter((l) => l.startsWith('remove'))).toEqual([`remove ${ours}`]);
    expect(results.find((r) => r.image === 'leaf')!.status).toBe('pushed');
  });

  it('a build that keeps its tag (a failed gate, a cancel after the build) is not removed', async () => {
    const { journal, stack, plan, registry, engine } = setup();
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { gates: [recordingGate('checks', journal, ['mid'])] });
    const results = await executePlan(run, plan, { toBuild });
    expect(results.find((r) => r.image === 'mid')!.status).toBe('failed');
    expect(journal.filter((l) => l.startsWith('remove'))).toEqual([]);
  });
});

describe('two runs at one commit: the check before the push (README, "Two runs at one commit")', () => {
  it('the registry is asked for the tag after every gate, as the last thing before the push', async () => {
    const { journal, stack, plan, registry, engine } = setup();
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { gates: [recordingGate('test', journal)] });
    await executePlan(run, plan, { toBuild });
    for (const image of ['base', 'mid', 'leaf']) {
      const push = journal.indexOf(`push ${image}`);
      expect(journal[push - 1]).toBe(`head ${NAMESPACE}/${image}:${TAG}`);
      expect(journal.indexOf(`gate test ${image}`)).toBeLessThan(push - 1);
    }
  });

  it('a push that races another run inside that window is reported as such, not as a plain mismatch', async () => {
    const { journal, stack, plan, registry, engine } = setup();
    // The other run's manifest PUT lands after ours: the check after the push sees its digest.
    registry.onHead = (repository) => {
      if (repository === `${NAMESPACE}/mid` && journal.includes('push mid')) {
        registry.manifests.set(`${NAMESPACE}/mid:${TAG}`, { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'f'.repeat(64)}`, size: 2 });
      }
    };
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry });
    const mid = (await executePlan(run, plan, { toBuild })).find((r) => r.image === 'mid')!;
    expect(mid.status).toBe('failed');
    expect(mid.error).toContain(`another run pushed ${TAG} between this run's check and its push`);
  });
});

describe('a FIFO in a build context (issue 11, fault probes; promise 6)', () => {
  it('is refused before any image starts, named relative to the workspace root, nothing built or pushed', async () => {
    const { journal, stack, plan, registry, engine } = setup(['base']);
    // A real FIFO in mid's real context folder; the engine and registry are fakes.
    const context = path.join(stack.specs.root, 'images/mid');
    mkdirSync(path.join(context, 'run'), { recursive: true });
    writeFileSync(path.join(context, 'Dockerfile'), 'FROM scratch\n');
    execFileSync('mkfifo', [path.join(context, 'run/pipe')]);
    const { run, toBuild, events } = fakeRun(stack, plan, { engine, registry });
    const err = await executePlan(run, plan, { toBuild }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems).toEqual([
      {
        file: 'images/mid/run/pipe',
        message: 'a FIFO (named pipe) in the build context of image mid: the engine cannot receive it, so the build would fail',
        fix: 'remove it, or add the line "run/pipe" to images/mid/.dockerignore',
      },
    ]);
    expect(journal.filter((l) => l.startsWith('build') || l.startsWith('push'))).toEqual([]);
    expect(events.filter((e) => e.type === 'done' || e.type === 'step')).toEqual([]);
  });
});
