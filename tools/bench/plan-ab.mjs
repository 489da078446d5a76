#!/usr/bin/env node
/**
 * A/B timing of `imagestack plan --offline --json` for two builds, run alternately on the
 * same repository so that drifting load on the machine hits both alike (the machine may be
 * shared): `node tools/bench/plan-ab.mjs --a <imagestack.js> --b <imagestack.js>
 * [--images N] [--commits M] [--runs K]`. Prints, per build, the medians of wall time,
 * CPU time of the node process (user + system, the figure least disturbed by other load)
 * and peak RSS. Defaults: the goal row of measures/plan-scale.mjs (1,000 × 10,000), 7 runs.
 */
import * as path from 'node:path';
import { generatedWorkspace } from './generate/cache.mjs';
import { median } from './lib/context.mjs';
import { runNode } from './lib/proc.mjs';

const o = { images: 1000, commits: 10000, runs: 7 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const k = argv[i].replace(/^--/, '');
  if (!['a', 'b', 'images', 'commits', 'runs'].includes(k) || argv[i + 1] === undefined) {
    process.stderr.write('usage: node tools/bench/plan-ab.mjs --a <imagestack.js> --b <imagestack.js> [--images N] [--commits M] [--runs K]\n');
    process.exit(2);
  }
  o[k] = k === 'a' || k === 'b' ? path.resolve(argv[i + 1]) : Number(argv[i + 1]);
}
const ws = generatedWorkspace({ images: o.images, commits: o.commits, seed: 1, log: (m) => process.stderr.write(`${m}\n`) });
const got = { a: [], b: [] };
for (let i = -1; i < o.runs; i++) {
  for (const which of i % 2 ? ['a', 'b'] : ['b', 'a']) {
    const r = await runNode([o[which], 'plan', '--offline', '--json'], { cwd: ws.repo, stdoutToFile: true });
    if (i >= 0) got[which].push(r);
  }
}
for (const which of ['a', 'b']) {
  const rs = got[which];
  const f = (xs) => median(xs).toFixed(0);
  process.stdout.write(
    `${which} ${o[which]}: wall ${f(rs.map((r) => r.ms))} ms (min ${Math.min(...rs.map((r) => r.ms)).toFixed(0)}), ` +
      `cpu ${f(rs.map((r) => r.cpuMs))} ms (min ${Math.min(...rs.map((r) => r.cpuMs)).toFixed(0)}), peak RSS ${(Math.max(...rs.map((r) => r.rssBytes)) / 1e6).toFixed(0)} MB\n`,
  );
}
