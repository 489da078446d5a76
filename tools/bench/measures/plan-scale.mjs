/**
 * Measure 1, planning at scale: `imagestack plan --offline --json` on generated stacks of
 * N images × M commits (wall time, peak RSS, CPU time; growth exponents in N and M fitted
 * log-log), and the Nx side: `nx show projects` and `nx show projects --affected` with the
 * imagestack plugin against the same workspace with a stub plugin that returns the same
 * projects without reading anything (the floor Nx itself costs).
 *
 * The goal row (1,000 × 10,000) has a baseline timed in turn with it: `node -e 0` plus the
 * walk's own `git log` on the same repository (the floor of a plan), and a row for each.
 *
 * Goals (issue 5): 1,000 images × 10,000 commits under 1 s and under 200 MB; growth no
 * worse than linear in M; the plugin adds under 1 s to Nx at 1,000 images.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { generatedWorkspace } from '../generate/cache.mjs';
import { fitPowerLaw } from '../lib/fit.mjs';
import { NX_ENV, clearNxCache, nxBin, prepareNxWorkspace, useNxConfig } from '../lib/nx-workspace.mjs';
import { run as runCmd, runNode } from '../lib/proc.mjs';
import { median } from '../lib/context.mjs';

export const name = 'plan-scale';
export const order = 1;
export const needsEngine = false;

const SEED = 1;
const MB = 1e6;

/** The grid and repetitions; `--quick` is a smoke run of the same code on small inputs. */
function settings(quick) {
  return quick
    ? { images: [100, 1000], commits: [300, 1000], runs: () => 1, warmup: () => 0, nxImages: [100], nxCommits: 300, nxRuns: 1, target: [1000, 1000] }
    : { images: [100, 1000, 5000], commits: [1000, 10000], runs: (n) => (n >= 5000 ? 3 : 5), warmup: (n) => (n >= 5000 ? 0 : 1), nxImages: [100, 1000], nxCommits: 1000, nxRuns: 3, target: [1000, 10000] };
}

export async function run(ctx) {
  const s = settings(ctx.quick);
  const rows = [];
  const points = [];
  for (const n of s.images) {
    for (const m of s.commits) {
      const ws = generatedWorkspace({ images: n, commits: m, seed: SEED, log: ctx.log });
      if (!ws.cached) rows.push({ metric: `generate N=${n} M=${m} (git fast-import)`, unit: 'ms', value: ws.ms, runs: 1, goal: null });
      const isTarget = n === s.target[0] && m === s.target[1];
      const samples = [];
      const floor = { node: [], git: [] };
      let count;
      for (let i = -s.warmup(n); i < s.runs(n); i++) {
        const r = await runNode([ctx.cli, 'plan', '--offline', '--json'], { cwd: ws.repo, env: ctx.env });
        // The goal row's baseline, timed in turn with it (same load): see floorRows.
        const f = isTarget ? await timeFloor(ctx, ws.repo) : undefined;
        if (i < 0) continue;
        count ??= JSON.parse(r.stdout).images.length;
        samples.push(r);
        if (f) {
          floor.node.push(f.node);
          floor.git.push(f.git);
        }
      }
      const wall = samples.map((r) => r.ms);
      const rss = samples.map((r) => r.rssBytes);
      const cpu = samples.map((r) => r.cpuMs);
      const w = { median: median(wall), min: Math.min(...wall), max: Math.max(...wall) };
      const peak = Math.max(...rss);
      ctx.log(`plan N=${n} M=${m}: ${w.median.toFixed(0)} ms (cpu ${median(cpu).toFixed(0)} ms), peak RSS ${(peak / MB).toFixed(0)} MB, ${count} nodes`);
      points.push({ n, m, wall: w.median, rss: peak, cpu: median(cpu) });
      const base = isTarget ? median(floor.node) + median(floor.git) : undefined;
      rows.push({
        metric: `plan wall N=${n} M=${m}`,
        unit: 'ms',
        value: w.median,
        min: w.min,
        max: w.max,
        runs: samples.length,
        ...(isTarget ? { baseline: base, baselineName: FLOOR_NAME, ratio: w.median / base } : {}),
        goal: isTarget ? '< 1 s' : null,
        met: isTarget ? w.median < 1000 : null,
        cpuMs: median(cpu),
        nodes: count,
      });
      rows.push({
        metric: `plan peak RSS N=${n} M=${m}`,
        unit: 'MB',
        value: peak / MB,
        min: Math.min(...rss) / MB,
        max: peak / MB,
        runs: samples.length,
        goal: isTarget ? '< 200 MB' : null,
        met: isTarget ? peak < 200 * MB : null,
      });
      if (isTarget) rows.push(...floorRows(n, m, floor));
    }
  }
  rows.push(...exponentRows(points));

  for (const n of s.nxImages) {
    try {
      rows.push(...(await nxRows(ctx, s, n)));
    } catch (e) {
      ctx.log(`nx N=${n}: FAILED: ${e.message}`);
      rows.push({ metric: `nx N=${n}`, goal: 'runs', met: false, error: e.message });
    }
  }
  return rows;
}

const FLOOR_NAME = 'node -e 0 + git log of the walk (floor)';

/**
 * The floor of `plan --offline --json` on a repository, timed once: starting node
 * (`node -e 0`) and reading the first-parent history once with the walk's own `git log`
 * command (core/git/history.ts `firstParentLogArgs`, from the build), output to a file.
 * A plan cannot do less than both; its ratio to their sum shows what the rest costs.
 * @returns wall times in ms
 */
