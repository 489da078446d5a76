/**
 * Platforms on the real engine (QEMU user-mode emulation registered by tools/engine/up.sh) and
 * the real registry: the per-platform debian base published as one index by the engine script,
 * a build for linux/arm64 with the classic builder from that platform's base, and an image index
 * assembled by our registry client from per-platform manifests. Emulated work is one `RUN`
 * writing a file. Nothing is faked here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '../src/core/engine/docker-engine';
import { StepLog } from '../src/core/engine/log';
import { indexPlatforms, missingPlatforms, putImageIndex, RegistryClient } from '../src/core/registry';
import { prepullEngine } from '../src/core/prepull/pull';
import { platformImages } from '../src/core/prepull/platform';
import { parseEngineTarget } from '../src/core/prepull/engine-host';
import { indexPlatformDigests } from '../src/core/pipeline/platforms/index-digests';
import { testEnvironment } from './support/env';
import { Workspace } from './support/workspace';
import { docker, dockerPush } from './registry/support';

const UP = path.resolve(__dirname, '../../engine/up.sh');
const BASE_REPOSITORY = 'imagestack-base/debian';
const run = randomBytes(4).toString('hex');
const repository = `imagestack-test/platforms-${run}`;

/** Output of a command run in a new container of `image` (removed afterwards). */
function inContainer(image: string, ...cmd: string[]): string {
  return docker(['run', '--rm', image, ...cmd]).trim();
}

