/**
 * End to end on the repository's own example stack (real Debian packages, nine images, two
 * versions, one skipped), copied into a temporary git repository so the test can commit:
 * a full first run, a no-op re-run, a mid-level change, and a missing parent tag.
 *
 * Built with the legacy builder (IMAGESTACK_BUILDER=classic), the fallback where the engine
 * offers no BuildKit: it must keep building the example stack (issue 13). BuildKit, the
 * default, builds it in `npm run main`, and buildkit.test.ts covers it on a stack of its own.
 * The legacy builder refuses a multi-platform image whose base is outside the stack (README
 * "Platforms"), so this copy drops the `platforms:` of bash and bash-assert: every image is
 * built for the engine's platform. example-platforms.test.ts builds that pair for both
 * platforms with BuildKit.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/core/registry';
import { testEnvironment } from './support/env';
import { REPO_ROOT, Workspace, type PlanJson } from './support/workspace';

const { registry } = testEnvironment();
const client = new RegistryClient({ registry });
const IMAGES = ['base', 'python', 'scipy', 'gcc', 'gcc-assert', 'gcc-minunit', 'toolbox', 'bash', 'bash-assert'];
const built = (p: PlanJson) => p.images.filter((e) => e.action === 'build').map((e) => `${e.image}@${e.version}`).sort();

/** Every `<version>-<sha7>` tag of the stack's repositories (descriptive tags apart: see the first test). */
async function registryTags(ws: Workspace, all = false): Promise<string[]> {
  const out: string[] = [];
  for (const image of IMAGES) for (const tag of await client.listTags(`${ws.namespace}/${image}`)) if (all || /^\d+\.\d+-[0-9a-f]{7}$/.test(tag)) out.push(`${image}:${tag}`);
  return out.sort();
}

process.env.IMAGESTACK_BUILDER = 'classic'; // this file's own worker: every `ws.cli` inherits it

describe('the example stack (legacy builder)', () => {
  const ws = new Workspace('imagestack-example-');
  let first: PlanJson;

  beforeAll(() => {
    ws.copyFromRepo('specs.yml').copyFromRepo('images');
    if (existsSync(path.join(REPO_ROOT, 'schemas'))) ws.copyFromRepo('schemas');
    ws.write('specs.yml', ws.read('specs.yml').replace(/^registry: .*$/m, `registry: ${registry}`).replace(/^ {4}platforms: .*\n/gm, ''));
    expect(ws.read('specs.yml')).not.toMatch(/platforms:/);
    ws.commit('example stack');
  });
  afterAll(() => ws.dispose());

  it('the first run builds, verifies and pushes every image and version, parents first', async () => {
    first = await ws.plan();
    expect(first.images).toHaveLength(17); // 9 images × 2 versions − toolbox@2026.1
    expect(new Set(first.images.map((e) => e.image))).toEqual(new Set(IMAGES));
    expect(Math.max(...first.images.map((e) => e.wave))).toBeGreaterThanOrEqual(2);

    const r = await ws.cli(['build', '--parallel', '2']);
    expect(r.code, r.stdout.slice(-4000) + r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const pushedAt = (k: string) => lines.findIndex((l) => l.includes(k) && l.includes('pushed'));
    const startedAt = (k: string) => lines.findIndex((l) => l.includes(k));
    for (const e of first.images) {
      for (const p of e.parents) expect(pushedAt(`${p}@${e.version}`)).toBeLessThan(startedAt(`${e.image}@${e.version}`));
    }
    expect(await registryTags(ws)).toEqual(first.images.map((e) => `${e.image}:${e.tag}`).sort());
    // Descriptive tags: python's tagger, inherited by scipy; gcc's, inherited by both start points.
    const all = await registryTags(ws, true);
    for (const e of first.images) {
      const sha = e.tag.slice(-7);
      expect(all).toContain(`${e.image}:${e.version}-debian-12-${sha}`);
      if (e.image === 'python' || e.image === 'scipy') expect(all).toContainEqual(expect.stringMatching(new RegExp(`^${e.image}:${e.version}-python-3\\.11\\.\\d+-${sha}$`)));
      if (e.image.startsWith('gcc')) expect(all).toContainEqual(expect.stringMatching(new RegExp(`^${e.image}:${e.version}-gcc-12\\.\\d+\\.\\d+-${sha}$`)));
    }
    expect(r.stdout).toContain('✔ stack check "unique-display-name" (2026.2)');
    const { config } = await client.getImageConfig(`${ws.namespace}/gcc-assert`, first.images.find((e) => e.image === 'gcc-assert')!.tag);
    expect(config.config.Labels['org.opencontainers.image.base.name']).toContain(`${ws.namespace}/gcc:`);
    // python's host-side pytest suite (images/python/host-test) ran against each version's image, and passed.
    const report = JSON.parse(ws.read('dist/imagestack/report.json'));
    for (const version of ['2026.1', '2026.2']) {
      const python = report.images.find((i: { image: string; version: string }) => i.image === 'python' && i.version === version);
      expect(python.gates.test.items).toMatchObject([{ name: 'base (inherited)', ok: true }, { name: 'python', ok: true }, { name: 'python (host)', ok: true, found: 'exit 0' }]);
    }
  });

  it('an immediate re-run builds nothing', async () => {
    const again = await ws.plan();
    expect(built(again)).toEqual([]);
    const r = await ws.cli(['build']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('0 pushed, 0 built, 17 skipped');
  });

  it('a commit touching gcc rebuilds gcc and its descendants only', async () => {
    ws.write('images/gcc/Dockerfile', `${ws.read('images/gcc/Dockerfile')}\n# a comment that changes the build context\n`);
    const sha = ws.commit('touch gcc');
    const plan = await ws.plan();
    expect(built(plan)).toEqual(['gcc-assert@2026.1', 'gcc-assert@2026.2', 'gcc-minunit@2026.1', 'gcc-minunit@2026.2', 'gcc@2026.1', 'gcc@2026.2', 'toolbox@2026.2']);
    for (const e of plan.images) {
      const before = first.images.find((x) => x.image === e.image && x.version === e.version)!;
      if (['base', 'python', 'scipy', 'bash', 'bash-assert'].includes(e.image)) expect(e.tag).toBe(before.tag);
      else expect(e.tag).toBe(`${e.version}-${sha.slice(0, 7)}`);
    }
    const r = await ws.cli(['build']);
    expect(r.code, r.stdout.slice(-4000) + r.stderr).toBe(0);
    expect(r.stdout).toContain('7 pushed, 0 built, 10 skipped');
  });

  it('a parent tag deleted from the registry is rebuilt when a child needs it', async () => {
    const plan = await ws.plan();
    const gcc = plan.images.find((e) => e.image === 'gcc' && e.version === '2026.2')!;
    const d = await client.headManifest(`${ws.namespace}/gcc`, gcc.tag);
    await client.deleteManifest(`${ws.namespace}/gcc`, d!.digest);
    ws.write('images/gcc-assert/NOTES.txt', 'a change to gcc-assert only\n');
    ws.commit('touch gcc-assert');
    const next = await ws.plan();
    expect(built(next)).toEqual(['gcc-assert@2026.1', 'gcc-assert@2026.2', 'gcc@2026.2']); // toolbox's tag exists: not rebuilt
    const r = await ws.cli(['build', 'gcc-assert']);
    expect(r.code, r.stdout.slice(-4000) + r.stderr).toBe(0);
    expect(await client.headManifest(`${ws.namespace}/gcc`, gcc.tag)).toBeDefined();
  });
});
