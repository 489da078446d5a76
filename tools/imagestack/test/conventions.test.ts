/**
 * The parent conventions (README, "How a Dockerfile names its parents") on the real engine and
 * registry, through the CLI: the fixture stacks of test/fixtures/stacks/ (Jupyter-style
 * `FROM $BASE_IMAGE`, datahub-style `FROM ghcr.io/org/<parent>:${BASE_TAG}`), copied verbatim
 * into a workspace, plan with the right edges, build cold with parents first, and every child's
 * `org.opencontainers.image.base.name` is its parent's exact reference. The datahub stack's
 * parents are tagged under the Dockerfiles' spelling only for the time of the build.
 * A silently external reading is refused through the CLI with exit 2.
 *
 * The `mount-from` fixture (RUN --mount=…,from=) needs BuildKit: its real build belongs with
 * the BuildKit builder (issue 13); its edges are tested in src/core/graph/conventions.test.ts.
 */
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/core/registry';
import { testEnvironment } from './support/env';
import { Workspace, type PlanJson } from './support/workspace';

const { registry } = testEnvironment();
const client = new RegistryClient({ registry });
const docker = new Docker();

/** A workspace holding fixture stack `name` exactly as it is in the repository, committed. */
function fixtureWorkspace(name: string): Workspace {
  const ws = new Workspace();
  ws.copyFromRepo(`tools/imagestack/test/fixtures/stacks/${name}`, '.');
  ws.commit(`${name} as found`);
  return ws;
}

const parentsOf = (p: PlanJson) => Object.fromEntries(p.images.map((e) => [e.image, e.parents]));

/**
 * Builds the workspace cold and checks: exit 0, every parent pushed before its child starts,
 * and each child's base.name label is its parent's reference in this run.
 */
async function buildAndCheckLabels(ws: Workspace, plan: PlanJson): Promise<void> {
  const r = await ws.cli(['build', '--parallel', '2']);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const lines = r.stdout.split('\n');
  for (const e of plan.images) {
    for (const p of e.parents) {
      const pushed = lines.findIndex((l) => l.includes(`${p}@${e.version}`) && l.includes('pushed'));
      expect(pushed).toBeGreaterThanOrEqual(0);
      expect(pushed).toBeLessThan(lines.findIndex((l) => l.includes(`${e.image}@${e.version}`)));
    }
    const { config } = await client.getImageConfig(`${ws.namespace}/${e.image}`, e.tag);
    const labels = config.config.Labels as Record<string, string>;
    const parent = plan.images.find((x) => x.image === e.parents[0]);
    expect(labels['org.opencontainers.image.base.name']).toBe(parent ? parent.reference : 'debian:bookworm-slim');
  }
}

describe('the Jupyter convention on the engine: ARG BASE_IMAGE=$REGISTRY/$OWNER/<parent>, FROM $BASE_IMAGE', () => {
  const ws = fixtureWorkspace('jupyter-style');
  afterAll(() => ws.dispose());

  it('plans 4 of 4 parent sets right and builds them cold, parents first, with the exact parent tag', async () => {
    const plan = await ws.plan();
    expect(parentsOf(plan)).toEqual({ foundation: [], 'base-notebook': ['foundation'], 'minimal-notebook': ['base-notebook'], 'scipy-notebook': ['minimal-notebook'] });
    expect(plan.images.map((e) => [e.image, e.wave])).toEqual([['foundation', 0], ['base-notebook', 1], ['minimal-notebook', 2], ['scipy-notebook', 3]]);
    await buildAndCheckLabels(ws, plan);
    // What the image was really built on: the layers of every ancestor, in order.
    const leaf = plan.images.find((e) => e.image === 'scipy-notebook')!;
    const out = await runIn(leaf.reference, ['cat', '/layers.txt']);
    expect(out.split('\n').filter(Boolean)).toEqual(['foundation for jovyan', 'base-notebook', 'minimal-notebook', 'scipy-notebook']);
  });
});

describe('the datahub convention on the engine: FROM ghcr.io/org/<parent>:${BASE_TAG}', () => {
  const ws = fixtureWorkspace('datahub-style');
  afterAll(() => ws.dispose());

  it('plans 3 of 3 parent sets right, builds cold from the parents just built, and leaves no ghcr.io tag behind', async () => {
    const plan = await ws.plan();
    expect(parentsOf(plan)).toEqual({ 'base-notebook': [], 'datascience-notebook': ['base-notebook'], 'r-notebook': ['datascience-notebook'] });
    await buildAndCheckLabels(ws, plan);
    const leaf = plan.images.find((e) => e.image === 'r-notebook')!;
    expect((await runIn(leaf.reference, ['cat', '/layers.txt'])).split('\n').filter(Boolean)).toEqual(['base-notebook', 'datascience-notebook', 'r-notebook']);
    for (const e of plan.images) {
      const alias = `ghcr.io/example-university/${e.image}:${e.tag}`;
      await expect(docker.getImage(alias).inspect(), alias).rejects.toMatchObject({ statusCode: 404 });
    }
  });
});

describe('never silently external, through the CLI', () => {
  it('the Jupyter stack without references: is refused at plan time with file, line and the fix (exit 2)', async () => {
    const ws = fixtureWorkspace('jupyter-style');
    try {
      ws.write('specs.yml', ws.read('specs.yml').replace(/^references:\n(  .*\n)+/m, ''));
      ws.commit('no references');
      const r = await ws.cli(['plan']);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(`images/base-notebook/Dockerfile:5:6: error: FROM names "$BASE_IMAGE" (resolved: "${registry}/${ws.namespace}/jupyter/foundation")`);
      expect(r.stderr).toMatch(/fix: tell imagestack how the Dockerfiles spell the stack, in specs\.yml: `references: /);
      expect(r.stderr).toContain('images/minimal-notebook/Dockerfile:5:6: error:');
      expect(r.stderr).toContain('images/scipy-notebook/Dockerfile:6:6: error:');
    } finally {
      ws.dispose();
    }
  });
});

/** The standard output of `cmd` run in a throwaway container of `image` (removed afterwards). */
async function runIn(image: string, cmd: string[]): Promise<string> {
  const container = await docker.createContainer({ Image: image, Cmd: cmd, NetworkDisabled: true });
  try {
    await container.start();
    await container.wait();
    const logs = await container.logs({ stdout: true, stderr: false });
    return demux(logs as unknown as Buffer);
  } finally {
    await container.remove({ force: true });
  }
}

/** The payload of a multiplexed (8-byte headers) container log. */
function demux(buf: Buffer): string {
  let out = '';
  for (let i = 0; i + 8 <= buf.length; ) {
    const size = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + size).toString('utf8');
    i += 8 + size;
  }
  return out;
}
