/**
 * `imagestack init` on stacks as their users keep them (no specs.yml; Dockerfiles in the
 * Jupyter and datahub conventions; variants in subfolders), then `plan` and a cold build on
 * the real engine and registry: the specs.yml init writes plans right at once (the edges
 * init printed are the edges imagestack plans), and a build of it builds parents first with
 * the exact parent reference in each child's `org.opencontainers.image.base.name` label.
 * The fixture trees are core/adopt/__fixtures__ (written for these tests), and every stack
 * under test/fixtures/stacks/ that holds a specs.yml: init on it without its specs.yml
 * must plan the same edges as its hand-written specs.yml.
 *
 * Needs `references:` (Dockerfiles that spell the stack's repositories their own way) and
 * `context:` (variants) in the schema; until both are, the file is skipped.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/core/registry';
import { testEnvironment } from './support/env';
import { REPO_ROOT, Workspace, type PlanJson } from './support/workspace';

const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'tools/imagestack/schemas/specs.schema.json'), 'utf8')) as {
  properties: Record<string, unknown>;
  definitions: { image: { properties: Record<string, unknown> } };
};
const merged = 'references' in schema.properties && 'context' in schema.definitions.image.properties;

const ADOPT_FIXTURES = 'tools/imagestack/src/core/adopt/__fixtures__';
const STACKS = 'tools/imagestack/test/fixtures/stacks';

/** Each image's parents, by image. */
const parentsOf = (p: PlanJson) => Object.fromEntries(p.images.map((e) => [e.image, [...e.parents].sort()]));

/** Edges as Dockerfile paths (`context/dockerfile` → parent's), so stacks whose images are named differently compare. */
function edgesByFile(p: PlanJson): string[] {
  const entries = p.images as Array<PlanJson['images'][number] & { context?: string; dockerfile?: string }>;
  const file = (image: string) => {
    const e = entries.find((x) => x.image === image)!;
    return `${e.context ?? `images/${image}`}/${e.dockerfile ?? 'Dockerfile'}`;
  };
  return [...new Set(entries.flatMap((e) => e.parents.map((parent) => `${file(e.image)} → ${file(parent)}`)))].sort();
}

describe.runIf(merged)('imagestack init, then plan and build', () => {
  const { registry } = testEnvironment();
  const client = new RegistryClient({ registry });
  const workspaces: Workspace[] = [];
  const adopt = async (from: string): Promise<Workspace> => {
    const ws = new Workspace('imagestack-init-');
    workspaces.push(ws);
    ws.copyFromRepo(from, '.');
    ws.remove('specs.yml');
    const r = await ws.cli(['init']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('check: imagestack reads specs.yml with the same parents for every image');
    ws.commit('adopted by imagestack init');
    return ws;
  };
  afterAll(() => workspaces.forEach((w) => w.dispose()));

  it('Jupyter convention: init then plan gives the edges; a cold build builds parents first, each child labelled with its parent\'s exact reference', async () => {
    const ws = await adopt(`${ADOPT_FIXTURES}/jupyter-style`);
    const plan = await ws.plan();
    expect(parentsOf(plan)).toEqual({
      foundation: [],
      'base-notebook': ['foundation'],
      'scipy-notebook': ['base-notebook'],
      'torch-notebook': ['scipy-notebook'],
      'torch-notebook-cuda12': ['scipy-notebook'],
    });
    const r = await ws.cli(['build', '--parallel', '2']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const e of plan.images) {
      const { config } = await client.getImageConfig(`${ws.namespace}/${e.image}`, e.tag);
      const base = (config.config.Labels as Record<string, string>)['org.opencontainers.image.base.name'];
      if (e.parents.length === 0) expect(base).toBe('debian:bookworm-slim');
      else expect(base).toBe(plan.images.find((x) => x.image === e.parents[0] && x.version === e.version)!.reference);
    }
  });

  it('datahub convention: init then plan gives the edges, with images/spec.yml\'s build args and version', async () => {
    const ws = await adopt(`${ADOPT_FIXTURES}/datahub-style`);
    const plan = await ws.plan(['--offline']);
    expect(parentsOf(plan)).toEqual({ 'base-notebook': [], 'ml-notebook': ['base-notebook'], rstudio: ['base-notebook'] });
    expect(new Set(plan.images.map((e) => e.version))).toEqual(new Set(['2024.10']));
  });

  const stacks = existsSync(path.join(REPO_ROOT, STACKS))
    ? readdirSync(path.join(REPO_ROOT, STACKS)).filter((d) => existsSync(path.join(REPO_ROOT, STACKS, d, 'specs.yml')))
    : [];
  it.each(stacks)('test/fixtures/stacks/%s: init without its specs.yml plans the same edges as its own specs.yml (or is refused the same way)', async (stack) => {
    const own = new Workspace('imagestack-init-own-');
    workspaces.push(own);
    own.copyFromRepo(`${STACKS}/${stack}`, '.');
    own.commit('as written');
    const ownPlan = await own.cli(['plan', '--json', '--offline']);
    const ws = new Workspace('imagestack-init-');
    workspaces.push(ws);
    ws.copyFromRepo(`${STACKS}/${stack}`, '.');
    ws.remove('specs.yml');
    const init = await ws.cli(['init']);
    expect(init.code, init.stdout + init.stderr).toBe(0);
    ws.commit('adopted by imagestack init');
    const plan = await ws.cli(['plan', '--json', '--offline']);
    if (ownPlan.code !== 0) {
      // A stack imagestack cannot plan here (e.g. variables in RUN --mount options, which this
      // engine's BuildKit frontend does not expand): the same Dockerfile problems. init's own
      // check reads the graph as plan does but not the builder's capabilities (that needs the
      // engine), so it says so only for problems of the graph.
      const dockerfileProblems = (s: string) => s.split('\n').filter((l) => /^images\/.*: error: /.test(l));
      expect(plan.code).toBe(ownPlan.code);
      expect(dockerfileProblems(plan.stderr)).toEqual(dockerfileProblems(ownPlan.stderr));
      expect(init.stdout).toMatch(/check: imagestack (does not plan specs\.yml as init inferred it:|reads specs\.yml with the same parents for every image)/);
      return;
    }
    expect(init.stdout).toContain('check: imagestack reads specs.yml with the same parents for every image');
    expect(plan.code, plan.stderr).toBe(0);
    expect(edgesByFile(JSON.parse(plan.stdout) as PlanJson)).toEqual(edgesByFile(JSON.parse(ownPlan.stdout) as PlanJson));
  });
});
