/**
 * Multi-platform images in the pipeline (issue 14), the decisions only, with the recording fakes
 * of `__fixtures__/ports.ts`: FakeEngine stands for the Docker engine (builds per
 * `BuildRequest.platform`, `docker save` as a small archive naming the image and its platform),
 * FakeRegistry for the registry (`pushImage` by digest, `putManifest` of the index),
 * recordingGate for the manifest, checks and test gates of each platform's image. The same on the
 * real engine (QEMU emulation) and registry: test/platforms.test.ts, "platforms in a stack".
 *
 * Stack: base ← left ← leaf, base ← right; every image for linux/amd64 and linux/arm64 on an
 * amd64 engine.
 */
import { describe, expect, it } from 'vitest';
import { executePlan } from '../execute';
import { fakeRun, fakeSetup, NAMESPACE, recordingGate, REGISTRY, VERSION, type Journal } from '../__fixtures__/ports';
import type { NodeResult } from '../types';

const GRAPH = { base: [], left: ['base'], leaf: ['left'], right: ['base'] };
const TAG = `${VERSION}-abc1234`;
const BOTH = ['linux/amd64', 'linux/arm64'];

function setup(inRegistry: string[] = []) {
  const s = fakeSetup(GRAPH, inRegistry);
  for (const e of s.plan.images) e.platforms = [...BOTH];
  return s;
}
const gates = (journal: Journal, failFor: string[] = []) => [recordingGate('manifest', journal), recordingGate('test', journal, failFor)];
const byImage = (results: NodeResult[]) => new Map(results.map((r) => [r.image, r]));

