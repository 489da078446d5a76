/**
 * A multi-platform image split across CI matrix jobs (issue 14): platform jobs (`--platform`)
 * and the publish job (`--publish-index`), the decisions only. The fakes of
 * `__fixtures__/ports.ts`: FakeEngine stands for the Docker engine (builds per platform, `docker
 * save`), FakeRegistry for the registry (pushes by digest, manifests, and here the image config
 * of each pushed digest, saying the platform it was built for); recordingGate for the gates.
 * Each job is its own run over the same fake registry, as the jobs share only the registry.
 * The same on the real engine and registry, as separate CLI processes on two private engines:
 * test/ci-matrix.test.ts, "platform dimension".
 */
import { describe, expect, it } from 'vitest';
import { writeFailureMarker } from '../../ci/markers';
import { readPlatformRecord } from '../../ci/platform-records';
import { InputError } from '../../errors';
import type { PushedImage } from '../../registry/push-image';
import { executePlan } from '../execute';
import { FakeEngine, fakeRun, fakeSetup, FakeRegistry, NAMESPACE, recordingGate, VERSION, type Journal } from '../__fixtures__/ports';
import type { RunContext } from '../context';
import type { NodeResult } from '../types';
import { applyJobOptions } from './job-selection';

const TAG = `${VERSION}-abc1234`;
const BOTH = ['linux/amd64', 'linux/arm64'];
const RUN = '42-1';

/** FakeRegistry that also answers `getImageConfig` for what it was pushed: the platform the archive said (or `lie` for a digest). */
class ConfigRegistry extends FakeRegistry {
  readonly platformOf = new Map<string, string>();
  override async pushImage(repository: string, archive: NodeJS.ReadableStream): Promise<PushedImage> {
    const p = await super.pushImage(repository, archive);
    this.platformOf.set(p.descriptor.digest, p.platform);
    return p;
  }
  override getImageConfig(_repository: string, reference: string): never {
    const [os, architecture] = (this.platformOf.get(reference) ?? 'unknown/unknown').split('/');
    return Promise.resolve({ digest: 'sha256:c', manifestDigest: reference, config: { os, architecture } }) as never;
  }
}

function setup() {
  const s = fakeSetup({ base: [], left: ['base'] });
  for (const e of s.plan.images) e.platforms = [...BOTH];
  const registry = new ConfigRegistry(s.journal);
  (s.engine as unknown as { registry: FakeRegistry }).registry = registry;
  return { ...s, registry };
}

/** One CI job: a run of `image` alone with the job's options, over the shared registry. */
async function job(
  s: ReturnType<typeof setup>,
  image: string,
  o: { platform?: string; publishIndex?: boolean; runId?: string },
  engine: FakeEngine = s.engine,
): Promise<{ result: NodeResult; run: RunContext }> {
  const gates = [recordingGate('manifest', s.journal), recordingGate('test', s.journal)];
  const { run, toBuild } = fakeRun(s.stack, s.plan, { engine, registry: s.registry }, {
    images: [image],
    withAncestors: false,
    gates,
    runId: o.runId ?? RUN,
    waitForParents: { timeoutMs: 0 },
    ...(o.platform ? { platformJob: o.platform } : {}),
    ...(o.publishIndex ? { publishJob: true } : {}),
  });
  applyJobOptions({ selected: new Set([`${image}@${VERSION}`]), needed: run.needed, entries: run.entries, toBuild }, { ...o, runId: o.runId ?? RUN, push: true });
  const [result] = (await executePlan(run, s.plan, { toBuild })).filter((r) => r.image === image);
  return { result, run };
}

const after = (journal: Journal, from: number) => journal.slice(from).filter((l) => !l.startsWith('head') && l !== 'ping');

