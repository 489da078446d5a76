/**
 * The CI matrix's platform dimension (issue 14), simulated as test/ci-matrix.test.ts simulates
 * the matrix: `imagestack matrix` plans once; then every entry is a separate CLI process in a
 * fresh clone on one of two private engines that play the runners, nothing shared but the
 * registry: a platform job per platform of a multi-platform image (`build --platform`, pushing
 * its image by digest and recording the digest in `<namespace>/imagestack-runs`), then the
 * image's publish job (`build --publish-index`, putting the index under the tag), children's
 * jobs waiting on that tag. Both runners are amd64 engines here: the linux/arm64 jobs run under
 * the QEMU emulation tools/engine/up.sh registers (on GitHub they get an arm64 runner).
 *
 * Stack: fixtures/stacks/multi-platform (base for linux/amd64 + linux/arm64 FROM the local
 * per-platform debian index; left, its child, for both; right, its sibling, amd64 only). The
 * same commit is built on one machine (the main engine) into another namespace, and both
 * namespaces must hold the same tags with the same platform sets, each platform's config
 * saying its architecture, with the same labels. Then an arm64-only test failure of left: its
 * publish job stops on the failure marker at once and puts nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMatrixOrder, type Matrix } from '../src/core/ci/matrix';
import { MARKER_REPOSITORY, readFailureMarker } from '../src/core/ci/markers';
import { readPlatformRecord } from '../src/core/ci/platform-records';
import { indexPlatforms, RegistryClient } from '../src/core/registry';
import { startEngine, type ExtraEngine } from './support/engines';
import { testEnvironment } from './support/env';
import { ORIGIN, runMatrix } from './support/matrix-sim';
import { Workspace } from './support/workspace';
import { docker } from './registry/support';

const UP = path.resolve(__dirname, '../../engine/up.sh');
const { registry } = testEnvironment();
const client = new RegistryClient({ registry, credentials: null });
const IMAGES = ['base', 'left', 'right'];

/**
 * Per image of `namespace`, per tag, per platform: the image config's architecture and its
 * `config` (labels, env, command…) with the namespace written `<ns>`, without `Image` and the
 * `base.digest` label (digests differ between two builds: RUN steps carry timestamps).
 */
async function content(namespace: string, tags: Record<string, string>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const image of IMAGES) {
    const repository = `${namespace}/${image}`;
    expect(await client.listTags(repository), repository).toEqual([tags[image]]);
    const { descriptor, bytes } = await client.getManifest(repository, tags[image]);
    const platforms = indexPlatforms(bytes, descriptor.mediaType)!;
    const perPlatform: Record<string, unknown> = {};
    for (const platform of platforms) {
      const [os, architecture] = platform.split('/');
      const { config } = await client.getImageConfig(repository, tags[image], { os, architecture });
      const c = structuredClone(config.config) as { Labels: Record<string, string>; Image?: string };
      delete c.Labels['org.opencontainers.image.base.digest'];
      delete c.Image;
      perPlatform[platform] = { architecture: config.architecture, config: JSON.parse(JSON.stringify(c).split(namespace).join('<ns>')) };
    }
    out[image] = perPlatform;
  }
  return out;
}

