#!/usr/bin/env node
/**
 * node tools/bench/generate/cli.mjs --images N --commits M [--seed S] [--out DIR]
 *
 * Writes a synthetic imagestack workspace (git repository) for benchmarks; see generate.mjs.
 * With --out, into DIR (which must not exist or be empty); without, into the bench cache
 * (see cache.mjs) and prints its path. Prints the DAG's shape figures and the commit counts.
 */
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { generatedWorkspace } from './cache.mjs';
import { dagStats } from './dag.mjs';
import { generateRepo } from './generate.mjs';

function usage(msg) {
  if (msg) process.stderr.write(`generate: ${msg}\n`);
  process.stderr.write('usage: node tools/bench/generate/cli.mjs --images N --commits M [--seed S] [--out DIR]\n');
  process.exit(2);
}

const o = { seed: 1 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const v = argv[i + 1];
  if (a === '--images' || a === '--commits' || a === '--seed') {
    if (v === undefined || !/^\d+$/.test(v)) usage(`${a} needs a whole number`);
    o[a.slice(2)] = Number(v);
    i++;
  } else if (a === '--out') {
    if (!v) usage('--out needs a folder');
    o.out = path.resolve(v);
    i++;
  } else usage(`unknown argument ${a}`);
}
if (!(o.images >= 2)) usage('--images must be at least 2');
if (!(o.commits >= 1)) usage('--commits must be at least 1');

const t0 = performance.now();
if (o.out) {
  if (existsSync(o.out) && readdirSync(o.out).length) usage(`${o.out} is not empty`);
  const r = generateRepo({ images: o.images, commits: o.commits, seed: o.seed, out: o.out });
  process.stdout.write(`${o.out}\nhead ${r.head}\nshape ${JSON.stringify(dagStats(r.dag))}\ncommits ${JSON.stringify(r.counts)}\n`);
} else {
  const r = generatedWorkspace({ images: o.images, commits: o.commits, seed: o.seed });
  process.stdout.write(`${r.repo}${r.cached ? ' (cached)' : ''}\nhead ${r.meta.head}\nshape ${JSON.stringify(r.meta.stats)}\ncommits ${JSON.stringify(r.meta.counts)}\n`);
}
process.stderr.write(`generate: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
