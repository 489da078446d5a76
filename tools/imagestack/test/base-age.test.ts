/**
 * Images that know their age (issue 15): `plan --base-age` and the site show each tag's external
 * base digest and how old that base image is, on the real registry and engine, through the CLI.
 * A local "upstream" repository in the test registry (`<ns>-up/debian`, as in refresh.test.ts)
 * serves the external base: a one-file image the test makes from the engine's
 * `debian:bookworm-slim`. The fixture stacks of test/fixtures/stacks/ use it the ways their
 * conventions do: the Jupyter-style root gets it pinned through its own ARG (`ROOT_IMAGE`, set
 * in specs.yml `args:`, the Dockerfiles verbatim); the datahub-style root names it unpinned in
 * `FROM`. A base on a registry that does not answer is a note, never a failure.
 *
 * Protects: promise 1 (the age is an added fact: tags and actions are the same with and without
 * it, `plan --json` changes by `baseAge` alone); the created date is the base image config's
 * (what audit reads); the site's tags name their base digest and age.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/core/registry';
import { testEnvironment } from './support/env';
import { Workspace, type PlanJson } from './support/workspace';

const { registry } = testEnvironment();
const client = new RegistryClient({ registry });

interface BaseAgeJson {
  reference: string;
  digest: string | null;
  pinned: boolean;
  created?: string;
  note?: string;
}
type AgedPlan = PlanJson & { images: Array<PlanJson['images'][number] & { baseAge?: BaseAgeJson[] }> };

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A workspace holding fixture stack `name` as it is in the repository, with `edit` applied, committed. */
function fixtureWorkspace(name: string, edit: (ws: Workspace) => void): Workspace {
  const ws = new Workspace(`imagestack-age-${name}-`);
  ws.copyFromRepo(`tools/imagestack/test/fixtures/stacks/${name}`, '.');
  ws.write('.gitignore', 'dist/\n');
  edit(ws);
  ws.commit(`${name} on the upstream base`);
  return ws;
}

