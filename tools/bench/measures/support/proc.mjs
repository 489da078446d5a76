/**
 * Running commands for the benchmarks: spawn, collect output, fail with the tail of it.
 */
import { spawn, spawnSync } from 'node:child_process';

/**
 * Runs `cmd args` and resolves with `{ code, stdout, stderr, ms }` (never rejects on a
 * non-zero exit; `ms` is the wall time in milliseconds).
 *
 * @param o `{ cwd, env, input }`
 */
export function run(cmd, args, o = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr, ms: performance.now() - t0, pid: child.pid }));
    if (o.input !== undefined) {
      child.stdin.on('error', () => {}); // a child that exits without reading its input is not an error here
      child.stdin.end(o.input);
    }
  });
}

/**
 * Like {@link run}, but rejects when the exit code is not 0, with the last 30 lines of the
 * output in the message.
 */
export async function must(cmd, args, o = {}) {
  const r = await run(cmd, args, o);
  if (r.code !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}:\n${tail}`);
  }
  return r;
}

/** Synchronous `cmd args` → stdout trimmed ('' on failure). */
export function quiet(cmd, args, o = {}) {
  const r = spawnSync(cmd, args, { cwd: o.cwd, env: o.env, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

/**
 * Removes every image of the engine whose repository starts with `prefix`
 * (e.g. `127.0.0.1:5000/bench-sched-`), and the dangling images they leave.
 */
export async function removeImages(env, prefix) {
  const refs = quiet('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'], { env })
    .split('\n')
    .filter((r) => r.startsWith(prefix));
  for (let i = 0; i < refs.length; i += 50) await run('docker', ['rmi', '-f', ...refs.slice(i, i + 50)], { env });
}

/** Runs `fns` (functions returning promises) with at most `p` at once; resolves when all are done. */
export async function pool(fns, p) {
  let next = 0;
  const worker = async () => {
    while (next < fns.length) await fns[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(p, fns.length) }, worker));
}
