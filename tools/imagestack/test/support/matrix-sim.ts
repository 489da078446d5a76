/**
 * The CI matrix run on this machine the way GitHub Actions runs ci.yml's build job (for
 * test/ci-matrix*.test.ts): every matrix entry a separate `imagestack build` process, in a
 * fresh clone (actions/checkout), on one of the private engines that play the runners
 * (`./engines.ts`), nothing shared but the registry. Jobs start in `include` order, at most one
 * per runner at a time (`max-parallel` = the number of runners).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Matrix, MatrixEntry } from '../../src/core/ci/matrix';
import type { ExtraEngine } from './engines';
import { testEnvironment } from './env';
import { Workspace } from './workspace';

/** The `origin` every simulated checkout has (the labels' `source`). */
export const ORIGIN = 'https://example.invalid/org/tiny-stack.git';

/** One job's outcome. */
export interface JobResult {
  entry: MatrixEntry;
  runner: string;
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time, ms. */
  ms: number;
}

/** Removes the stack's images of `namespace` from a runner's engine: the next job starts like on a fresh runner. */
export function freshRunner(engine: ExtraEngine, namespace: string): void {
  const { registry } = testEnvironment();
  const env = { ...process.env, DOCKER_HOST: engine.dockerHost };
  const refs = execFileSync('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { env, encoding: 'utf8' })
    .split('\n')
    .filter((r) => r.startsWith(`${registry}/${namespace}/`));
  if (refs.length) spawnSync('docker', ['image', 'rm', '-f', ...refs], { env });
}

/**
 * The job's command, as ci.yml's build step runs it: a platform job `--platform <p>`, a
 * publish job `--publish-index`, any other job the image alone.
 */
export function jobArgs(entry: MatrixEntry, runId: string, wait: string): string[] {
  const kind = entry.kind === 'platform' ? ['--platform', entry.platform!] : entry.kind === 'publish' ? ['--publish-index'] : [];
  return ['build', '--version', entry.version, '--wait-for-parents', wait, '--run-id', runId, ...kind, entry.image];
}

/**
 * Runs the matrix like GitHub: jobs taken in `include` order by the runners, each job a
 * separate CLI process in its own clone with its runner's engine. Each job's report.json is
 * kept under `reports/<job name with spaces and slashes as dashes>/` (the workflow's upload-artifact).
 */
export async function runMatrix(ws: Workspace, matrix: Matrix, engines: ExtraEngine[], runId: string, wait: string, reports: string): Promise<JobResult[]> {
  const queue = [...matrix.include];
  const results: JobResult[] = [];
  await Promise.all(
    engines.map(async (engine) => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) {
        const job = new Workspace('imagestack-job-', { from: ws });
        job.git('remote', 'set-url', 'origin', ORIGIN);
        const t0 = Date.now();
        try {
          const r = await job.cli(jobArgs(entry, runId, wait), { DOCKER_HOST: engine.dockerHost });
          results.push({ entry, runner: engine.name, ...r, ms: Date.now() - t0 });
          const dir = path.join(reports, entry.name.replace(/[ /]/g, '-'));
          mkdirSync(dir, { recursive: true });
          cpSync(path.join(job.dir, 'dist/imagestack/report.json'), path.join(dir, 'report.json'));
          // IMAGESTACK_CI_SIM_DEBUG=1: per job, the runner, wall time (ms) and per-step durations (ms).
          if (process.env.IMAGESTACK_CI_SIM_DEBUG) {
            const rep = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
            console.log(entry.name, engine.name, Date.now() - t0, JSON.stringify(rep.images.map((i: { durations: unknown }) => i.durations)));
          }
        } finally {
          job.dispose();
          freshRunner(engine, ws.namespace);
        }
      }
    }),
  );
  return results;
}