describe('platforms: emulation, per-platform base, per-platform build, image index', () => {
  let registry: string;
  let client: RegistryClient;
  let engine: DockerEngine;
  let context: string;
  const made: string[] = [];

  beforeAll(() => {
    registry = testEnvironment().registry;
    // Idempotent: on a machine where it already ran, only checks (a clean machine debootstraps arm64 once, cached).
    execFileSync('bash', [UP, '--platforms', 'linux/amd64,linux/arm64'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20 * 60_000 });
    client = new RegistryClient({ registry, credentials: null });
    engine = new DockerEngine(new Docker());
    context = mkdtempSync(path.join(os.tmpdir(), 'imagestack-platforms-'));
    writeFileSync(path.join(context, 'Dockerfile'), 'ARG BASE\nFROM ${BASE}\nRUN uname -m > /built-on\n');
  }, 20 * 60_000);

  afterAll(() => {
    rmSync(context, { recursive: true, force: true });
    if (made.length) docker(['rmi', ...made]);
  });

  it('the engine script publishes debian:bookworm-slim for linux/amd64 and linux/arm64 as one index, each config saying its architecture', async () => {
    const { descriptor, bytes } = await client.getManifest(BASE_REPOSITORY, 'bookworm-slim');
    expect(indexPlatforms(bytes, descriptor.mediaType)).toEqual(expect.arrayContaining(['linux/amd64', 'linux/arm64']));
    for (const architecture of ['amd64', 'arm64']) {
      const { config } = await client.getImageConfig(BASE_REPOSITORY, 'bookworm-slim', { os: 'linux', architecture });
      expect(config.architecture).toBe(architecture);
    }
    // A second run changes nothing and says so.
    const again = spawnSync('bash', [UP, '--platforms', 'linux/arm64'], { encoding: 'utf8' });
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/emulation of arm64 present \(binfmt handler qemu-aarch64, flags F\)/);
    expect(again.stderr).toMatch(/base index \S+\/imagestack-base\/debian:bookworm-slim present/);
  }, 120_000);

  it('builds for linux/arm64 under emulation from the arm64 base (classic builder, platform parameter): config arm64, uname -m aarch64', async () => {
    const { bytes } = await client.getManifest(BASE_REPOSITORY, 'bookworm-slim');
    const arm = JSON.parse(bytes.toString()).manifests.find((m: { platform: { architecture: string } }) => m.platform.architecture === 'arm64');
    // The per-platform reference of the base, by digest: the classic builder takes a local tag as
    // it is whatever its platform, so the base is named per platform, never by the index's tag.
    const base = `${registry}/${BASE_REPOSITORY}@${arm.digest}`;
    const reference = `${registry}/${repository}:arm64`;
    const log = new StepLog(path.join(context, 'build.log'));
    const { imageId } = await engine.build({ contextDir: context, dockerfile: 'Dockerfile', reference, buildArgs: { BASE: base }, labels: {}, log, platform: 'linux/arm64' });
    await log.close();
    made.push(reference);
    const info = JSON.parse(docker(['image', 'inspect', imageId]))[0];
    expect(`${info.Os}/${info.Architecture}`).toBe('linux/arm64');
    expect(inContainer(reference, 'cat', '/built-on')).toBe('aarch64'); // the RUN step ran emulated
    expect(inContainer(reference, 'uname', '-m')).toBe('aarch64');
  }, 600_000);

  it('puts one index naming each platform manifest (pushed by the engine) under a tag; a tag lacking arm64 is reported as lacking it', async () => {
    const amd = `${registry}/${repository}:amd64`;
    docker(['tag', 'debian:bookworm-slim', amd]);
    made.push(amd);
    const log = new StepLog(path.join(context, 'push.log'));
    const pushedAmd = await engine.push(amd, undefined, log);
    const pushedArm = await engine.push(`${registry}/${repository}:arm64`, undefined, log);
    await log.close();
    const manifests = [
      { platform: 'linux/amd64', descriptor: (await client.headManifest(repository, pushedAmd.digest))! },
      { platform: 'linux/arm64', descriptor: (await client.headManifest(repository, pushedArm.digest))! },
    ];
    const index = await putImageIndex(client, repository, '1-abcdef0', manifests);
    const got = await client.getManifest(repository, '1-abcdef0');
    expect(got.descriptor.digest).toBe(index.digest);
    expect(indexPlatforms(got.bytes, got.descriptor.mediaType)).toEqual(['linux/amd64', 'linux/arm64']);
    const { config } = await client.getImageConfig(repository, '1-abcdef0', { os: 'linux', architecture: 'arm64' });
    expect(config.architecture).toBe('arm64');
    expect(await missingPlatforms(client, repository, '1-abcdef0', ['linux/amd64', 'linux/arm64'])).toEqual([]);
    await putImageIndex(client, repository, '1-amdonly', [manifests[0]]);
    expect(await missingPlatforms(client, repository, '1-amdonly', ['linux/amd64', 'linux/arm64'])).toEqual(['linux/arm64']);
    expect(await missingPlatforms(client, repository, 'amd64', ['linux/amd64'])).toEqual(['linux/amd64']); // single-platform manifest
    expect(await missingPlatforms(client, repository, 'absent', ['linux/amd64'])).toBeUndefined();
  }, 300_000);

  it('prepull pulls the named platform of a multi-platform tag (default: the engine\'s own), the local tag naming that platform\'s image', async () => {
    const index = (await client.headManifest(repository, '1-abcdef0'))!;
    const img = {
      image: 'platforms',
      version: '1',
      repository: `${registry}/${repository}`,
      tag: '1-abcdef0',
      digest: index.digest,
      mediaType: index.mediaType,
      reference: `${registry}/${repository}:1-abcdef0@${index.digest}`,
    };
    const target = parseEngineTarget(testEnvironment().dockerHost);
    const arch = () => docker(['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', `${registry}/${repository}:1-abcdef0`]).trim();
    made.push(`${registry}/${repository}:1-abcdef0`);
    for (const platform of ['linux/arm64', 'linux/amd64', 'linux/arm64']) {
      const images = await platformImages(client, [img], platform, (q) => q.slice(registry.length + 1));
      expect(images[0].digest).not.toBe(index.digest); // that platform's image manifest, not the index
      const [r] = await prepullEngine(target, images, { auth: undefined, timeoutMs: 300_000, platform });
      expect(r.status, r.reason).not.toBe('failed');
      expect(arch()).toBe(platform);
    }
    const amdOnly = { ...img, tag: '1-amdonly', digest: (await client.headManifest(repository, '1-amdonly'))!.digest };
    await expect(platformImages(client, [amdOnly], 'linux/arm64', (q) => q.slice(registry.length + 1))).rejects.toThrow(/names an image index without linux\/arm64/);
  }, 300_000);
});