describe('CI matrix simulation with a platform dimension (QEMU emulation for linux/arm64)', () => {
  let engines: ExtraEngine[] = [];
  let ws: Workspace;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'imagestack-ci-platforms-'));

  beforeAll(async () => {
    // Idempotent: on a machine where it already ran, only checks (as test/platforms.test.ts).
    execFileSync('bash', [UP, '--platforms', 'linux/amd64,linux/arm64'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20 * 60_000 });
    engines = await Promise.all([startEngine('prunner1'), startEngine('prunner2')]);
    ws = new Workspace('imagestack-ci-platforms-');
    ws.copyFromRepo('tools/imagestack/test/fixtures/stacks/multi-platform', '.');
    ws.git('remote', 'add', 'origin', ORIGIN);
    ws.commit('multi-platform stack');
  }, 20 * 60_000);

  afterAll(async () => {
    await Promise.all(engines.map((e) => e.stop()));
    if (ws) {
      const local = docker(['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${registry}/${ws.namespace}-single/*`]).split('\n').filter(Boolean);
      if (local.length) docker(['rmi', ...local]);
      ws.dispose();
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  it('platform jobs on runners of each architecture, a publish job per image: the same indexes as a one-machine run (same platform set, same tags)', async () => {
    const m = await ws.cli(['matrix']);
    expect(m.code, m.stderr).toBe(0);
    const matrix = JSON.parse(m.stdout) as Matrix;
    expect(matrix.include.map((e) => [e.name, e.runner])).toEqual([
      ['base 1 linux/amd64', 'ubuntu-latest'],
      ['base 1 linux/arm64', 'ubuntu-24.04-arm'],
      ['base 1 publish', undefined],
      ['left 1 linux/amd64', 'ubuntu-latest'],
      ['left 1 linux/arm64', 'ubuntu-24.04-arm'],
      ['left 1 publish', undefined],
      ['right 1', 'ubuntu-latest'],
    ]);
    expect(checkMatrixOrder(matrix)).toEqual([]);
    const overridden = await ws.cli(['matrix', '--runner', 'linux/arm64=my-arm64']);
    expect((JSON.parse(overridden.stdout) as Matrix).include[1].runner).toBe('my-arm64');
    const bad = await ws.cli(['matrix', '--runner', 'arm64']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"arm64" is not <platform>=<runs-on label>');

    // Bad input stops a job before anything is built (exit 2, the fix named).
    const riscv = await ws.cli(['build', '--platform', 'linux/riscv64', '--run-id', 'simp-bad', 'base']);
    expect(riscv.code).toBe(2);
    expect(riscv.stderr).toContain('image "base" is not built for linux/riscv64 at version 1 (its platforms: linux/amd64, linux/arm64)');
    const noIndex = await ws.cli(['build', '--publish-index', '--run-id', 'simp-bad', '--no-push', 'base']);
    expect(noIndex.code).toBe(2);
    expect(noIndex.stderr).toContain('--publish-index puts the index under the tag: it cannot run with --no-push');
    expect(await client.listTags(`${ws.namespace}/base`)).toEqual([]);

    const tags = Object.fromEntries(matrix.include.map((e) => [e.image, e.tag]));
    const single = `${ws.namespace}-single`;
    const t1 = Date.now();
    const one = await ws.cli(['build'], { IMAGESTACK_NAMESPACE: single });
    const singleMs = Date.now() - t1;
    expect(one.code, one.stdout + one.stderr).toBe(0);

    const t0 = Date.now();
    const jobs = await runMatrix(ws, matrix, engines, 'simp-ok-1', '10m', path.join(tmp, 'reports'));
    const matrixMs = Date.now() - t0;
    for (const j of jobs) expect(j.code, `${j.entry.name} on ${j.runner}:\n${j.stdout}\n${j.stderr}`).toBe(0);
    // Each platform job recorded its platform's digest, pushed by digest (no tag); the publish job's index names exactly those.
    for (const image of ['base', 'left']) {
      const { descriptor, bytes } = await client.getManifest(`${ws.namespace}/${image}`, tags[image]);
      expect(indexPlatforms(bytes, descriptor.mediaType)).toEqual(['linux/amd64', 'linux/arm64']);
      const named = (JSON.parse(bytes.toString()) as { manifests: Array<{ digest: string }> }).manifests.map((x) => x.digest);
      for (const [i, platform] of ['linux/amd64', 'linux/arm64'].entries()) {
        expect((await readPlatformRecord(client, ws.namespace, 'simp-ok-1', image, '1', platform))!.digest, `${image} ${platform}`).toBe(named[i]);
      }
      expect(await readFailureMarker(client, ws.namespace, 'simp-ok-1', image, '1')).toBeUndefined();
    }
    const leftArm = jobs.find((j) => j.entry.name === 'left 1 linux/arm64')!;
    expect(leftArm.stdout).toMatch(/left@1\s+pushed/);
    expect(jobs.find((j) => j.entry.name === 'left 1 publish')!.stdout).toMatch(/left@1\s+pushed/);

    // The same indexes as one machine: same tags, same platform sets, each platform's config its architecture, same labels.
    const viaMatrix = await content(ws.namespace, tags);
    expect(viaMatrix).toEqual(await content(single, tags));
    expect(Object.fromEntries(Object.entries(viaMatrix).map(([i, p]) => [i, Object.keys(p as object)]))).toEqual({
      base: ['linux/amd64', 'linux/arm64'],
      left: ['linux/amd64', 'linux/arm64'],
      right: ['linux/amd64'],
    });
    expect((viaMatrix.left as Record<string, { architecture: string }>)['linux/arm64'].architecture).toBe('arm64');

    // Nothing left to build; the report job makes one result per image of the seven jobs.
    expect(JSON.parse((await ws.cli(['matrix'])).stdout)).toEqual({ include: [] });
    const report = await ws.cli(['report', path.join(tmp, 'reports')]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/3 pushed, 0 built, 0 skipped, 0 failed/);
    console.log(
      `platform matrix: ${jobs.length} jobs on 2 runners in ${(matrixMs / 1000).toFixed(1)} s ` +
        `(per job ${jobs.map((j) => `${j.entry.name} ${(j.ms / 1000).toFixed(1)} s`).join(', ')}); one machine: ${(singleMs / 1000).toFixed(1)} s`,
    );
  }, 900_000);

  it('an arm64-only test failure: the publish job stops on the marker at once and puts no tag; the amd64 image stays untagged', async () => {
    ws.write('images/left/test/fail-on', 'aarch64');
    ws.commit('left fails on arm64');
    const matrix = JSON.parse((await ws.cli(['matrix'])).stdout) as Matrix;
    expect(matrix.include.map((e) => e.name)).toEqual(['left 1 linux/amd64', 'left 1 linux/arm64', 'left 1 publish']);
    const tag = matrix.include[0].tag;
    const t0 = Date.now();
    // 30 minutes of patience: only the failure marker can end the publish job within this test's time limit.
    const jobs = await runMatrix(ws, matrix, engines, 'simp-fail-1', '30m', path.join(tmp, 'reports-fail'));
    console.log(`failing platform matrix: ${jobs.length} jobs ended in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const by = new Map(jobs.map((j) => [j.entry.name, j]));
    expect(by.get('left 1 linux/amd64')!.code).toBe(0);
    expect(by.get('left 1 linux/arm64')!.code).toBe(1);
    expect(by.get('left 1 linux/arm64')!.stdout).toMatch(/✖ left@1 failed at test/);
    const publish = by.get('left 1 publish')!;
    expect(publish.code).toBe(1);
    expect(publish.stdout).toMatch(/left@1\s+blocked .*skipped: a platform job of left 1 failed: test failed/);
    expect(publish.stdout + publish.stderr).not.toMatch(/waited .* for/);
    expect(await client.headManifest(`${ws.namespace}/left`, tag)).toBeUndefined();
    expect((await readFailureMarker(client, ws.namespace, 'simp-fail-1', 'left', '1'))?.status).toBeDefined();
    expect(await readPlatformRecord(client, ws.namespace, 'simp-fail-1', 'left', '1', 'linux/arm64')).toBeUndefined();
    expect(await client.listTags(`${ws.namespace}/${MARKER_REPOSITORY}`)).toEqual(expect.arrayContaining([expect.stringContaining('.simp-fail-1.left.1')]));
    const merged = await ws.cli(['report', path.join(tmp, 'reports-fail')]);
    expect(merged.stdout).toMatch(/0 pushed, 0 built, 0 skipped, 1 failed/);
  }, 600_000);
});