describe('CI platform jobs and publish job', () => {
  it('a platform job builds, gates and pushes by digest only its platform, and records the digest; no tag', async () => {
    const s = setup();
    const { result } = await job(s, 'base', { platform: 'linux/arm64' });
    expect(after(s.journal, 0)).toEqual(['build base linux/arm64', 'gate manifest base linux-arm64', 'gate test base linux-arm64', 'pushimage base linux/arm64', 'putindex imagestack-runs']);
    expect(result).toMatchObject({ status: 'pushed' });
    expect(result.platforms!.map((p) => [p.platform, p.status])).toEqual([['linux/arm64', 'pushed']]);
    const record = await readPlatformRecord(s.registry, NAMESPACE, RUN, 'base', VERSION, 'linux/arm64');
    expect(record).toMatchObject({ tag: TAG, digest: result.digest });
    expect(s.registry.manifests.has(`${NAMESPACE}/base:${TAG}`)).toBe(false);
  });

  it('the publish job checks each recorded digest, then puts one index of every platform under the tag; children build on it', async () => {
    const s = setup();
    const arm = (await job(s, 'base', { platform: 'linux/arm64' })).result;
    const amd = (await job(s, 'base', { platform: 'linux/amd64' })).result;
    const mark = s.journal.length;
    const { result } = await job(s, 'base', { publishIndex: true });
    expect(after(s.journal, mark)).toEqual(['putindex base']); // built nothing, pushed no image, wrote no record
    expect(result).toMatchObject({ status: 'pushed', digest: s.registry.manifests.get(`${NAMESPACE}/base:${TAG}`)!.digest });
    const index = JSON.parse(s.registry.bytes.get(`${NAMESPACE}/base:${TAG}`)!.toString());
    expect(index.manifests.map((m: { digest: string; platform: { architecture: string } }) => [m.platform.architecture, m.digest])).toEqual([
      ['amd64', amd.digest],
      ['arm64', arm.digest],
    ]);
    expect(result.platforms!.map((p) => [p.platform, p.status, p.digest])).toEqual([
      ['linux/amd64', 'pushed', amd.digest],
      ['linux/arm64', 'pushed', arm.digest],
    ]);
    // left's arm64 job, on a fresh runner, pulls base's arm64 image by its digest in the index.
    const m2 = s.journal.length;
    expect((await job(s, 'left', { platform: 'linux/arm64' }, new FakeEngine(s.journal, s.registry))).result.status).toBe('pushed');
    expect(after(s.journal, m2)[0]).toBe(`pull reg.test:5000/${NAMESPACE}/base@${arm.digest}`);
    // A second publish job (a re-run) finds the tag complete: nothing put.
    const again = await job(s, 'base', { publishIndex: true });
    expect(again.result.status).toBe('skipped');
  });

  it('a failed platform job: the publish job stops at once on its marker, puts nothing, and is blocked', async () => {
    const s = setup();
    await job(s, 'base', { platform: 'linux/amd64' });
    await writeFailureMarker(s.registry, NAMESPACE, { runId: RUN, image: 'base', version: VERSION, tag: TAG, status: 'failed', reason: 'test failed: exit 1', createdAt: '' });
    const { result } = await job(s, 'base', { publishIndex: true });
    expect(result).toMatchObject({ status: 'blocked', reason: 'skipped: a platform job of base 1 failed: test failed: exit 1; no index is put under 1-abc1234' });
    expect(s.journal).not.toContain('putindex base');
  });

  it('the publish job refuses a recorded digest whose config says another platform, and a digest not in the repository', async () => {
    const s = setup();
    const arm = (await job(s, 'base', { platform: 'linux/arm64' })).result;
    await job(s, 'base', { platform: 'linux/amd64' });
    s.registry.platformOf.set(arm.digest!, 'linux/amd64');
    const { result } = await job(s, 'base', { publishIndex: true });
    expect(result).toMatchObject({ status: 'failed', step: 'push' });
    expect(result.error).toContain(`the linux/arm64 job of base 1 recorded ${arm.digest}, whose config says linux/amd64; nothing was put under ${TAG}`);
    s.registry.manifests.delete(`${NAMESPACE}/base:${arm.digest}`);
    expect((await job(s, 'base', { publishIndex: true })).result.error).toContain(`recorded ${arm.digest}, which is not in ${NAMESPACE}/base`);
    expect(s.journal).not.toContain('putindex base');
  });

  it('the publish job never overwrites a tag whose index lacks a platform (promise 2)', async () => {
    const s = setup();
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ digest: `sha256:${'a'.repeat(64)}`, platform: { os: 'linux', architecture: 'amd64' } }] }));
    await s.registry.putManifest(`${NAMESPACE}/base`, TAG, bytes, 'application/vnd.oci.image.index.v1+json');
    const before = s.registry.manifests.get(`${NAMESPACE}/base:${TAG}`)!.digest;
    const { result } = await job(s, 'base', { publishIndex: true });
    expect(result.status).toBe('failed');
    expect(result.error).toContain('lacks linux/arm64; a tag is never overwritten');
    expect(s.registry.manifests.get(`${NAMESPACE}/base:${TAG}`)!.digest).toBe(before);
  });
});

describe('applyJobOptions: bad input, before anything is built', () => {
  const selection = (platforms: string[]) => {
    const s = fakeSetup({ base: [] });
    s.plan.images[0].platforms = platforms;
    const { run, toBuild } = fakeRun(s.stack, s.plan, { engine: s.engine, registry: s.registry });
    return { selected: new Set([`base@${VERSION}`]), needed: run.needed, entries: run.entries, toBuild };
  };
  const problem = (f: () => void) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as InputError).problems[0];
    }
    throw new Error('no error');
  };

  it('narrows a platform job to its platform', () => {
    const sel = selection(BOTH);
    applyJobOptions(sel, { platform: 'linux/arm64', runId: RUN, push: true });
    expect(sel.entries.get(`base@${VERSION}`)!.platforms).toEqual(['linux/arm64']);
  });

  it.each([
    [{ platform: 'linux/riscv64', runId: RUN, push: true }, BOTH, 'image "base" is not built for linux/riscv64 at version 1 (its platforms: linux/amd64, linux/arm64)'],
    [{ platform: 'linux/arm64', runId: RUN, push: true }, [], 'image "base" is not built for linux/arm64 at version 1 (it declares no platforms)'],
    [{ platform: 'linux/arm64', push: true }, BOTH, '--platform needs a run id'],
    [{ publishIndex: true, runId: RUN, push: true }, [], 'image "base" declares no platforms: its one job builds and pushes its tag'],
    [{ publishIndex: true, runId: RUN, push: false }, BOTH, '--publish-index puts the index under the tag: it cannot run with --no-push'],
    [{ publishIndex: true, platform: 'linux/arm64', runId: RUN, push: true }, BOTH, '--platform and --publish-index are two different CI jobs'],
    [{ platform: 'linux/arm64', runId: RUN, push: true, force: true }, BOTH, '--platform cannot run with --force'],
  ])('refuses %j for an image of %j', (o, platforms, message) => {
    expect(problem(() => applyJobOptions(selection(platforms), o)).message).toContain(message);
  });
});
