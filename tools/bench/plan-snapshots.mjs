#!/usr/bin/env node
/**
 * Byte-identical plans (issue 10): records, or compares with a record, the stdout of
 * `imagestack plan --offline --json` on
 * - the bench's generated repository N = 1,000 × M = 10,000 (seed 1) at HEAD, HEAD~1,
 *   HEAD~10, HEAD~100, HEAD~1000 and HEAD~5000 (first-parent ancestors);
 * - the generated repository N = 100 × M = 1,000 (seed 1) at HEAD;
 * - the example stack (this repository) at one commit (`--example-rev`, default `main`).
 *
 *     node tools/bench/plan-snapshots.mjs --cli <imagestack.js> --out DIR [--example-rev REV] [--quick]
 *     node tools/bench/plan-snapshots.mjs --cli <imagestack.js> --compare DIR
 *
 * `--out` writes `DIR/<case>.json` (stdout bytes), `DIR/<case>.exit` (exit code) and
 * `DIR/manifest.json` (each case's repository and full sha). `--compare` runs the cases of
 * `DIR/manifest.json` at the same shas and reports every difference; exit 1 when any.
 * `--quick` records only the heads HEAD and HEAD~100 of the large repository.
 *
 * Each older head runs in its own detached checkout, so the working tree matches the
 * commit (the plan is clean, not dirty): `git worktree add --detach` of the generated
 * repository (kept in `<repo>/../snapshot-heads/<sha>` for reuse), and a
 * `git clone --shared` of this repository for the example stack (kept in
 * `<os tmpdir>/imagestack-plan-snapshots/example-<sha>`; a clone, so this repository's
 * worktree list stays untouched).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedWorkspace } from './generate/cache.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');

const USAGE = `usage: node tools/bench/plan-snapshots.mjs --cli <imagestack.js> (--out DIR [--example-rev REV] [--quick] | --compare DIR)`;

function parseArgs(argv) {
  const o = { exampleRev: 'main', quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--cli' || a === '--out' || a === '--compare' || a === '--example-rev') {
      if (v === undefined) throw new Error(`${a} needs a value`);
      o[{ '--cli': 'cli', '--out': 'out', '--compare': 'compare', '--example-rev': 'exampleRev' }[a]] = v;
      i++;
    } else if (a === '--quick') o.quick = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!o.cli || (!o.out === !o.compare)) throw new Error('give --cli and exactly one of --out and --compare');
  o.cli = path.resolve(o.cli);
  return o;
}

const git = (cwd, args) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** A detached checkout of `sha` of `repo` (made once, then reused); the repository itself when `sha` is its HEAD and it is clean. */
function checkoutOf(repo, sha, kind) {
  if (git(repo, ['rev-parse', 'HEAD']) === sha && git(repo, ['status', '--porcelain']) === '') return repo;
  if (kind === 'worktree') {
    const dir = path.join(repo, '..', 'snapshot-heads', sha);
    if (!existsSync(path.join(dir, '.git'))) {
      git(repo, ['worktree', 'prune']);
      mkdirSync(path.dirname(dir), { recursive: true });
      git(repo, ['worktree', 'add', '--detach', '--quiet', dir, sha]);
    }
    return dir;
  }
  const dir = path.join(os.tmpdir(), 'imagestack-plan-snapshots', `example-${sha}`);
  if (!existsSync(path.join(dir, '.git'))) {
    mkdirSync(path.dirname(dir), { recursive: true });
    git(os.tmpdir(), ['clone', '--shared', '--quiet', '--no-checkout', repo, dir]);
    git(dir, ['checkout', '--quiet', '--detach', sha]);
  }
  return dir;
}

/** The cases to record: `{ name, repo, sha, kind }`. */
function casesToRecord(o) {
  const big = generatedWorkspace({ images: 1000, commits: 10000, seed: 1, log: (m) => process.stderr.write(`${m}\n`) }).repo;
  const small = generatedWorkspace({ images: 100, commits: 1000, seed: 1, log: (m) => process.stderr.write(`${m}\n`) }).repo;
  const offsets = o.quick ? [0, 100] : [0, 1, 10, 100, 1000, 5000];
  const cases = offsets.map((k) => ({ name: `n1000-m10000-head~${k}`, repo: big, sha: git(big, ['rev-parse', `HEAD~${k}`]), kind: 'worktree' }));
  cases.push({ name: 'n100-m1000-head', repo: small, sha: git(small, ['rev-parse', 'HEAD']), kind: 'worktree' });
  cases.push({ name: 'example-stack', repo: repoRoot, sha: git(repoRoot, ['rev-parse', `${o.exampleRev}^{commit}`]), kind: 'clone' });
  return cases;
}

/** Runs the plan of one case: `{ stdout: Buffer, code, stderr, ms }`. */
function planOf(cli, c) {
  const cwd = checkoutOf(c.repo, c.sha, c.kind);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, 'plan', '--offline', '--json'], { cwd, maxBuffer: 1 << 30 });
  return { stdout: r.stdout, code: r.status, stderr: r.stderr.toString('utf8'), ms: performance.now() - t0 };
}

function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`plan-snapshots: ${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (o.out) {
    mkdirSync(o.out, { recursive: true });
    const cases = casesToRecord(o);
    for (const c of cases) {
      const r = planOf(o.cli, c);
      writeFileSync(path.join(o.out, `${c.name}.json`), r.stdout);
      writeFileSync(path.join(o.out, `${c.name}.exit`), `${r.code}\n`);
      process.stderr.write(`${c.name} (${c.sha.slice(0, 7)}): exit ${r.code}, ${r.stdout.length} bytes, ${r.ms.toFixed(0)} ms\n`);
      if (r.code !== 0) process.stderr.write(r.stderr);
    }
    writeFileSync(path.join(o.out, 'manifest.json'), `${JSON.stringify({ cli: o.cli, date: new Date().toISOString(), cases }, null, 2)}\n`);
    return;
  }
  const { cases } = JSON.parse(readFileSync(path.join(o.compare, 'manifest.json'), 'utf8'));
  let differ = 0;
  for (const c of cases) {
    const r = planOf(o.cli, c);
    const want = readFileSync(path.join(o.compare, `${c.name}.json`));
    const wantCode = Number(readFileSync(path.join(o.compare, `${c.name}.exit`), 'utf8'));
    const same = r.code === wantCode && Buffer.compare(r.stdout, want) === 0;
    if (!same) {
      differ++;
      let at = 0;
      while (at < want.length && at < r.stdout.length && want[at] === r.stdout[at]) at++;
      process.stderr.write(
        `${c.name} (${c.sha.slice(0, 7)}): DIFFERS (exit ${r.code} vs ${wantCode}, ${r.stdout.length} vs ${want.length} bytes, first difference at byte ${at}: ` +
          `${JSON.stringify(r.stdout.subarray(at, at + 80).toString('utf8'))} vs ${JSON.stringify(want.subarray(at, at + 80).toString('utf8'))})\n`,
      );
      if (r.code !== 0) process.stderr.write(r.stderr);
    } else process.stdout.write(`${c.name} (${c.sha.slice(0, 7)}): identical (${want.length} bytes, ${r.ms.toFixed(0)} ms)\n`);
  }
  process.stdout.write(differ === 0 ? `all ${cases.length} plans identical\n` : `${differ} of ${cases.length} plans differ\n`);
  process.exit(differ === 0 ? 0 : 1);
}

main();