describe('each tag’s external base digest and age: plan --base-age and the site', () => {
  const up = `it-age-${Date.now().toString(36)}-up`;
  const upstream = `${registry}/${up}/debian:bookworm-slim`;
  const ctx = mkdtempSync(path.join(os.tmpdir(), 'imagestack-upstream-'));
  const workspaces: Workspace[] = [];
  let digest: string;
  let created: string;

  beforeAll(async () => {
    writeFileSync(path.join(ctx, 'upstream'), 'v1\n');
    writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM debian:bookworm-slim\nCOPY upstream /etc/upstream\n');
    execFileSync('docker', ['build', '-q', '-t', upstream, ctx], { stdio: 'ignore' });
    execFileSync('docker', ['push', '-q', upstream], { stdio: 'ignore' });
    digest = (await client.headManifest(`${up}/debian`, 'bookworm-slim'))!.digest;
    created = (await client.getImageConfig(`${up}/debian`, digest)).config.created as string;
  });
  afterAll(() => {
    const ours = execFileSync('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' })
      .split('\n')
      .filter((r) => workspaces.some((w) => r.startsWith(`${registry}/${w.namespace}/`)));
    execFileSync('docker', ['image', 'rm', '-f', upstream, ...ours], { stdio: 'ignore' });
    for (const w of workspaces) w.dispose();
    rmSync(ctx, { recursive: true, force: true });
  });

  it('Jupyter-style, pinned through the root’s ARG: the pin and the base image’s created date, for the root only; tags and actions as without', async () => {
    const ws = fixtureWorkspace('jupyter-style', (w) => w.write('specs.yml', w.read('specs.yml').replace('  foundation: {}', `  foundation:\n    args: { ROOT_IMAGE: "${upstream}@${digest}" }`)));
    workspaces.push(ws);
    const plain = await ws.plan();
    const aged = (await ws.plan(['--base-age'])) as AgedPlan;
    expect(Object.fromEntries(aged.images.map((e) => [e.image, e.baseAge]))).toEqual({
      foundation: [{ reference: upstream, digest, pinned: true, created }],
      'base-notebook': [],
      'minimal-notebook': [],
      'scipy-notebook': [],
    });
    // Promise 1: an added fact only; the rest of plan --json is as without --base-age.
    expect({ ...aged, images: aged.images.map(({ baseAge: _, ...rest }) => rest) }).toEqual(plain);

    const human = await ws.cli(['plan', '--base-age']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain("base images (created: their image config's date, read from their registries):");
    expect(human.stdout).toMatch(new RegExp(`^${escape(upstream)}\\s+${digest.slice(0, 19)}\\s+${created.slice(0, 10)}\\s+\\d+[dhms]\\d*[hms]?$`, 'm'));
    expect((await ws.cli(['plan'])).stdout).not.toContain('base images (created');

    // The site, after a real build: every tag of the root names its base digest and age; its children name their stack parent.
    const build = await ws.cli(['build', '--parallel', '2']);
    expect(build.code, build.stdout + build.stderr).toBe(0);
    const site = await ws.cli(['site']);
    expect(site.code, site.stderr).toBe(0);
    const model = JSON.parse(readFileSync(path.join(ws.dir, 'dist/site/site.json'), 'utf8')) as {
      images: Array<{ name: string; versions: Array<{ tags: Array<{ tag: string; current: boolean; parent?: { reference: string; digest?: string; external?: boolean; created?: string } }> }> }>;
      sources: { warnings: string[] };
    };
    const current = (name: string) => model.images.find((i) => i.name === name)!.versions[0].tags.find((t) => t.current)!;
    expect(current('foundation').parent).toEqual({ reference: upstream, digest, external: true, created });
    expect(current('base-notebook').parent).toMatchObject({ reference: plain.images.find((e) => e.image === 'foundation')!.reference });
    expect(current('base-notebook').parent!.external).toBeUndefined();
    expect(model.sources.warnings).toEqual([]);
    const page = readFileSync(path.join(ws.dir, 'dist/site/images/foundation.html'), 'utf8');
    expect(page).toContain(`base created <time datetime="${created}">${created.slice(0, 10)}</time> (`);
  });

  it('datahub-style, unpinned in FROM: the digest its tag points at now, marked unpinned', async () => {
    const ws = fixtureWorkspace('datahub-style', (w) => w.write('images/base-notebook/Dockerfile', w.read('images/base-notebook/Dockerfile').replace('FROM debian:bookworm-slim', `FROM ${upstream}`)));
    workspaces.push(ws);
    const aged = (await ws.plan(['--base-age'])) as AgedPlan;
    expect(aged.images.find((e) => e.image === 'base-notebook')!.baseAge).toEqual([{ reference: upstream, digest, pinned: false, created }]);
    const human = await ws.cli(['plan', '--base-age']);
    expect(human.stdout).toMatch(new RegExp(`^${escape(upstream)}\\s+${digest.slice(0, 19)} \\(unpinned: its tag now\\)\\s+${created.slice(0, 10)}\\s`, 'm'));
  });

  it('a base whose registry does not answer, or does not have it, is a note: plan exits 0 with the same tags', async () => {
    const gone = `${registry}/${up}/gone:1`;
    const ws = fixtureWorkspace('datahub-style', (w) => {
      w.write('images/base-notebook/Dockerfile', `FROM 127.0.0.1:1/nobody/base:1@sha256:${'0'.repeat(64)}\nRUN echo "base-notebook" > /layers.txt\n`);
      w.write('images/r-notebook/Dockerfile', `${w.read('images/r-notebook/Dockerfile')}\nCOPY --from=${gone} /etc/hostname /gone\n`);
    });
    workspaces.push(ws);
    const plain = await ws.plan();
    const started = Date.now();
    const r = await ws.cli(['plan', '--base-age', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    const aged = JSON.parse(r.stdout) as AgedPlan;
    const ages = Object.fromEntries(aged.images.map((e) => [e.image, e.baseAge]));
    expect(ages['base-notebook']).toEqual([{ reference: '127.0.0.1:1/nobody/base:1', digest: `sha256:${'0'.repeat(64)}`, pinned: true, note: expect.stringContaining('127.0.0.1:1') }]);
    expect(ages['r-notebook']).toEqual([{ reference: gone, digest: null, pinned: false, note: `${gone} is not in its registry (404)` }]);
    expect(aged.images.map((e) => [e.image, e.tag, e.action])).toEqual(plain.images.map((e) => [e.image, e.tag, e.action]));
    const human = await ws.cli(['plan', '--base-age']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("age unknown (the base's registry did not tell):");
    expect(human.stdout).toContain(`  ${gone}: ${gone} is not in its registry (404)`);
  });
});