describe('platforms in a stack (real CLI, fixtures/stacks/multi-platform)', () => {
  let ws: Workspace;
  let client: RegistryClient;

  beforeAll(() => {
    client = new RegistryClient({ registry: testEnvironment().registry, credentials: null });
    ws = new Workspace('imagestack-multi-platform-');
    ws.copyFromRepo('tools/imagestack/test/fixtures/stacks/multi-platform', '.');
    ws.commit('multi-platform stack');
  });

  afterAll(() => ws.dispose());

  it('plan --json gives each entry its platforms (stack-wide, or the image\'s own)', async () => {
    const plan = await ws.plan();
    expect(plan.images.map((e) => [e.image, (e as { platforms?: string[] }).platforms])).toEqual([
      ['base', ['linux/amd64', 'linux/arm64']],
      ['left', ['linux/amd64', 'linux/arm64']],
      ['right', ['linux/amd64']],
    ]);
  });

  it('refuses a child built for a platform its parent is not, at the specs.yml line, before anything is built', async () => {
    const specs = ws.read('specs.yml');
    ws.write('specs.yml', specs.replace('  base:\n', '  base:\n    platforms: [linux/amd64]\n'));
    const r = await ws.cli(['build']);
    ws.write('specs.yml', specs);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('specs.yml:8:1: error: image "left" is built for linux/arm64 at version 1, but its parent "base" is not');
    expect(r.stderr).toContain('fix: add linux/arm64 to the platforms of "base" (images.base.platforms in specs.yml), or remove linux/arm64 from platforms');
    expect(await client.listTags(`${ws.namespace}/base`)).toEqual([]);
  });

  it('a tag in the registry whose index lacks a platform asked for is reported and never overwritten (promises 2, 10)', async () => {
    const registry = testEnvironment().registry;
    const base = (await ws.plan()).images.find((e) => e.image === 'base')!;
    const repo = `${ws.namespace}/base`;
    // An amd64-only index under base's tag, its one image manifest pushed by the engine.
    const source = `${registry}/${repo}:amd64-only-source`;
    docker(['tag', 'debian:bookworm-slim', source]);
    const pushed = dockerPush(source);
    docker(['rmi', source]);
    const index = await putImageIndex(client, repo, base.tag, [{ platform: 'linux/amd64', descriptor: (await client.headManifest(repo, pushed.digest))! }]);
    const plan = await ws.plan();
    expect(plan.images.find((e) => e.image === 'base')).toMatchObject({ action: 'skip', reason: 'tag already in the registry, but it lacks linux/arm64 (never overwritten)' });
    const r = await ws.cli(['build']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${base.reference} is in the registry but lacks linux/arm64, which specs.yml asks for "base" at version 1; a tag is never overwritten`);
    expect(r.stderr).toContain('fix: give "base" a new tag');
    expect((await client.headManifest(repo, base.tag))!.digest).toBe(index.digest);
  });
});

/** The local images of a namespace (`<registry>/<namespace>/…`), for cleaning up. */
function localImagesOf(registry: string, namespace: string): string[] {
  return docker(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${registry}/${namespace}/*`]).split('\n').filter(Boolean);
}

describe('multi-platform builds (real CLI, QEMU emulation, fixtures/stacks/multi-platform with a Jupyter-style leaf under left)', () => {
  let ws: Workspace;
  let client: RegistryClient;
  let registry: string;
  const log = (image: string) => ws.read(`dist/imagestack/logs/${image}-1.log`);
  const platformsOf = async (image: string, tag: string) => {
    const { descriptor, bytes } = await client.getManifest(`${ws.namespace}/${image}`, tag);
    return indexPlatforms(bytes, descriptor.mediaType);
  };

  beforeAll(() => {
    registry = testEnvironment().registry;
    client = new RegistryClient({ registry, credentials: null });
    ws = new Workspace('imagestack-multi-platform-build-');
    ws.copyFromRepo('tools/imagestack/test/fixtures/stacks/multi-platform', '.');
    // leaf: a whole-reference ARG naming its parent (Jupyter-style), built for left's two platforms.
    ws.write('images/leaf/Dockerfile', 'ARG REGISTRY\nARG BASE_IMAGE=$REGISTRY/left\nFROM $BASE_IMAGE\nRUN echo leaf > /name\n');
    ws.write('images/leaf/test/run.sh', ws.read('images/base/test/run.sh'));
    ws.write('specs.yml', `${ws.read('specs.yml')}  leaf:\n    test: { command: "sh /imagestack/test/run.sh", timeout: 60 }\n`);
    // left's tests fail on aarch64 only.
    ws.write('images/left/test/fail-on', 'aarch64');
    ws.commit('multi-platform stack, left failing on arm64');
  });

  afterAll(() => {
    const images = localImagesOf(registry, ws.namespace);
    if (images.length) docker(['rmi', ...images]);
    ws.dispose();
  });

  it('the classic builder refuses base (built per platform from a base outside the stack), before anything is built', async () => {
    const r = await ws.cli(['build', '--builder', 'classic']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('images/base/Dockerfile:2');
    expect(r.stderr).toContain('image "base" is built for linux/amd64, linux/arm64 from 127.0.0.1:5000/imagestack-base/debian:bookworm-slim, a base outside the stack');
    expect(await client.listTags(`${ws.namespace}/base`)).toEqual([]);
  });

  it('an arm64-only test failure leaves no tag for left and blocks leaf; base and right are published as indexes of their platforms', async () => {
    const plan = await ws.plan();
    const tag = (image: string) => plan.images.find((e) => e.image === image)!.tag;
    const r = await ws.cli(['build']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const report = JSON.parse(ws.read('dist/imagestack/report.json')) as { images: Array<{ image: string; status: string; step?: string; platforms?: Array<{ platform: string; status: string; digest?: string }> }> };
    const by = new Map(report.images.map((i) => [i.image, i]));
    expect(by.get('left')).toMatchObject({ status: 'failed', step: 'test' });
    expect(by.get('left')!.platforms!.map((p) => [p.platform, p.status])).toEqual([
      ['linux/amd64', 'passed'],
      ['linux/arm64', 'failed'],
    ]);
    expect(by.get('leaf')!.status).toBe('blocked');
    expect(log('left')).toContain('failing on aarch64 on purpose');
    expect(await client.listTags(`${ws.namespace}/left`)).toEqual([]); // no tag, and no per-platform tag either
    expect(await platformsOf('base', tag('base'))).toEqual(['linux/amd64', 'linux/arm64']);
    expect(await platformsOf('right', tag('right'))).toEqual(['linux/amd64']);
    expect(by.get('base')!.platforms!.map((p) => p.status)).toEqual(['pushed', 'pushed']);
    // Each platform's image config says its architecture, and its tests ran on it (emulated for arm64).
    for (const architecture of ['amd64', 'arm64']) {
      const { config } = await client.getImageConfig(`${ws.namespace}/base`, tag('base'), { os: 'linux', architecture });
      expect(config.architecture).toBe(architecture);
    }
    expect(log('base')).toContain('built on x86_64, running on x86_64');
    expect(log('base')).toContain('built on aarch64, running on aarch64');
    // The per-platform package manifests sit side by side.
    expect(ws.read(`dist/imagestack/manifests/base/${tag('base')}-linux-arm64.json`)).toContain('"tag"');
    expect(ws.read(`dist/imagestack/manifests/base/${tag('base')}.json`)).toContain('"tag"');
    // The site shows them side by side, a column per platform, with each platform's diff; also for
    // left, whose tag is not in the registry (its platforms come from the plan).
    const site = await ws.cli(['site']);
    expect(site.code, site.stdout + site.stderr).toBe(0);
    const basePage = ws.read('dist/site/images/base.html');
    expect(basePage).toMatch(new RegExp(`data-platform-manifests="${tag('base')}"><thead><tr><th scope="col">platform</th><th scope="col">linux/amd64</th><th scope="col">linux/arm64</th>`));
    expect(basePage).toContain(`href="../manifests/base/${tag('base')}-linux-arm64.json"`);
    expect(ws.read(`dist/site/manifests/base/${tag('base')}-linux-arm64.json`)).toContain('"tag"');
    expect(ws.read('dist/site/images/left.html')).toContain('data-platform-diff="linux/arm64"');
  }, 900_000);

  it('once fixed, left and leaf are published (leaf built on left\'s image of each platform); a re-run builds nothing; promote moves each index whole', async () => {
    ws.remove('images/left/test/fail-on');
    const head = ws.commit('left passes on arm64');
    const plan = await ws.plan();
    const tag = (image: string) => plan.images.find((e) => e.image === image)!.tag;
    const r = await ws.cli(['build']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const image of ['left', 'leaf']) expect(await platformsOf(image, tag(image))).toEqual(['linux/amd64', 'linux/arm64']);
    const { config } = await client.getImageConfig(`${ws.namespace}/leaf`, tag('leaf'), { os: 'linux', architecture: 'arm64' });
    expect(config.architecture).toBe('arm64');
    expect(log('leaf')).toContain('built on aarch64, running on aarch64');
    const again = await ws.cli(['build']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const report = JSON.parse(ws.read('dist/imagestack/report.json')) as { counts: Record<string, number> };
    expect(report.counts).toMatchObject({ pushed: 0, built: 0, skipped: 4 });
    const promote = await ws.cli(['promote', '--version', '1', '--commit', head]);
    expect(promote.code, promote.stdout + promote.stderr).toBe(0);
    for (const image of ['base', 'left', 'leaf', 'right']) {
      const stable = await client.headManifest(`${ws.namespace}/${image}`, '1-stable');
      expect(stable!.digest, image).toBe((await client.headManifest(`${ws.namespace}/${image}`, tag(image)))!.digest);
    }
    expect(await platformsOf('leaf', '1-stable')).toEqual(['linux/amd64', 'linux/arm64']);
  }, 900_000);

  it('a new commit of left compares each platform\'s package manifest with the previous tag\'s image of that platform (pulled by digest on a runner without the files)', async () => {
    const before = await ws.plan();
    const previous = before.images.find((e) => e.image === 'left')!.tag;
    ws.write('images/left/notes.txt', 'a new input of left\n');
    ws.commit('left: a new input');
    const plan = await ws.plan();
    const tag = plan.images.find((e) => e.image === 'left')!.tag;
    ws.remove('dist/imagestack/manifests'); // as on a fresh CI runner: the previous lists come from the registry
    const r = await ws.cli(['build', 'left']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const armDigest = (await indexPlatformDigests(client, `${ws.namespace}/left`, previous)).get('linux/arm64')!;
    expect(log('left')).toContain(`manifest: the previous tag's linux/arm64 image is ${registry}/${ws.namespace}/left@${armDigest}`);
    for (const suffix of ['', '-linux-arm64']) {
      const manifest = JSON.parse(ws.read(`dist/imagestack/manifests/left/${tag}${suffix}.json`)) as { diff: { previous: { tag: string } | null } };
      expect(manifest.diff.previous?.tag, suffix).toBe(previous);
      // The previous tag's lists, kept per platform for the next run.
      expect(JSON.parse(ws.read(`dist/imagestack/manifests/left/${previous}${suffix}.json`)).packagesOnly, suffix).toBe(true);
    }
    expect(JSON.parse(ws.read(`dist/imagestack/manifests/left/${previous}-linux-arm64.json`)).reference).toBe(`${registry}/${ws.namespace}/left@${armDigest}`);
  }, 900_000);
});
