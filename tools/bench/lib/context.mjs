/**
 * The benchmark context handed to every measure (`run(ctx)`), and the helpers behind it.
 * Used by tools/bench/run.mjs; a measure file can also build a context itself with
 * `makeContext()` to run standalone (but `node tools/bench/run.mjs --only <name>` is simpler).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of tools/bench. */
export const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Absolute path of the repository root. */
export const repoRoot = path.resolve(benchDir, '..', '..');

const started = Date.now();

/** Write one progress line to stderr, prefixed with the seconds elapsed since the harness started. */
export function log(msg) {
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
}

/**
 * Run `fn` `runs` times in sequence (awaiting it when it returns a promise) and return
 * `{ median, min, max, samples }`, all in milliseconds (wall time, `performance.now()`).
 * `warmup` extra runs (default 0) are made first and not counted.
 */
export async function time(fn, { runs = 5, warmup = 0 } = {}) {
  for (let i = 0; i < warmup; i++) await fn(-1 - i);
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples };
}

/** Median of a non-empty array of numbers (mean of the middle two for an even length). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

let engineEnv;
/**
 * The process environment plus DOCKER_HOST / IMAGESTACK_REGISTRY etc. from
 * `bash tools/engine/up.sh --platforms linux/arm64 --env-file` (which starts or reuses the engine
 * and registry; `--platforms`, as `npm run main`: the example stack's bash and bash-assert are
 * built FROM the base index it publishes, with arm64 under emulation).
 * Computed once per process. Throws when up.sh fails.
 */
export function loadEngineEnv() {
  if (engineEnv) return engineEnv;
  const file = execFileSync('bash', [path.join(repoRoot, 'tools/engine/up.sh'), '--platforms', 'linux/arm64', '--env-file'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const env = { ...process.env };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  engineEnv = env;
  return env;
}

/**
 * Build the context of one measure.
 * @param {{ name: string, quick?: boolean, env?: Record<string,string|undefined> }} o
 *   `env` defaults to `loadEngineEnv()`.
 * @returns the ctx: `{ repoRoot, benchDir, tmp, quick, log, time, cli, env }`, where `tmp` is a
 *   fresh temp directory for this measure (left for inspection; under os.tmpdir()).
 */
export function makeContext({ name, quick = false, env }) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `imagestack-bench-${name}-`));
  return {
    repoRoot,
    benchDir,
    tmp,
    quick,
    log: (msg) => log(`${name}: ${msg}`),
    time,
    cli: path.join(repoRoot, 'tools/imagestack/bin/imagestack.js'),
    env: env ?? loadEngineEnv(),
  };
}

/** `x` rounded to `digits` decimals (for ratios in rows). */
export function round(x, digits = 3) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
