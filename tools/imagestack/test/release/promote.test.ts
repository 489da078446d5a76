/**
 * promote / revert / history end to end: a tiny stack built and pushed by the real
 * pipeline (real engine, real registry), plus one image whose tag is a two-platform OCI
 * index pushed by hand with the registry API; every command run as a separate CLI
 * process. The only thing not real is the injected 500 of the test proxy (see proxy.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/core/registry';
import { DOCKER_MANIFEST_LIST, OCI_INDEX } from '../../src/core/registry/media-types';
import { retag } from '../../src/core/release/retag';
import type { Promotion } from '../../src/core/release/types';
import { testEnvironment } from '../support/env';
import { Workspace, writeTinyStack, type PlanJson } from '../support/workspace';
import { pushIndex, type PushedIndex } from './index-image';
import { startRegistryProxy, type RegistryProxy } from './proxy';

const { registry } = testEnvironment();
const client = new RegistryClient({ registry, credentials: null });
const V = '2026.2';
const STABLE = `${V}-stable`;
const IMAGES = ['base', 'platforms', 'mid', 'leaf', 'side', 'multi'];

describe('promote, revert and history', () => {
  const ws = new Workspace('imagestack-release-');
  /** The plan of each commit, version 2026.2 only. */
  const plans: Record<'c1' | 'c2' | 'c3', PlanJson['images']> = { c1: [], c2: [], c3: [] };
  const commits: Record<'c1' | 'c2' | 'c3', string> = { c1: '', c2: '', c3: '' };
  let platforms: PushedIndex;
  let proxy: RegistryProxy;

  /** Digest of every planned source tag of `plan`, by image. */
  async function sourceDigests(plan: PlanJson['images']): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const e of plan) out[e.image] = (await client.headManifest(`${ws.namespace}/${e.image}`, e.tag))!.digest;
    return out;
  }
  /** Digest of every stable tag, by image (`absent` when missing). */
  async function stableDigests(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const image of IMAGES) out[image] = (await client.headManifest(`${ws.namespace}/${image}`, STABLE))?.digest ?? 'absent';
    return out;
  }
  /** Digest of every global `stable` tag, by image (`absent` when missing). */
  async function globalDigests(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const image of IMAGES) out[image] = (await client.headManifest(`${ws.namespace}/${image}`, 'stable'))?.digest ?? 'absent';
    return out;
  }
  /** Every tag of the namespace, stable tags and promotion records included. */
  async function registryState(): Promise<string[]> {
    const out: string[] = [];
    for (const image of [...IMAGES, 'imagestack-promotions']) {
      for (const tag of await client.listTags(`${ws.namespace}/${image}`)) {
        out.push(`${image}:${tag}@${(await client.headManifest(`${ws.namespace}/${image}`, tag))!.digest}`);
      }
    }
    return out.sort();
  }
  async function history(w: Workspace = ws): Promise<Promotion[]> {
    const r = await w.cli(['history', '--version', V, '--json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Promotion[];
  }
  const v2 = (p: PlanJson) => p.images.filter((e) => e.version === V);

  beforeAll(async () => {
    proxy = await startRegistryProxy(registry);
    writeTinyStack(ws, registry);
    // `platforms`: an image of the stack whose 2026.2 tag is a two-platform index pushed by
    // hand before the build (so the build finds the tag and skips it, as for any pushed tag).
    ws.write('specs.yml', `${ws.read('specs.yml')}  platforms:\n    skip: ["2026.1"]\n`);
    ws.write('images/platforms/Dockerfile', 'FROM debian:bookworm-slim\nRUN echo one platform only > /p.txt\n');
    commits.c1 = ws.commit('tiny stack with a multi-platform image');
    plans.c1 = v2(await ws.plan());
    const p = plans.c1.find((e) => e.image === 'platforms')!;
    platforms = await pushIndex(client, `${ws.namespace}/platforms`, p.tag, 'oci', ws.namespace);
    let r = await ws.cli(['build', '--parallel', '2']);
    expect(r.code, r.stdout + r.stderr).toBe(0);

    // c2: mid changes, so mid, leaf and multi get new tags (three stable tags to move).
    ws.write('images/mid/mid.txt', 'mid v2\n');
    commits.c2 = ws.commit('mid v2');
    plans.c2 = v2(await ws.plan());
    r = await ws.cli(['build', '--parallel', '2', '--version', V]);
    expect(r.code, r.stdout + r.stderr).toBe(0);

    // c3: side changes and nothing is built: its side and multi tags are missing.
    ws.write('images/side/Dockerfile', `${ws.read('images/side/Dockerfile')}RUN echo side v2 >> /side.txt\n`);
    commits.c3 = ws.commit('side v2, not built');
    plans.c3 = v2(await ws.plan());
  });

  afterAll(async () => {
    await proxy?.close();
    ws.dispose();
  });

  it('a missing source tag refuses before anything changes, listing every missing tag', async () => {
    const before = await registryState();
    const r = await ws.cli(['promote', '--version', V, '--commit', commits.c3]);
    expect(r.code, r.stderr).toBe(4);
    const missing = plans.c3.filter((e) => e.image === 'side' || e.image === 'multi').map((e) => e.reference);
    expect(missing).toHaveLength(2);
    for (const ref of missing) expect(r.stderr).toContain(ref);
    expect(r.stderr).toContain('2 of 6 source tags are not in the registry');
    expect(r.stderr).toContain('nothing was changed');
    expect(r.stderr).toContain('fix: build and push commit');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(await registryState()).toEqual(before);
    expect(Object.values(await stableDigests()).every((d) => d === 'absent')).toBe(true);
    expect(await history()).toEqual([]);
  });

  it('a dry run changes nothing', async () => {
    const before = await registryState();
    const r = await ws.cli(['promote', '--version', V, '--commit', commits.c1, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('6 of 6 stable tags would move (global `stable`: 6 of 6 would move); nothing was changed');
    expect(await registryState()).toEqual(before);
  });

  it('promote → promote → revert → promote again, digests verified at each step', async () => {
    const c1 = await sourceDigests(plans.c1);
    const c2 = await sourceDigests(plans.c2);
    expect(['mid', 'leaf', 'multi'].every((i) => c1[i] !== c2[i])).toBe(true);
    expect(['base', 'side', 'platforms'].every((i) => c1[i] === c2[i])).toBe(true);

    let r = await ws.cli(['promote', '--version', V, '--commit', commits.c1], { GITHUB_ACTOR: 'octocat' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`verified: every ${STABLE} digest equals its target's`);
    expect(r.stdout).toContain('6 of 6 stable tags moved (global `stable`: 6 of 6 moved), verified, recorded as number 1');
    expect(await stableDigests()).toEqual(c1);
    expect(await globalDigests()).toEqual(c1); // 2026.2 is the newest version: `stable` follows it

    // --tag: the tag mid got at c2 names commit c2.
    const midTag = plans.c2.find((e) => e.image === 'mid')!.tag;
    r = await ws.cli(['promote', '--version', V, '--tag', midTag, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const second = JSON.parse(r.stdout) as { status: string; promotion: Promotion };
    expect(second.status).toBe('done');
    expect(second.promotion.commit).toBe(commits.c2);
    expect(await stableDigests()).toEqual(c2);
    expect(await globalDigests()).toEqual(c2);

    // Promoting the same commit again changes and records nothing.
    r = await ws.cli(['promote', '--version', V, '--commit', commits.c2]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('nothing was changed or recorded');

    r = await ws.cli(['revert', '--version', V]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`revert of ${V} to promotion 1: 3 of 6 stable tags moved (global \`stable\`: 3 of 6 moved), verified, recorded as number 3`);
    expect(await stableDigests()).toEqual(c1);
    expect(await globalDigests()).toEqual(c1);

    r = await ws.cli(['promote', '--version', V, '--commit', commits.c2]);
    expect(r.code, r.stderr).toBe(0);
    expect(await stableDigests()).toEqual(c2);
    expect(await globalDigests()).toEqual(c2);

    const h = await history();
    expect(h[0].globalStable!.map((i) => [i.image, i.stableTag, i.previousDigest, i.digest])).toEqual(
      plans.c2.map((e) => [e.image, 'stable', c1[e.image], c2[e.image]]),
    );
    expect(h.map((p) => [p.number, p.kind, p.revertOf, p.commit])).toEqual([
      [4, 'promote', undefined, commits.c2],
      [3, 'revert', 1, commits.c1],
      [2, 'promote', undefined, commits.c2],
      [1, 'promote', undefined, commits.c1],
    ]);
    expect(h[3].by).toBe('octocat');
    expect(h[3].images.map((i) => i.previousDigest)).toEqual(plans.c1.map(() => null));
    const mid3 = h[1].images.find((i) => i.image === 'mid')!;
    expect([mid3.previousDigest, mid3.digest]).toEqual([c2.mid, c1.mid]);
    expect(h[0].images.map((i) => i.sourceTag)).toEqual(plans.c2.map((e) => e.tag));
  });

  it('a multi-platform index is retagged whole: same digest, same media type, both children there', async () => {
    const stable = await client.getManifest(`${ws.namespace}/platforms`, STABLE);
    expect(stable.descriptor.digest).toBe(platforms.index.digest);
    expect(stable.descriptor.mediaType).toBe(OCI_INDEX);
    const index = JSON.parse(stable.bytes.toString()) as { manifests: Array<{ digest: string; platform: { architecture: string } }> };
    expect(index.manifests.map((m) => [m.digest, m.platform.architecture])).toEqual([
      [platforms.children[0].digest, 'amd64'],
      [platforms.children[1].digest, 'arm64'],
    ]);
    for (const child of platforms.children) expect((await client.headManifest(`${ws.namespace}/platforms`, child.digest))?.digest).toBe(child.digest);
    const record = (await history())[0].images.find((i) => i.image === 'platforms')!;
    expect(record.mediaType).toBe(OCI_INDEX);

    // The same for a Docker manifest list, with retag() directly.
    const repo = `${ws.namespace}/platforms-docker`;
    const list = await pushIndex(client, repo, 'source', 'docker', ws.namespace);
    const d = await retag(client, repo, 'source', 'copy');
    expect(d).toEqual(list.index);
    const copy = await client.getManifest(repo, 'copy');
    expect(copy.descriptor).toEqual({ ...list.index, mediaType: DOCKER_MANIFEST_LIST });
    for (const child of list.children) expect(await client.headManifest(repo, child.digest)).toEqual(child);
  });

  it('history is readable from a fresh process in a fresh clone (a stateless runner)', async () => {
    const clone = new Workspace('imagestack-release-clone-', { from: ws });
    try {
      const h = await history(clone);
      expect(h.map((p) => p.number)).toEqual([4, 3, 2, 1]);
      const r = await clone.cli(['history', '--version', V]);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^number\s+kind\s+when \(UTC\)\s+by\s+commit\s+images changed$/);
      expect(lines[2]).toMatch(new RegExp(`^4\\s+promote\\s+\\S+Z\\s+\\S+\\s+${commits.c2.slice(0, 7)}\\s+3/6: mid, leaf, multi$`));
      expect(lines[3]).toMatch(/^3\s+revert to 1\s/);
      const other = await clone.cli(['history', '--version', '2026.1']);
      expect(other.stdout).toContain('no promotion of 2026.1 recorded');
    } finally {
      clone.dispose();
    }
  });

  it('the registry failing on the third stable-tag PUT leaves every stable tag where it was', async () => {
    const before = await stableDigests();
    const globalBefore = await globalDigests();
    const recordsBefore = (await history()).length;
    // Fail every attempt (retries included) of the PUT to the third stable tag moved;
    // PUTs to the first two (the moves, then putting them back) go through.
    const seen: string[] = [];
    proxy.fail = ({ method, path }) => {
      if (method !== 'PUT' || !path.endsWith(`/manifests/${STABLE}`)) return false;
      if (!seen.includes(path)) seen.push(path);
      return seen.indexOf(path) === 2;
    };
    const r = await ws.cli(['--registry', proxy.host, 'promote', '--version', V, '--commit', commits.c1]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain(`promotion of ${V} failed moving multi:${STABLE}`);
    expect(r.stderr).toContain('injected failure (test proxy)');
    expect(r.stderr).toMatch(new RegExp(`put back: mid:${STABLE} → sha256:`));
    expect(r.stderr).toMatch(new RegExp(`put back: leaf:${STABLE} → sha256:`));
    expect(r.stderr).toContain('every stable tag is where it was before; nothing was recorded.');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(seen).toHaveLength(3);
    const puts = proxy.log.filter((l) => l.method === 'PUT' && l.path.endsWith(`/manifests/${STABLE}`));
    expect(puts.filter((l) => !l.injected).map((l) => l.path.split('/')[3])).toEqual(['mid', 'leaf', 'leaf', 'mid']);
    expect(await stableDigests()).toEqual(before);
    expect(await globalDigests()).toEqual(globalBefore);
    expect((await history()).length).toBe(recordsBefore);
  });

  it('a first promotion failing part-way says which new stable tags it could not remove; running it again finishes it', async () => {
    // 2026.1 was never promoted: no stable tag exists. docker-registry cannot delete a tag
    // alone, and deleting by digest would delete the source tag too, so the new tags stay.
    const seen: string[] = [];
    const stable1 = '2026.1-stable';
    proxy.fail = ({ method, path }) => {
      if (method !== 'PUT' || !path.endsWith(`/manifests/${stable1}`)) return false;
      if (!seen.includes(path)) seen.push(path);
      return seen.indexOf(path) === 2;
    };
    let r = await ws.cli(['--registry', proxy.host, 'promote', '--version', '2026.1', '--commit', commits.c1]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain(`promotion of 2026.1 failed moving side:${stable1}`);
    expect(r.stderr).toMatch(new RegExp(`NOT put back: mid:${stable1} → sha256:\\S+: it did not exist before, and the registry cannot delete a tag alone`));
    expect(r.stderr).toMatch(new RegExp(`NOT put back: base:${stable1} → sha256:`));
    expect(r.stderr).toContain('some stable tags were NOT put back (listed above); nothing was recorded.');
    const plan1 = (await ws.plan(['--head', commits.c1])).images.filter((e) => e.version === '2026.1');
    for (const e of plan1) {
      const source = (await client.headManifest(`${ws.namespace}/${e.image}`, e.tag))!.digest;
      const stable = (await client.headManifest(`${ws.namespace}/${e.image}`, stable1))?.digest;
      // The source tags are all still there; only base and mid got their stable tag.
      expect(stable, e.image).toBe(['base', 'mid'].includes(e.image) ? source : undefined);
    }
    proxy.fail = undefined;
    const globalBefore = await globalDigests();
    r = await ws.cli(['--registry', proxy.host, 'promote', '--version', '2026.1', '--commit', commits.c1]);
    expect(r.code, r.stderr).toBe(0);
    // 2026.2, declared after 2026.1, has promotions: the global `stable` stays with it.
    expect(r.stdout).toContain('2 of 4 stable tags moved, verified, recorded as number 1');
    expect(await globalDigests()).toEqual(globalBefore);
  });
});