describe('multi-platform images: build, verify and publish each platform', () => {
  it('builds and gates each platform from its parent\'s image for that platform, then pushes each by digest and puts one index', async () => {
    const { journal, stack, plan, registry, engine } = setup();
    const { run, toBuild, events } = fakeRun(stack, plan, { engine, registry }, { gates: gates(journal) });
    const results = byImage(await executePlan(run, plan, { toBuild, parallel: 1 }));
    expect([...results.values()].map((r) => r.status), results.get('base')!.error).toEqual(['pushed', 'pushed', 'pushed', 'pushed']);
    expect(journal.slice(0, journal.indexOf('putindex base') + 2)).toEqual([
      'ping',
      'build base linux/amd64',
      'gate manifest base',
      'gate test base',
      'build base linux/arm64',
      'gate manifest base linux-arm64',
      'gate test base linux-arm64',
      `head ${NAMESPACE}/base:${TAG}`,
      'pushimage base linux/amd64',
      'pushimage base linux/arm64',
      `head ${NAMESPACE}/base:${TAG}`,
      'putindex base',
      `head ${NAMESPACE}/base:${TAG}`,
    ]);
    // The engine's own platform keeps the tag locally; arm64's image has a tag of its own, which the child's arm64 build gets.
    const left = engine.builds.filter((b) => b.labels['io.imagestack.image'] === 'left');
    expect(left.map((b) => [b.platform, b.reference, b.buildArgs.BASE_TAG])).toEqual([
      ['linux/amd64', `${REGISTRY}/${NAMESPACE}/left:${TAG}`, TAG],
      ['linux/arm64', `${REGISTRY}/${NAMESPACE}/left:${TAG}-linux-arm64`, `${TAG}-linux-arm64`],
    ]);
    // The index names each platform's image manifest, as pushed.
    const index = JSON.parse(registry.bytes.get(`${NAMESPACE}/left:${TAG}`)!.toString());
    expect(index.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    expect(index.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
    const r = results.get('left')!;
    expect(r.digest).toBe(registry.manifests.get(`${NAMESPACE}/left:${TAG}`)!.digest);
    expect(r.platforms!.map((p) => [p.platform, p.status, p.digest])).toEqual(index.manifests.map((m: { digest: string; platform: { architecture: string } }) => [`linux/${m.platform.architecture}`, 'pushed', m.digest]));
    // Progress names the platform.
    expect(events).toContainEqual({ type: 'step', key: `left@${VERSION}`, step: 'build', platform: 'linux/arm64' });
  });

  it('an arm64-only test failure leaves no tag for that image, blocks its children, and its sibling is published', async () => {
    const { journal, stack, plan, registry, engine } = setup();
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { gates: gates(journal, ['left linux-arm64']) });
    const results = byImage(await executePlan(run, plan, { toBuild, parallel: 1 }));
    const left = results.get('left')!;
    expect(left).toMatchObject({ status: 'failed', step: 'test' });
    expect(left.platforms!.map((p) => [p.platform, p.status])).toEqual([
      ['linux/amd64', 'passed'],
      ['linux/arm64', 'failed'],
    ]);
    expect(left.platforms![1].step).toBe('test');
    expect(journal.filter((l) => l.startsWith('pushimage left') || l === 'putindex left')).toEqual([]); // all or nothing: amd64 is not pushed either
    expect(registry.manifests.has(`${NAMESPACE}/left:${TAG}`)).toBe(false);
    expect(results.get('leaf')).toMatchObject({ status: 'blocked', blockedBy: 'left' });
    expect(results.get('right')!.status).toBe('pushed');
    expect(registry.manifests.has(`${NAMESPACE}/right:${TAG}`)).toBe(true);
  });

  it('a failed build of one platform stops the image before the next platform', async () => {
    const { journal, stack, plan, registry, engine } = setup();
    engine.failBuild.add('base linux/amd64');
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { gates: gates(journal) });
    const results = byImage(await executePlan(run, plan, { toBuild }));
    expect(results.get('base')!.platforms!.map((p) => p.status)).toEqual(['failed', 'not run']);
    expect(journal.filter((l) => l.startsWith('build'))).toEqual(['build base linux/amd64']);
    expect(['left', 'leaf', 'right'].map((i) => results.get(i)!.status)).toEqual(['blocked', 'blocked', 'blocked']);
  });

  it('re-checks the tag right before putting the index: present with every platform → skipped; lacking one → failed, never overwritten', async () => {
    for (const lacking of [false, true]) {
      const { journal, stack, plan, registry, engine } = setup();
      // Another runner puts right's tag while this run pushes right's platforms.
      registry.onHead = (repository) => {
        if (repository !== `${NAMESPACE}/right` || !journal.includes('pushimage right linux/arm64') || registry.manifests.has(`${NAMESPACE}/right:${TAG}`)) return;
        const platforms = lacking ? ['amd64'] : ['amd64', 'arm64'];
        const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: platforms.map((a) => ({ digest: `sha256:${a}`, platform: { os: 'linux', architecture: a } })) }));
        registry.manifests.set(`${NAMESPACE}/right:${TAG}`, { mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${'c'.repeat(64)}`, size: bytes.length });
        registry.bytes.set(`${NAMESPACE}/right:${TAG}`, bytes);
      };
      const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { images: ['right'] });
      const results = byImage(await executePlan(run, plan, { toBuild }));
      expect(journal).not.toContain('putindex right');
      const theirs = registry.manifests.get(`${NAMESPACE}/right:${TAG}`)!.digest;
      if (lacking) {
        expect(results.get('right')).toMatchObject({ status: 'failed', step: 'push' });
        expect(results.get('right')!.error).toContain('lacks linux/arm64; a tag is never overwritten');
      } else expect(results.get('right')).toMatchObject({ status: 'skipped', digest: theirs });
    }
  });

  it('a parent in the registry: each platform\'s image is pulled by its digest in the index and tagged for that platform', async () => {
    const { journal, stack, plan, registry, engine } = setup(['base']);
    const digests = { amd64: `sha256:${'a'.repeat(64)}`, arm64: `sha256:${'b'.repeat(64)}` };
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: Object.entries(digests).map(([a, digest]) => ({ digest, platform: { os: 'linux', architecture: a } })) }));
    await registry.putManifest(`${NAMESPACE}/base`, TAG, bytes, 'application/vnd.docker.distribution.manifest.list.v2+json');
    for (const digest of Object.values(digests)) registry.add(`${NAMESPACE}/base`, digest);
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { images: ['right'] });
    const results = byImage(await executePlan(run, plan, { toBuild }));
    expect(results.get('right')!.status).toBe('pushed');
    expect(journal.filter((l) => l.startsWith('pull'))).toEqual([
      `pull ${REGISTRY}/${NAMESPACE}/base@${digests.amd64}`,
      `pull ${REGISTRY}/${NAMESPACE}/base@${digests.arm64}`,
    ]);
    expect(engine.tags).toEqual(expect.arrayContaining([`tag ${REGISTRY}/${NAMESPACE}/base:${TAG}`, `tag ${REGISTRY}/${NAMESPACE}/base:${TAG}-linux-arm64`]));
    expect(engine.builds.map((b) => b.buildArgs.BASE_TAG)).toEqual([TAG, `${TAG}-linux-arm64`]);
  });

  it('--no-push: every platform built and gated, nothing pushed', async () => {
    const { journal, stack, plan, registry, engine } = setup();
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { push: false, gates: gates(journal) });
    const results = byImage(await executePlan(run, plan, { toBuild }));
    expect([...results.values()].map((r) => r.status)).toEqual(['built', 'built', 'built', 'built']);
    expect(results.get('leaf')!.platforms!.map((p) => p.status)).toEqual(['passed', 'passed']);
    expect(journal.filter((l) => l.startsWith('push') || l.startsWith('putindex'))).toEqual([]);
  });
});
