/**
 * The CI matrix, simulated on this machine the way GitHub Actions runs ci.yml: `imagestack
 * matrix` plans once; then every matrix entry is a separate `imagestack build --version V
 * --wait-for-parents D --run-id R <image>` process, in a fresh clone (actions/checkout), on
 * one of two private engines that play the runners (own data-root; the stack's images are
 * removed after each job, as a fresh runner has none), nothing shared but the registry. Jobs
 * start in `include` order, at most one per runner at a time (`max-parallel: 2`), and wait
 * for their parents' tags with the bounded wait.
 *
 * The same commit is also built on one machine (the main engine, `imagestack build`) into
 * another namespace of the same registry, and the two namespaces must hold the same
 * repositories, the same tags, and per tag the same image config (labels, env, command…).
 * Digests differ (the layers of RUN steps carry build timestamps), so the test compares
 * what must be equal (the image config's `config`: labels, env, command, user…, without the
 * builder's intermediate image ID) and checks that each `org.opencontainers.image.base.digest`
 * label is the registry digest of its parent tag in its own namespace.
 *
 * Then a failing job: its descendants' jobs stop on its failure marker, with a message
 * naming the parent, long before their wait would time out (30 min, far past this test's
 * own time limit).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMatrixOrder, type Matrix } from '../src/core/ci/matrix';
import { MARKER_REPOSITORY, readFailureMarker } from '../src/core/ci/markers';
import { RegistryClient } from '../src/core/registry';
import { startEngine, type ExtraEngine } from './support/engines';
import { ORIGIN, runMatrix } from './support/matrix-sim';
import { testEnvironment } from './support/env';
import { Workspace, writeTinyStack } from './support/workspace';

const { registry } = testEnvironment();
const client = new RegistryClient({ registry, credentials: null });
const RUNNERS = 2;

/** Repositories of the registry under `namespace/` (the catalog API, 1000 per page), names relative to it. */
async function repositories(namespace: string): Promise<string[]> {
  const all: string[] = [];
  for (let last = ''; ; ) {
    const res = await fetch(`http://${registry}/v2/_catalog?n=1000${last ? `&last=${encodeURIComponent(last)}` : ''}`);
    if (!res.ok) throw new Error(`catalog: ${res.status} ${await res.text()}`);
    const page = ((await res.json()) as { repositories: string[] }).repositories ?? [];
    all.push(...page);
    if (page.length < 1000) break;
    last = page[page.length - 1];
  }
  return all.filter((r) => r.startsWith(`${namespace}/`)).map((r) => r.slice(namespace.length + 1)).sort();
}

/**
 * What must be equal between two builds of the same commit, for every tag of a namespace:
 * the image config's `config` (labels, env, command, user…) with the namespace written as
 * `<ns>`, without `Image`. A `base.digest` label naming a stack parent is checked against the registry (it
 * must be the digest of `base.name` there) and then left out, since digests differ.
 */
async function registryContent(namespace: string): Promise<Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const repo of await repositories(namespace)) {
    out[repo] = {};
    for (const tag of (await client.listTags(`${namespace}/${repo}`)).sort()) {
      const { config } = await client.getImageConfig(`${namespace}/${repo}`, tag);
      const c = structuredClone(config.config) as { Labels: Record<string, string> };
      const baseName = c.Labels['org.opencontainers.image.base.name'];
      const prefix = `${registry}/${namespace}/`;
      if (baseName.startsWith(prefix)) {
        const [parentRepo, parentTag] = baseName.slice(prefix.length).split(':');
        const parent = await client.headManifest(`${namespace}/${parentRepo}`, parentTag);
        expect(c.Labels['org.opencontainers.image.base.digest'], `${repo}:${tag} base.digest`).toBe(parent?.digest);
        delete c.Labels['org.opencontainers.image.base.digest'];
      }
      // `Image`: the ID of the intermediate image the legacy builder ran the last step on; like a digest, it changes with build timestamps.
      delete (c as { Image?: string }).Image;
      out[repo][tag] = JSON.parse(JSON.stringify(c).split(namespace).join('<ns>'));
    }
  }
  return out;
}

