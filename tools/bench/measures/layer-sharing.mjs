/**
 * Layers shared across versions and across CI runners (issue 13, items 5 and 6), on the
 * repository's own example stack (real Debian packages), each figure a whole
 * `imagestack build` run (plan, build, package manifest, checks, tests, push: what
 * `npm run main` runs), every run on a fresh private engine (support/private-engine.mjs:
 * empty data-root, only `debian:bookworm-slim` loaded; the shared engine is not touched) and
 * into a registry namespace of its own (`bench-layers-<hex>-<run>`).
 *
 *   (a) versions: a cold build of the stack's two versions (17 image-versions, bash and
 *       bash-assert for linux/amd64 and linux/arm64, the arm64 images under QEMU emulation)
 *       against a cold build of one version (`--version 2026.2`, 9 images). Goal ≤ 1.25 ×: a
 *       step whose inputs are the same in both versions runs once.
 *   (b) leaf change: scipy (a leaf) gets a cheap last `RUN` after its apt step; after a
 *       one-line change to that `RUN`, on an empty engine, `imagestack build --version 2026.2
 *       scipy` (parents' tags in the registry) against a full cold build of scipy (base,
 *       python, scipy from nothing). Goal ≤ 0.2 ×: only the changed step is rebuilt, the rest
 *       comes from the registry. It measures whatever builder imagestack uses by default.
 *
 * Beside the wall times, each row keeps the sum of the build steps (report.json `durations.build`)
 * and the number of builder steps answered from cache (`Using cache` / `CACHED` in the logs).
 */
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { runNode } from '../lib/proc.mjs';
import { round } from '../lib/context.mjs';
import { startPrivateEngine } from './support/private-engine.mjs';
import { commitAll, git } from './support/sleep-stack.mjs';

export const name = 'layer-sharing';
export const order = 90;

const GOAL_VERSIONS = 1.25;
const GOAL_LEAF = 0.2;
const LEAF = 'scipy';
const LEAF_VERSION = '2026.2';

export async function run(ctx) {
  const registry = ctx.env.IMAGESTACK_REGISTRY ?? '127.0.0.1:5000';
  const prefix = `bench-layers-${randomBytes(3).toString('hex')}`;
  const ws = path.join(ctx.tmp, 'ws');
  mkdirSync(ws, { recursive: true });
  git(ws, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(ws, '.gitignore'), 'out/\ndist/\n');
  for (const f of ['specs.yml', 'images', 'schemas']) cpSync(path.join(ctx.repoRoot, f), path.join(ws, f), { recursive: true });
  writeFileSync(path.join(ws, 'specs.yml'), readFileSync(path.join(ws, 'specs.yml'), 'utf8').replace(/^registry: .*$/m, `registry: ${registry}`));
  const leafDockerfile = path.join(ws, 'images', LEAF, 'Dockerfile');
  const leafText = readFileSync(leafDockerfile, 'utf8');
  const setLeafRun = (n) => writeFileSync(leafDockerfile, `${leafText.trimEnd()}\n# layer-sharing bench: the leaf's last RUN\nRUN echo "bench change ${n}" > /tmp/layer-sharing\n`);
  setLeafRun(1);
  commitAll(ws, 'example stack');

  /** One cold run: a fresh private engine, `imagestack build <args>` into namespace `<prefix>-<ns>`. */
  const coldRun = async (label, args, ns = label) => {
    const engine = await startPrivateEngine(label, ctx.env);
    try {
      const out = path.join(ws, 'out', label);
      ctx.log(`${label}: imagestack build ${args.join(' ')} on a fresh engine`);
      const r = await runNode([ctx.cli, 'build', '--parallel', '2', '--output', out, ...args], {
        cwd: ws,
        env: { ...engine.env, IMAGESTACK_NAMESPACE: `${prefix}-${ns}` },
        allowFail: true,
      });
      if (r.code !== 0) throw new Error(`imagestack build ${args.join(' ')} exited ${r.code}:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-1000)}`);
      const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
      const logs = path.join(out, 'logs');
      const cached = readdirSync(logs).reduce((n, f) => n + (readFileSync(path.join(logs, f), 'utf8').match(/Using cache|\bCACHED\b/g)?.length ?? 0), 0);
      const buildMs = report.images.reduce((s, i) => s + (i.durations?.build ?? 0), 0);
      const entry = (image) => report.images.find((i) => i.image === image && i.version === LEAF_VERSION);
      ctx.log(`${label}: ${(r.ms / 1000).toFixed(1)} s wall, build steps ${(buildMs / 1000).toFixed(1)} s, ${cached} cached builder steps`);
      return { ms: Math.round(r.ms), buildMs, cached, images: report.images.length, leafBuildMs: entry(LEAF)?.durations?.build };
    } finally {
      await engine.stop();
    }
  };

  const one = await coldRun('one', ['--version', '2026.2']);
  const two = await coldRun('two', []);
  const rows = [
    {
      metric: `versions — cold build of the example stack's two versions (${two.images} image-versions) vs one version (${one.images}), each on an empty private engine, whole imagestack build run`,
      unit: 'ms',
      value: two.ms,
      baseline: one.ms,
      baselineName: 'cold build of one version (--version 2026.2)',
      ratio: round(two.ms / one.ms),
      goal: `≤ ${GOAL_VERSIONS}`,
      met: two.ms / one.ms <= GOAL_VERSIONS,
      buildStepsMs: { two: two.buildMs, one: one.buildMs, ratio: round(two.buildMs / one.buildMs) },
      cachedSteps: { two: two.cached, one: one.cached },
    },
  ];

  const full = await coldRun('leaf', ['--version', LEAF_VERSION, LEAF]);
  setLeafRun(2);
  commitAll(ws, `change the last RUN of ${LEAF}`);
  // Same namespace as the full build: its parents' tags are in the registry, the leaf's new tag is not.
  const changed = await coldRun('leaf-changed', ['--version', LEAF_VERSION, LEAF], 'leaf');
  rows.push({
    metric: `leaf change — after a one-line change to the last RUN of ${LEAF}, on an empty private engine, imagestack build ${LEAF} vs a full cold build of ${LEAF} (base, python, ${LEAF}), whole imagestack build run`,
    unit: 'ms',
    value: changed.ms,
    baseline: full.ms,
    baselineName: `full cold build of ${LEAF}`,
    ratio: round(changed.ms / full.ms),
    goal: `≤ ${GOAL_LEAF}`,
    met: changed.ms / full.ms <= GOAL_LEAF,
    leafBuildStepMs: { changed: changed.leafBuildMs, full: full.leafBuildMs },
    cachedSteps: { changed: changed.cached, full: full.cached },
  });
  return rows.map((r) => ({ name, min: null, max: null, runs: 1, ...r }));
}
