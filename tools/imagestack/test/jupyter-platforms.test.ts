/**
 * Multi-platform images on a stack in the shape users have (issue 14 on
 * `fixtures/stacks/jupyter-platforms`): parents named through `ARG BASE_IMAGE=$REGISTRY/$OWNER/<parent>`
 * + `FROM $BASE_IMAGE` (`references:` quay.io/jupyter), the root through `ARG ROOT_IMAGE` naming the
 * two-platform debian index of `tools/engine/up.sh --platforms`, a variant in its parent's
 * subfolder, an image built for linux/amd64 only, and a host-side pytest suite (`pytest-3` on the
 * host, `docker run` of the image under test, inherited by every image) that checks the platform.
 * Real CLI, real engine with QEMU emulation for arm64, real registry; nothing is faked. The
 * emulated work is one `RUN` writing a file per image and one container per host-test run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexPlatforms, RegistryClient } from '../src/core/registry';
import { testEnvironment } from './support/env';
import { fixtureWorkspace, type Workspace } from './support/workspace';
import { docker } from './registry/support';

const UP = path.resolve(__dirname, '../../engine/up.sh');
const V = '2026.1';

interface Report {
  images: Array<{ image: string; status: string; step?: string; digest?: string; platforms?: Array<{ platform: string; status: string }> }>;
}

describe('a Jupyter-style stack for linux/amd64 and linux/arm64 with a host-side pytest suite (fixtures/stacks/jupyter-platforms)', () => {
  let ws: Workspace;
  let client: RegistryClient;
  let registry: string;
  const out = mkdtempSync(path.join(os.tmpdir(), 'imagestack-jupyter-platforms-'));
  const log = (image: string) => ws.read(`dist/imagestack/logs/${image}-${V}.log`);
  const tags = async () => new Map((await ws.plan()).images.map((e) => [e.image, e.tag]));
  const platformsOf = async (image: string, tag: string) => {
    const { descriptor, bytes } = await client.getManifest(`${ws.namespace}/${image}`, tag);
    return indexPlatforms(bytes, descriptor.mediaType);
  };

  beforeAll(() => {
    registry = testEnvironment().registry;
    // Idempotent: where it already ran, only checks (a clean machine makes the arm64 base once, cached).
    execFileSync('bash', [UP, '--platforms', 'linux/amd64,linux/arm64'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20 * 60_000 });
    client = new RegistryClient({ registry, credentials: null });
    ws = fixtureWorkspace('jupyter-platforms', registry, 'imagestack-jupyter-platforms-');
    // The host suite fails for base-notebook on aarch64 only (tests/test_platform.py reads this file).
    ws.write('tests/fail-on', 'base-notebook aarch64\n');
    ws.commit('base-notebook failing on arm64');
  }, 20 * 60_000);

  afterAll(() => {
    // Tags first; then the images left without one (the amd64 images whose tag prepull moved to arm64).
    const list = (format: string) => docker(['images', '--digests', '--format', format, '--filter', `reference=${registry}/${ws.namespace}/*`]).split('\n').filter(Boolean);
    const tagged = list('{{.Repository}}:{{.Tag}}').filter((r) => !r.endsWith(':<none>'));
    if (tagged.length) docker(['rmi', ...new Set(tagged)]);
    const untagged = list('{{.Repository}}@{{.Digest}}').filter((r) => !r.endsWith('@<none>'));
    if (untagged.length) docker(['rmi', ...new Set(untagged)]);
    ws.dispose();
    rmSync(out, { recursive: true, force: true });
  });

  it('plan reads the parents from ARG BASE_IMAGE (the variant\'s too) and gives each image its platforms', async () => {
    const plan = await ws.plan();
    expect(plan.images.map((e) => [e.image, e.parents, e.platforms])).toEqual([
      ['foundation', [], ['linux/amd64', 'linux/arm64']],
      ['base-notebook', ['foundation'], ['linux/amd64', 'linux/arm64']],
      ['julia-notebook', ['foundation'], ['linux/amd64']],
      ['base-notebook-cuda', ['base-notebook'], ['linux/amd64', 'linux/arm64']],
    ]);
  });

  it('the host suite runs once per platform and sees it; an arm64-only host-test failure leaves no tag for base-notebook and blocks its variant, while the amd64-only sibling is published', async () => {
    const tag = await tags();
    const r = await ws.cli(['build']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const report = JSON.parse(ws.read('dist/imagestack/report.json')) as Report;
    const by = new Map(report.images.map((i) => [i.image, i]));
    expect(by.get('base-notebook')).toMatchObject({ status: 'failed', step: 'test' });
    expect(by.get('base-notebook')!.platforms!.map((p) => [p.platform, p.status])).toEqual([
      ['linux/amd64', 'passed'],
      ['linux/arm64', 'failed'],
    ]);
    expect(by.get('base-notebook-cuda')!.status).toBe('blocked');
    expect(log('base-notebook')).toContain('failing on aarch64 on purpose');
    expect(await client.listTags(`${ws.namespace}/base-notebook`)).toEqual([]);
    expect(await client.listTags(`${ws.namespace}/base-notebook-cuda`)).toEqual([]);
    expect(await platformsOf('foundation', tag.get('foundation')!)).toEqual(['linux/amd64', 'linux/arm64']);
    expect(await platformsOf('julia-notebook', tag.get('julia-notebook')!)).toEqual(['linux/amd64']);

    // The inherited host suite, per platform: IMAGESTACK_PLATFORM, the published tag in IMAGESTACK_TAG
    // (not the local -linux-arm64 one), and `docker run --platform` of IMAGESTACK_IMAGE on the host ran as it.
    const foundation = log('foundation');
    expect(foundation).toContain(`IMAGESTACK_IMAGE=${registry}/${ws.namespace}/foundation:${tag.get('foundation')}-linux-arm64 IMAGESTACK_PLATFORM=linux/arm64`);
    expect(foundation).toContain(`foundation ${tag.get('foundation')} linux/amd64: uname -m says x86_64, built on x86_64`);
    expect(foundation).toContain(`foundation ${tag.get('foundation')} linux/arm64: uname -m says aarch64, built on aarch64`);
    expect(log('julia-notebook')).toContain(`julia-notebook ${tag.get('julia-notebook')} linux/amd64: uname -m says x86_64`);
    expect(log('julia-notebook')).not.toContain('linux/arm64');
    expect(log('base-notebook')).toContain(`base-notebook ${tag.get('base-notebook')} linux/amd64: uname -m says x86_64`);
  }, 900_000);

  it('once fixed, every image is an index of its platforms; prepull --platform linux/arm64 pulls the arm64 images; stamp gives the index digests; promote moves each index whole', async () => {
    ws.remove('tests/fail-on');
    const head = ws.commit('base-notebook passes on arm64');
    const tag = await tags();
    const r = await ws.cli(['build']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(log('base-notebook-cuda')).toContain(`base-notebook-cuda ${tag.get('base-notebook-cuda')} linux/arm64: uname -m says aarch64, built on aarch64`);
    const index = new Map<string, string>();
    for (const [image, t] of tag) {
      expect(await platformsOf(image, t), image).toEqual(image === 'julia-notebook' ? ['linux/amd64'] : ['linux/amd64', 'linux/arm64']);
      index.set(image, (await client.headManifest(`${ws.namespace}/${image}`, t))!.digest);
    }
    const { config } = await client.getImageConfig(`${ws.namespace}/base-notebook-cuda`, tag.get('base-notebook-cuda')!, { os: 'linux', architecture: 'arm64' });
    expect(config.architecture).toBe('arm64');

    // prepull on this engine, the arm64 image of every two-platform tag; julia-notebook has none.
    const pull = await ws.cli(['prepull', '--commit', head, '--version', V, '--engine', `local=${testEnvironment().dockerHost}`, '--platform', 'linux/arm64', '--timeout', '5m']);
    expect(pull.code, pull.stdout + pull.stderr).toBe(0);
    expect(pull.stdout).toContain(`imagestack: julia-notebook@${V} is not built for linux/arm64 (its platforms in specs.yml): not pulled`);
    expect(pull.stdout).toContain('pre-pulling 3 images');
    const arch = (image: string) => docker(['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', `${registry}/${ws.namespace}/${image}:${tag.get(image)}`]).trim();
    for (const image of ['foundation', 'base-notebook', 'base-notebook-cuda']) expect(arch(image), image).toBe('linux/arm64');
    expect(arch('julia-notebook')).toBe('linux/amd64'); // built here, left as it was

    const stamp = await ws.cli(['stamp', '--commit', head, '--out', out]);
    expect(stamp.code, stamp.stderr).toBe(0);
    const lock = JSON.parse(readFileSync(path.join(out, 'imagestack.lock.json'), 'utf8'));
    for (const [image, t] of tag) expect(lock.images[image][V]).toBe(`${registry}/${ws.namespace}/${image}:${t}@${index.get(image)}`);

    const promote = await ws.cli(['promote', '--version', V, '--commit', head]);
    expect(promote.code, promote.stdout + promote.stderr).toBe(0);
    for (const image of tag.keys()) expect((await client.headManifest(`${ws.namespace}/${image}`, `${V}-stable`))!.digest, image).toBe(index.get(image));
    expect(await platformsOf('base-notebook-cuda', `${V}-stable`)).toEqual(['linux/amd64', 'linux/arm64']);
  }, 900_000);
});