describe('CI matrix simulation', () => {
  let engines: ExtraEngine[] = [];
  let ws: Workspace;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'imagestack-ci-'));

  beforeAll(async () => {
    const t0 = Date.now();
    engines = await Promise.all(Array.from({ length: RUNNERS }, (_, i) => startEngine(`runner${i + 1}`)));
    ws = writeTinyStack(new Workspace(), registry);
    ws.git('remote', 'add', 'origin', ORIGIN);
    ws.commit('tiny stack');
    console.log(`${RUNNERS} runner engines started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 180_000);

  afterAll(async () => {
    const t0 = Date.now();
    await Promise.all(engines.map((e) => e.stop()));
    console.log(`${RUNNERS} runner engines stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    ws?.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('builds the stack job by job on separate runners and leaves the registry as a single-machine run does', async () => {
    const m = await ws.cli(['matrix']);
    expect(m.code, m.stderr).toBe(0);
    const matrix = JSON.parse(m.stdout) as Matrix;
    // base → mid → leaf, base → side, multi (mid + side; 2026.2 only): 3 waves, a fan-out at base.
    expect(matrix.include.map((e) => e.name)).toEqual([
      'base 2026.1',
      'base 2026.2',
      'mid 2026.1',
      'mid 2026.2',
      'side 2026.1',
      'side 2026.2',
      'leaf 2026.1',
      'leaf 2026.2',
      'multi 2026.2',
    ]);
    expect(checkMatrixOrder(matrix)).toEqual([]);
    expect(m.stderr).toContain('9 jobs in 3 waves');

    // The same commit on one machine (the main engine), into another namespace of the same registry.
    const single = `${ws.namespace}-single`;
    const t1 = Date.now();
    const one = await ws.cli(['build', '--parallel', '2'], { IMAGESTACK_NAMESPACE: single });
    const singleMs = Date.now() - t1;
    expect(one.code, one.stdout + one.stderr).toBe(0);

    const t0 = Date.now();
    const jobs = await runMatrix(ws, matrix, engines, 'sim-ok-1', '10m', path.join(tmp, 'reports'));
    const matrixMs = Date.now() - t0;
    for (const j of jobs) expect(j.code, `${j.entry.name} on ${j.runner}:\n${j.stdout}\n${j.stderr}`).toBe(0);
    // Children found their parents in the registry: waited for them (or found them), then pulled them.
    const leaf = jobs.find((j) => j.entry.name === 'leaf 2026.1')!;
    expect(leaf.stdout).toMatch(/leaf@2026\.1\s+pushed/);

    // Everything is in the registry now: the next matrix is empty (the workflow then skips the build job).
    const again = await ws.cli(['matrix']);
    expect(JSON.parse(again.stdout)).toEqual({ include: [] });
    expect(again.stderr).toContain('nothing to build');

    // The report job: one report for all the jobs.
    const report = await ws.cli(['report', path.join(tmp, 'reports')]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/9 pushed, 0 built, 0 skipped, 0 failed/);

    const viaMatrix = await registryContent(ws.namespace);
    const viaOne = await registryContent(single);
    expect(Object.keys(viaMatrix)).toEqual(['base', 'leaf', 'mid', 'multi', 'side']);
    expect(await client.listTags(`${ws.namespace}/${MARKER_REPOSITORY}`)).toEqual([]); // no job failed
    expect(Object.fromEntries(Object.entries(viaMatrix).map(([r, tags]) => [r, Object.keys(tags)]))).toEqual(
      Object.fromEntries(Object.entries(viaOne).map(([r, tags]) => [r, Object.keys(tags)])),
    );
    expect(viaMatrix).toEqual(viaOne);
    console.log(
      `matrix: ${jobs.length} jobs on ${RUNNERS} runners in ${(matrixMs / 1000).toFixed(1)} s ` +
        `(per job ${jobs.map((j) => `${j.entry.name} ${(j.ms / 1000).toFixed(1)} s`).join(', ')}); one machine: ${(singleMs / 1000).toFixed(1)} s`,
    );
  }, 600_000);

  it("stops a job whose parent's job failed at once, with a message naming the parent, and passes the failure on", async () => {
    ws.write('images/base/Dockerfile', 'FROM debian:bookworm-slim\nARG GREETING\nRUN echo "base is broken" && exit 3\n');
    ws.commit('break base');
    const full = JSON.parse((await ws.cli(['matrix'])).stdout) as Matrix;
    expect(full.include).toHaveLength(9);
    // One version's jobs are enough to see a failure passed on two levels down (base → mid → leaf; base → side).
    const matrix = { include: full.include.filter((e) => e.version === '2026.1') };
    expect(matrix.include.map((e) => e.name)).toEqual(['base 2026.1', 'mid 2026.1', 'side 2026.1', 'leaf 2026.1']);

    // 30 minutes of patience per job: only the failure markers can end these jobs within this test's time limit.
    const t0 = Date.now();
    const jobs = await runMatrix(ws, matrix, engines, 'sim-fail-1', '30m', path.join(tmp, 'reports-fail'));
    console.log(`failing matrix: ${jobs.length} jobs ended in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const byName = new Map(jobs.map((j) => [j.entry.name, j]));
    for (const j of jobs) {
      expect(j.code, j.entry.name).toBe(1);
      expect(j.stdout + j.stderr).not.toMatch(/waited .* for/); // never the timeout
    }
    expect(byName.get('base 2026.1')!.stdout).toMatch(/✖ base@2026\.1 failed at build/);
    expect(byName.get('mid 2026.1')!.stdout).toMatch(/mid@2026\.1\s+blocked .*skipped: parent base failed in another job \(build failed: /);
    expect(byName.get('side 2026.1')!.stdout).toMatch(/side@2026\.1\s+blocked .*skipped: parent base failed in another job/);
    // Two levels down: leaf waits on mid, whose job was blocked by base.
    expect(byName.get('leaf 2026.1')!.stdout).toMatch(/leaf@2026\.1\s+blocked .*skipped: parent mid failed in another job \(skipped: parent base failed/);

    // Every job left its marker for this run; none of the new tags was pushed.
    for (const e of matrix.include) {
      const marker = await readFailureMarker(client, ws.namespace, 'sim-fail-1', e.image, e.version);
      expect(marker?.status, e.name).toBe(e.image === 'base' ? 'failed' : 'blocked');
      expect(marker?.tag).toBe(e.tag);
      expect(await client.headManifest(`${ws.namespace}/${e.image}`, e.tag)).toBeUndefined();
    }
    // (The catalog API does not list a repository of manifests only, like the markers': ask for its tags.)
    expect(await client.listTags(`${ws.namespace}/${MARKER_REPOSITORY}`)).toHaveLength(4);
  }, 300_000);
});
