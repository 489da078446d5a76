/**
 * Run a node program as a child process and measure it: wall time (ms) and peak RSS (bytes)
 * of the process and of every node process it starts (through lib/rss-probe.cjs, preloaded
 * with NODE_OPTIONS; no GNU time needed).
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const probe = path.join(path.dirname(fileURLToPath(import.meta.url)), 'rss-probe.cjs');

/**
 * Run `node <args…>` (the same node binary as the harness).
 * @param {string[]} args
 * @param {{ cwd?: string, env?: Record<string,string|undefined>, allowFail?: boolean, input?: string, stdoutToFile?: boolean }} [o]
 *   `stdoutToFile`: collect stdout through a file instead of a pipe (for programs that exit
 *   with output still queued, like `nx show projects` printing 1,000 names)
 * @returns {Promise<{ ms: number, code: number, stdout: string, stderr: string,
 *   rssBytes: number|null, maxRssBytes: number|null, cpuMs: number|null, totalCpuMs: number,
 *   processes: {pid:number, ppid:number, rssBytes:number, cpuMs:number, script:string}[] }>}
 *   `rssBytes` is the peak RSS of the top process, `maxRssBytes` the largest over all node
 *   processes it started (Nx starts plugin workers); `cpuMs` the top process's CPU time
 *   (user + system), `totalCpuMs` the sum over all node processes (a figure less disturbed
 *   than wall time by other load on the machine). Throws (with the tail of stderr) on a
 *   non-zero exit unless `allowFail`.
 */
export function runNode(args, o = {}) {
  return run(process.execPath, args, o);
}

/** Like runNode, for any command (RSS is only reported for node processes among them). */
export function run(cmd, args, { cwd, env = process.env, allowFail = false, input, stdoutToFile = false } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-bench-rss-'));
  const rssFile = path.join(dir, 'rss');
  const childEnv = {
    ...env,
    IMAGESTACK_BENCH_RSS_FILE: rssFile,
    NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --require ${probe}`.trim(),
  };
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // A program that calls process.exit() right after printing may lose the end of its output
    // on a pipe (Node writes to pipes asynchronously); writes to a file are synchronous.
    const outFile = path.join(dir, 'stdout');
    const outFd = stdoutToFile ? openSync(outFile, 'w') : undefined;
    const child = spawn(cmd, args, { cwd, env: childEnv, stdio: [input === undefined ? 'ignore' : 'pipe', outFd ?? 'pipe', 'pipe'] });
    if (outFd !== undefined) closeSync(outFd);
    const out = [];
    const err = [];
    child.stdout?.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    if (input !== undefined) child.stdin.end(input);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      try {
        finish(code, signal);
      } catch (e) {
        reject(e);
      }
    });
    function finish(code, signal) {
      const ms = performance.now() - t0;
      let processes = [];
      try {
        processes = readFileSync(rssFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => {
            const [pid, ppid, rss, cpu, ...script] = l.split(' ');
            return { pid: Number(pid), ppid: Number(ppid), rssBytes: Number(rss), cpuMs: Number(cpu) / 1000, script: script.join(' ') };
          });
      } catch {
        /* no node process reported */
      }
      const stdout = outFd !== undefined ? readFileSync(outFile, 'utf8') : Buffer.concat(out).toString('utf8');
      // A straggling child (e.g. an Nx plugin worker) may still append: never fail on cleanup.
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        /* left in the temp folder */
      }
      const stderr = Buffer.concat(err).toString('utf8');
      const top = processes.find((p) => p.pid === child.pid);
      const res = {
        ms,
        code: code ?? 128,
        stdout,
        stderr,
        rssBytes: top ? top.rssBytes : null,
        cpuMs: top ? top.cpuMs : null,
        totalCpuMs: processes.reduce((a, p) => a + p.cpuMs, 0),
        maxRssBytes: processes.length ? Math.max(...processes.map((p) => p.rssBytes)) : null,
        processes,
      };
      if ((code !== 0 || signal) && !allowFail) {
        const tail = stderr.trim().split('\n').slice(-20).join('\n');
        reject(new Error(`${path.basename(cmd)} ${args.join(' ')} exited with ${code ?? signal}:\n${tail}`));
      } else resolve(res);
    }
  });
}