async function timeFloor(ctx, repo) {
  const node = (await runNode(['-e', '0'], { cwd: repo, env: ctx.env })).ms;
  const git = (await runCmd('git', historyArgs(ctx), { cwd: repo, env: ctx.env, stdoutToFile: true })).ms;
  return { node, git };
}

let logArgs;
/** `git log` arguments of the history walk at HEAD (read from the built package once). */
function historyArgs(ctx) {
  if (!logArgs) {
    const require = createRequire(import.meta.url);
    const history = require(path.join(ctx.repoRoot, 'tools/imagestack/dist/core/git/history.js'));
    logArgs = history.firstParentLogArgs('HEAD');
  }
  return logArgs;
}

/** Informative rows: the two parts of the goal row's baseline. */
function floorRows(n, m, floor) {
  return [
    ['node -e 0 (start-up)', floor.node],
    ['git log of the walk (history read once)', floor.git],
  ].map(([what, xs]) => ({
    metric: `plan floor: ${what} N=${n} M=${m}`,
    unit: 'ms',
    value: median(xs),
    min: Math.min(...xs),
    max: Math.max(...xs),
    runs: xs.length,
    goal: null,
  }));
}

/** Lines of `nx show projects` output that are project names (Nx may print notices too). */
function projectNames(stdout) {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[a-z0-9][a-z0-9._-]*$/.test(l))
    .sort();
}

/** The Nx rows at N images: each command with the plugin and with the stub. */
async function nxRows(ctx, s, n) {
  const rows = [];
  {
    const ws = generatedWorkspace({ images: n, commits: s.nxCommits, seed: SEED, log: ctx.log });
    const found = await prepareNxWorkspace(ws.repo);
    ctx.log(`nx N=${n}: ${found.projects} projects, ${found.dependencies} dependencies`);
    const env = { ...ctx.env, ...NX_ENV };
    for (const [label, args] of [
      ['nx show projects', ['show', 'projects']],
      ['nx show projects --affected', ['show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD']],
    ]) {
      const times = { plugin: [], stub: [] };
      const outputs = {};
      // Alternate plugin and stub so that drifting load on the machine hits both alike.
      for (let i = 0; i < s.nxRuns; i++) {
        for (const which of ['stub', 'plugin']) {
          useNxConfig(ws.repo, which);
          clearNxCache(ws.repo);
          const r = await runNode([nxBin, ...args], { cwd: ws.repo, env, stdoutToFile: true });
          times[which].push(r.ms);
          const names = projectNames(r.stdout);
          if (outputs[which] !== undefined && outputs[which] !== names.join(',')) {
            throw new Error(`${label} (${which}): two runs listed different projects (N=${n}); output: ${r.stdout.slice(0, 300)}`);
          }
          outputs[which] = names.join(',');
        }
      }
      if (outputs.plugin !== outputs.stub) {
        const p = outputs.plugin.split(',');
        const b = outputs.stub.split(',');
        throw new Error(
          `${label}: the stub plugin listed other projects than the plugin (N=${n}): ${p.length} vs ${b.length}, ` +
            `only with the plugin: ${p.filter((x) => !b.includes(x)).slice(0, 5).join(' ')}, only with the stub: ${b.filter((x) => !p.includes(x)).slice(0, 5).join(' ')}`,
        );
      }
      const p = median(times.plugin);
      const b = median(times.stub);
      const isTarget = n === 1000;
      ctx.log(`${label} N=${n}: plugin ${p.toFixed(0)} ms, stub ${b.toFixed(0)} ms`);
      rows.push({
        metric: `${label} N=${n}`,
        unit: 'ms',
        value: p,
        min: Math.min(...times.plugin),
        max: Math.max(...times.plugin),
        runs: times.plugin.length,
        baseline: b,
        baselineName: 'stub plugin (Nx floor)',
        goal: null,
      });
      rows.push({
        metric: `${label}: plugin adds N=${n}`,
        unit: 'ms',
        value: p - b,
        runs: times.plugin.length,
        goal: isTarget ? '< 1 s' : null,
        met: isTarget ? p - b < 1000 : null,
      });
      useNxConfig(ws.repo, 'plugin');
    }
  }
  return rows;
}

/** Rows of the fitted growth exponents (log-log least squares over the grid). */
export function exponentRows(points) {
  const rows = [];
  for (const [what, key, unit] of [
    ['plan wall', 'wall', 'ms'],
    ['plan peak RSS', 'rss', 'bytes'],
    ['plan CPU', 'cpu', 'ms'],
  ]) {
    const fit = fitPowerLaw(points.map((p) => ({ x: [p.n, p.m], y: p[key] })));
    const [inN, inM] = fit.exponents;
    rows.push({ metric: `${what}: growth exponent in N`, unit: 'exponent', value: inN, goal: null, r2: fit.r2, fittedUnit: unit });
    rows.push({
      metric: `${what}: growth exponent in M`,
      unit: 'exponent',
      value: inM,
      // "No worse than linear in M" for time and memory; 0.05 of slack for noise.
      goal: key === 'cpu' ? null : '≤ 1 (linear in M)',
      met: key === 'cpu' || inM === null ? null : inM <= 1.05,
      r2: fit.r2,
      fittedUnit: unit,
    });
  }
  return rows;
}
