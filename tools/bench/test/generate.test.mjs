import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dagStats, dockerfile, makeDag, parentsOf, tagArg } from '../generate/dag.mjs';
import { buildHistory, generateRepo } from '../generate/generate.mjs';
import { prng } from '../generate/prng.mjs';
import { fitPowerLaw } from '../lib/fit.mjs';

const dirs = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('generator', () => {
  it('is reproducible: the same seed gives the same stack and history, another seed another', () => {
    const a = buildHistory({ images: 60, commits: 200, seed: 3 });
    const b = buildHistory({ images: 60, commits: 200, seed: 3 });
    const c = buildHistory({ images: 60, commits: 200, seed: 4 });
    expect(b.stream).toBe(a.stream);
    expect(c.stream).not.toBe(a.stream);
  });

  it('makes a DAG with several roots, fan-out, long chains and multi-stage COPY --from edges', () => {
    const dag = makeDag(1000, prng(1));
    dag.forEach((img, i) => parentsOf(img).forEach((p) => expect(p).toBeLessThan(i)));
    const s = dagStats(dag);
    expect(s.images).toBe(1000);
    expect(s.roots).toBeGreaterThanOrEqual(3);
    expect(s.maxFanOut).toBeGreaterThanOrEqual(15);
    expect(s.longestChain).toBeGreaterThanOrEqual(10);
    expect(s.depth).toBeGreaterThanOrEqual(15);
    expect(s.copyFromEdges).toBeGreaterThanOrEqual(50);
    expect(s.leaves).toBeGreaterThan(200);
  });

  it('writes Dockerfiles naming parents the imagestack way', () => {
    const dag = makeDag(200, prng(2));
    const i = dag.findIndex((x) => x.build !== null);
    const text = dockerfile(dag, i, 0);
    const parent = dag[dag[i].parent];
    const build = dag[dag[i].build];
    expect(text).toContain('ARG REGISTRY\n');
    expect(text).toContain(`ARG ${tagArg(parent.name)}\n`);
    expect(text).toContain(`FROM \${REGISTRY}/${build.name}:\${${tagArg(build.name)}} AS build\n`);
    expect(text).toContain(`FROM \${REGISTRY}/${parent.name}:\${${tagArg(parent.name)}}\n`);
    expect(text).toContain('COPY --from=build ');
    expect(dockerfile(dag, 0, 0)).toContain('FROM debian:bookworm-slim\n');
  });

  it('writes a git repository of exactly M commits with merges, specs.yml edits and the same shas for the same seed', () => {
    const out = () => {
      const d = mkdtempSync(path.join(os.tmpdir(), 'bench-gen-'));
      dirs.push(d);
      return path.join(d, 'repo');
    };
    const repo = out();
    const r1 = generateRepo({ images: 30, commits: 150, seed: 9, out: repo });
    const r2 = generateRepo({ images: 30, commits: 150, seed: 9, out: out() });
    expect(r2.head).toBe(r1.head);
    const git = (...a) => execFileSync('git', a, { cwd: repo, encoding: 'utf8' }).trim();
    expect(Number(git('rev-list', '--count', 'HEAD'))).toBe(150);
    expect(Number(git('rev-list', '--count', '--merges', 'HEAD'))).toBe(r1.counts.merge);
    expect(r1.counts.merge).toBeGreaterThan(0);
    expect(r1.counts['specs-comment']).toBeGreaterThan(0);
    expect(r1.counts['specs-meaning']).toBeGreaterThan(0);
    expect(Object.values(r1.counts).reduce((a, b) => a + b, 0)).toBe(150);
    expect(git('status', '--porcelain')).toBe('');
    const specs = readFileSync(path.join(repo, 'specs.yml'), 'utf8');
    expect(specs).toMatch(/^images:\n/m);
    for (const img of r1.dag) expect(specs).toContain(`  ${img.name}:`);
  });
});

describe('fitPowerLaw', () => {
  it('recovers the exponents of an exact power law in two variables', () => {
    const pts = [];
    for (const n of [100, 1000, 5000]) for (const m of [1000, 10000]) pts.push({ x: [n, m], y: 2.5 * n ** 0.8 * m ** 1.2 });
    const f = fitPowerLaw(pts);
    expect(f.exponents[0]).toBeCloseTo(0.8, 10);
    expect(f.exponents[1]).toBeCloseTo(1.2, 10);
    expect(f.coefficient).toBeCloseTo(2.5, 8);
    expect(f.r2).toBeCloseTo(1, 10);
  });

  it('gives null for a dimension that does not vary, and rejects non-positive values', () => {
    const f = fitPowerLaw([
      { x: [10, 7], y: 10 },
      { x: [100, 7], y: 100 },
    ]);
    expect(f.exponents[0]).toBeCloseTo(1, 10);
    expect(f.exponents[1]).toBeNull();
    expect(() => fitPowerLaw([{ x: [0, 1], y: 1 }])).toThrow(/non-positive/);
  });
});
