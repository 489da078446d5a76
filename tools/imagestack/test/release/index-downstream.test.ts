/**
 * What comes after a multi-platform publish, on real image indexes (issue 14 part 6): each tag
 * of the multi-platform fixture stack is an index made the way the pipeline makes one, with
 * `pushImage` (each platform's image by digest, from `docker save` of the per-platform debian
 * base of tools/engine/up.sh --platforms, every layer cross-mounted) and `putImageIndex`; then
 * the real CLI: promote and revert move each index whole, stamp writes the index digest, audit
 * reads an index without failing and gives its platforms. Real engine, real registry.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '../../src/core/engine/docker-engine';
import { DOCKER_MANIFEST_LIST, indexPlatforms, putImageIndex, RegistryClient, type PushedImage } from '../../src/core/registry';
import { testEnvironment } from '../support/env';
import { fixtureWorkspace, type PlanJson, type Workspace } from '../support/workspace';
import { docker } from '../registry/support';

const UP = path.resolve(__dirname, '../../../engine/up.sh');
const BASE_REPOSITORY = 'imagestack-base/debian';
const V = '1';

describe('promote, revert, stamp and audit on tags that are image indexes', () => {
  let registry: string;
  let client: RegistryClient;
  let ws: Workspace;
  const out = mkdtempSync(path.join(os.tmpdir(), 'imagestack-index-stamp-'));
  /** Each platform's local base image, by architecture. */
  const bases: Record<string, string> = {};
  /** The index put under each image's tag, per commit. */
  const indexes: Record<'c1' | 'c2', Record<string, string>> = { c1: {}, c2: {} };
  const commits: Record<'c1' | 'c2', string> = { c1: '', c2: '' };
  const children: Record<string, PushedImage> = {};

  /** Puts an index under every image's tag of `plan`: both platforms (order by `order`), or amd64 alone where the image asks for it alone. */
  async function publish(plan: PlanJson['images'], order: string[]): Promise<Record<string, string>> {
    const engine = new DockerEngine(new Docker());
    const got: Record<string, string> = {};
    for (const e of plan) {
      const repository = `${ws.namespace}/${e.image}`;
      const manifests = [];
      for (const architecture of order) {
        if (!(e as { platforms?: string[] }).platforms?.includes(`linux/${architecture}`)) continue;
        const pushed = await client.pushImage(repository, await engine.saveImage(bases[architecture]), { mountFrom: [`${BASE_REPOSITORY}:bookworm-slim`] });
        expect(pushed.layers.sent).toBe(0); // every layer mounted from the base repository (or already there)
        children[`${e.image} ${architecture}`] = pushed;
        manifests.push({ platform: pushed.platform, descriptor: pushed.descriptor });
      }
      got[e.image] = (await putImageIndex(client, repository, e.tag, manifests)).digest;
    }
    return got;
  }

  beforeAll(async () => {
    registry = testEnvironment().registry;
    execFileSync('bash', [UP, '--platforms', 'linux/amd64,linux/arm64'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20 * 60_000 });
    client = new RegistryClient({ registry, credentials: null });
    const { bytes } = await client.getManifest(BASE_REPOSITORY, 'bookworm-slim');
    for (const m of JSON.parse(bytes.toString()).manifests as Array<{ digest: string; platform: { architecture: string } }>) {
      if (m.platform.architecture !== 'amd64' && m.platform.architecture !== 'arm64') continue;
      bases[m.platform.architecture] = `${registry}/${BASE_REPOSITORY}@${m.digest}`;
      docker(['pull', bases[m.platform.architecture]]);
    }
    ws = fixtureWorkspace('multi-platform', registry, 'imagestack-index-downstream-');
    commits.c1 = ws.git('rev-parse', 'HEAD');
    indexes.c1 = await publish((await ws.plan()).images, ['amd64', 'arm64']);
    // c2: every tag changes (base's context, hence its children's); the indexes list arm64 first,
    // so their digests differ from c1's while naming the same images.
    ws.write('images/base/changed.txt', 'c2\n');
    commits.c2 = ws.commit('base changes');
    indexes.c2 = await publish((await ws.plan()).images, ['arm64', 'amd64']);
  }, 20 * 60_000);

  afterAll(() => {
    ws?.dispose();
    rmSync(out, { recursive: true, force: true });
  });

  /** The digest of every `<V>-stable` tag, by image. */
  async function stable(): Promise<Record<string, string>> {
    const got: Record<string, string> = {};
    for (const image of ['base', 'left', 'right']) got[image] = (await client.headManifest(`${ws.namespace}/${image}`, `${V}-stable`))?.digest ?? 'absent';
    return got;
  }

  /** Checks that `image:tag` is the index `digest`, whole: its bytes, media type, platforms and children. */
  async function expectWholeIndex(image: string, tag: string, digest: string): Promise<void> {
    const got = await client.getManifest(`${ws.namespace}/${image}`, tag);
    expect(got.descriptor.digest).toBe(digest);
    expect(got.descriptor.mediaType).toBe(DOCKER_MANIFEST_LIST);
    const platforms = indexPlatforms(got.bytes, got.descriptor.mediaType)!;
    expect([...platforms].sort()).toEqual(image === 'right' ? ['linux/amd64'] : ['linux/amd64', 'linux/arm64']);
    for (const p of platforms) {
      const architecture = p.split('/')[1];
      const { config, manifestDigest } = await client.getImageConfig(`${ws.namespace}/${image}`, tag, { os: 'linux', architecture });
      expect(config.architecture).toBe(architecture);
      expect(manifestDigest).toBe(children[`${image} ${architecture}`].descriptor.digest);
    }
  }

  it('promote moves each index whole; a second promotion and a revert move them whole again', async () => {
    let r = await ws.cli(['promote', '--version', V, '--commit', commits.c1]);
    expect(r.code, r.stderr).toBe(0);
    expect(await stable()).toEqual(indexes.c1);
    for (const image of ['base', 'left', 'right']) await expectWholeIndex(image, `${V}-stable`, indexes.c1[image]);

    r = await ws.cli(['promote', '--version', V, '--commit', commits.c2]);
    expect(r.code, r.stderr).toBe(0);
    expect(await stable()).toEqual(indexes.c2);

    r = await ws.cli(['revert', '--version', V]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('3 of 3 stable tags moved');
    expect(await stable()).toEqual(indexes.c1);
    for (const image of ['base', 'left', 'right']) await expectWholeIndex(image, `${V}-stable`, indexes.c1[image]);
  }, 300_000);

  it('stamp writes the digest of each index (not of a platform\'s image manifest)', async () => {
    const r = await ws.cli(['stamp', '--commit', commits.c2, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const lock = JSON.parse(readFileSync(path.join(out, 'imagestack.lock.json'), 'utf8'));
    const plan = (await ws.plan()).images;
    for (const e of plan) expect(lock.images[e.image][V]).toBe(`${registry}/${ws.namespace}/${e.image}:${e.tag}@${indexes.c2[e.image]}`);
  }, 120_000);

  it('audit reads stable tags that are indexes: no failure, each finding gives the index digest and its platforms', async () => {
    const r = await ws.cli(['audit', '--version', V, '--json']);
    expect([0, 1], r.stderr).toContain(r.code); // flags (the stable is behind c2) are findings, not failures
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const findings = (JSON.parse(r.stdout) as { findings: Array<{ image: string; digest: string; platforms?: string[] }> }).findings;
    expect(findings.map((f) => [f.image, f.digest, f.platforms])).toEqual([
      ['base', indexes.c1.base, ['linux/amd64', 'linux/arm64']],
      ['left', indexes.c1.left, ['linux/amd64', 'linux/arm64']],
      ['right', indexes.c1.right, ['linux/amd64']],
    ]);
  }, 120_000);

  it('audit flags a denied digest of the arm64 image inside an index (not only the index\'s or amd64\'s)', async () => {
    const denied = children['left arm64'].descriptor.digest;
    const specs = ws.read('specs.yml');
    ws.write('specs.yml', `${specs}audit:\n  deny:\n    - { digest: "${denied}", reason: "test: arm64 image withdrawn" }\n`);
    try {
      const r = await ws.cli(['audit', '--version', V, '--json']);
      expect(r.code, r.stderr).toBe(1);
      const findings = (JSON.parse(r.stdout) as { findings: Array<{ image: string; flags: Array<{ kind: string; detail: string }> }> }).findings;
      const left = findings.find((f) => f.image === 'left')!;
      expect(left.flags).toContainEqual({ kind: 'denied', detail: `${denied.slice(0, 19)}… denied: test: arm64 image withdrawn` });
    } finally {
      ws.write('specs.yml', specs);
    }
  }, 120_000);
});
