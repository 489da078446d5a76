#!/usr/bin/env node
/**
 * The benchmark harness: `node tools/bench/run.mjs [--quick] [--only <name>…]`
 * (`npm run bench` builds first, then runs this).
 *
 * Discovers tools/bench/measures/*.mjs. Each module exports `name` (string), optionally
 * `order` (number, default 100; lower runs first) and `needsEngine` (default true; when every
 * selected measure says false, tools/engine/up.sh is not run), and `async run(ctx)` returning
 * an array of result rows (see lib/rows.mjs for the fields). A measure that throws becomes one
 * row with `met: false` and its `error`; the other measures still run.
 *
 * Prints a table to stdout and writes bench/results/latest.json =
 * `{ commit, dirty, date, quick, durationMs, machine: {cpus, memoryBytes, node}, results: [...] }`.
 * Progress goes to stderr. Exit code 0 when the suite ran (goals missed or not), 2 on bad arguments.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchDir, loadEngineEnv, log, makeContext, repoRoot } from './lib/context.mjs';
import { errorRow, formatTable, normalizeRow } from './lib/rows.mjs';

function parseArgs(argv) {
  const o = { quick: false, only: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--only') {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new Error('--only needs at least one measure name');
      while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) o.only.push(...argv[++i].split(',').filter(Boolean));
    } else if (a.startsWith('--only=')) o.only.push(...a.slice(7).split(',').filter(Boolean));
    else if (a === '-h' || a === '--help') o.help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

const USAGE = `usage: node tools/bench/run.mjs [--quick] [--only <measure>…]
  --quick   a short smoke run (smaller inputs, fewer runs)
  --only    run only these measures (names as in tools/bench/measures/*.mjs, space or comma separated)`;

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench: ${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const measuresDir = path.join(benchDir, 'measures');
  const files = readdirSync(measuresDir).filter((f) => f.endsWith('.mjs')).sort();
  const measures = [];
  for (const f of files) {
    const m = await import(pathToFileURL(path.join(measuresDir, f)).href);
    if (typeof m.name !== 'string' || typeof m.run !== 'function') {
      log(`skipping measures/${f}: it must export name (string) and run(ctx)`);
      continue;
    }
    measures.push({ file: f, name: m.name, order: m.order ?? 100, needsEngine: m.needsEngine !== false, run: m.run });
  }
  measures.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
  const unknown = args.only.filter((n) => !measures.some((m) => m.name === n));
  if (unknown.length) {
    process.stderr.write(`bench: no measure named ${unknown.join(', ')}; known: ${measures.map((m) => m.name).join(', ')}\n`);
    process.exit(2);
  }
  const selected = args.only.length ? measures.filter((m) => args.only.includes(m.name)) : measures;

  let env = process.env;
  if (selected.some((m) => m.needsEngine)) {
    log('engine: bash tools/engine/up.sh --platforms linux/arm64 --env-file');
    try {
      env = loadEngineEnv();
    } catch (e) {
      log(`engine: up.sh failed (${e.message.split('\n')[0]}); measures that need the engine will fail`);
    }
  }

  // An error escaping a measure asynchronously (an event handler, a stray promise) is
  // recorded against the measure running, not allowed to end the suite.
  let stray = [];
  const onStray = (e) => {
    log(`uncaught: ${e?.stack ?? e}`);
    stray.push(e);
  };
  process.on('uncaughtException', onStray);
  process.on('unhandledRejection', onStray);

  const t0 = Date.now();
  const results = [];
  for (const m of selected) {
    stray = [];
    const ctx = makeContext({ name: m.name, quick: args.quick, env });
    log(`${m.name}: start (tmp ${ctx.tmp})`);
    const tm = Date.now();
    try {
      const rows = await m.run(ctx);
      if (!Array.isArray(rows)) throw new Error(`run() returned ${typeof rows}, not an array of rows`);
      for (const r of rows) results.push(normalizeRow(r, m.name));
    } catch (e) {
      log(`${m.name}: FAILED: ${e?.stack ?? e}`);
      results.push(errorRow(m.name, e));
    }
    for (const e of stray) results.push(errorRow(m.name, e));
    log(`${m.name}: done in ${((Date.now() - tm) / 1000).toFixed(1)} s`);
  }

  const git = (...a) => {
    try {
      return execFileSync('git', a, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  const report = {
    commit: git('rev-parse', 'HEAD'),
    dirty: (git('status', '--porcelain', '--untracked-files=no') ?? '') !== '',
    date: new Date().toISOString(),
    quick: args.quick,
    durationMs: Date.now() - t0,
    machine: { cpus: os.cpus().length, memoryBytes: os.totalmem(), node: process.version },
    results,
  };
  const outDir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, 'latest.json');
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${formatTable(results)}\n`);
  log(`wrote ${path.relative(repoRoot, out)} (${results.length} rows, ${(report.durationMs / 1000).toFixed(1)} s)`);
}

main().catch((e) => {
  process.stderr.write(`bench: ${e?.stack ?? e}\n`);
  process.exit(1);
});
