/**
 * Measure 3, no-op run: `imagestack build` a second time at the same commit on the example
 * stack (specs.yml at the repository root), when every tag is already in the registry.
 * Goal: under 2 s wall time, one registry request per image and version (the HEAD of its
 * tag), zero builds. A multi-platform tag (the example's bash and bash-assert, for linux/amd64
 * and linux/arm64) is an image index the plan must read to know it names every platform asked
 * for (core/registry/image-index.ts `missingPlatforms`: a HEAD, then a GET): two requests more.
 *
 * Requests are counted by a counting HTTP proxy (support/counting-proxy.mjs) in front of the
 * registry, named to the CLI with `--registry 127.0.0.1:<proxy port>`. The registry keys
 * repositories by path (`/v2/imagestack-example/<image>/manifests/<tag>`), so through the
 * proxy the CLI asks for exactly the repositories and tags it asks for without it; only the
 * host part of the references differs, and a no-op run builds, pulls and pushes nothing, so
 * that host is never used by the engine. No change to imagestack is needed to count.
 *
 * Baseline: `imagestack plan` at the same commit (the same walk of git history and the same
 * HEADs, printing the plan): the no-op build should cost no more than planning.
 *
 * If the example stack is not in the registry yet (a fresh machine), it is built and pushed
 * first, untimed (what `npm run main` does; several minutes).
 */
import { cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import { startCountingProxy } from './support/counting-proxy.mjs';
import { must } from './support/proc.mjs';
import { median, round } from '../lib/context.mjs';

export const name = 'noop';
export const order = 3;

export async function run(ctx) {
  const registry = ctx.env.IMAGESTACK_REGISTRY ?? '127.0.0.1:5000';
  const env = { ...ctx.env, IMAGESTACK_REGISTRY: registry };
  delete env.IMAGESTACK_NAMESPACE;
  const cli = (args, e = env) => must(process.execPath, [ctx.cli, ...args], { cwd: ctx.repoRoot, env: e });

  const plan = JSON.parse((await cli(['plan', '--json'])).stdout);
  const entries = plan.images.length;
  // Entries whose tag is an image index: their index is read too (see the top of this file).
  const indexes = plan.images.filter((e) => (e.platforms ?? []).length > 0).length;
  const expected = { requests: entries + 2 * indexes, heads: entries + indexes };
  if (plan.images.some((e) => e.action === 'build')) {
    ctx.log(`the example stack is not fully in ${registry}: building and pushing it first (untimed, several minutes)`);
    await cli(['build', '--output', path.join(ctx.tmp, 'first-run')]);
  }

  const proxy = await startCountingProxy(registry);
  const runs = ctx.quick ? 3 : 7;
  try {
    const viaProxy = { ...env, IMAGESTACK_REGISTRY: proxy.address };
    const stats = [];
    const cpu = [];
    const build = await ctx.time(
      async (i) => {
        proxy.reset();
        // bash's `times` prints the CPU time (user, system) of the children: the CLI's own.
        const r = await must('bash', ['-c', '"$@"; s=$?; times >&2; exit $s', 'bash', process.execPath, ctx.cli, 'build', '--output', path.join(ctx.tmp, `run-${i}`)], {
          cwd: ctx.repoRoot,
          env: viaProxy,
        });
        if (i >= 0) cpu.push(childCpuMs(r.stderr));
        const m = /(\d+) pushed, (\d+) built, (\d+) skipped/.exec(r.stdout);
        if (!m) throw new Error(`unexpected output of imagestack build:\n${r.stdout.slice(-1500)}`);
        stats.push({ ...proxy.stats(), pushed: Number(m[1]), built: Number(m[2]), skipped: Number(m[3]) });
      },
      { runs, warmup: 1 },
    );
    const planTime = await ctx.time(() => cli(['plan'], viaProxy), { runs, warmup: 1 });

    const last = stats[stats.length - 1];
    const requests = stats.map((s) => s.requests.length);
    const heads = stats.map((s) => s.byMethod.HEAD ?? 0);
    const builds = stats.map((s) => s.built + s.pushed);
    const other = last.requests.filter((q) => q.method !== 'HEAD').map((q) => `${q.method} ${q.path}`);
    ctx.log(
      `no-op build ${(build.median / 1000).toFixed(2)} s, CPU ${(median(cpu) / 1000).toFixed(2)} s (plan ${(planTime.median / 1000).toFixed(2)} s; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs); ` +
        `${last.requests.length} requests (${JSON.stringify(last.byMethod)}) for ${entries} images × versions; ${last.skipped} skipped, ${last.built} built` +
        (other.length ? `; not HEAD: ${other.join(', ')}` : ''),
    );
    const oneHeadEach = stats.every((s) => (s.byMethod.HEAD ?? 0) === expected.heads && (s.byMethod.GET ?? 0) === indexes && s.requests.length === expected.requests);
    return [
      {
        name: 'noop',
        metric: `imagestack build, second run — wall time, example stack (${entries} images × versions, all in the registry)`,
        unit: 'ms',
        value: Math.round(build.median),
        min: Math.round(build.min),
        max: Math.round(build.max),
        runs,
        baseline: Math.round(planTime.median),
        baselineName: 'imagestack plan, same commit',
        ratio: round(build.median / planTime.median),
        goal: '< 2000 ms',
        met: build.median < 2000,
      },
      {
        name: 'noop',
        metric: `imagestack build, CPU time — user + system CPU time of the CLI process (less sensitive to the machine's load than wall time)`,
        unit: 'ms',
        value: Math.round(median(cpu)),
        min: Math.round(Math.min(...cpu)),
        max: Math.round(Math.max(...cpu)),
        runs,
        baseline: Math.round(build.median),
        baselineName: 'wall time of the same runs',
        ratio: round(median(cpu) / build.median),
        goal: null,
        met: null,
      },
      {
        name: 'noop',
        metric: `registry requests — HTTP requests to the registry per run (counting proxy)`,
        unit: 'requests',
        value: median(requests),
        min: Math.min(...requests),
        max: Math.max(...requests),
        runs,
        baseline: expected.requests,
        baselineName: indexes ? `images × versions (one HEAD each), plus a HEAD and a GET of each of the ${indexes} image indexes` : 'images × versions (one HEAD each)',
        ratio: round(median(requests) / expected.requests),
        goal: indexes ? 'one HEAD per image and version, and each multi-platform tag\'s index read once' : 'one HEAD per image and version',
        met: oneHeadEach,
        heads: median(heads),
      },
      {
        name: 'noop',
        metric: `images built or pushed — images built + pushed in the second run`,
        unit: 'images',
        value: Math.max(...builds),
        min: Math.min(...builds),
        max: Math.max(...builds),
        runs,
        baseline: 0,
        baselineName: 'nothing to do',
        ratio: null,
        goal: '0',
        met: Math.max(...builds) === 0,
      },
    ];
  } finally {
    await proxy.close();
  }
}

/** Children's user + system CPU time (ms) from the last line of bash's `times` (`0m0.720s 0m0.130s`). */
function childCpuMs(stderr) {
  const line = stderr.trim().split('\n').pop();
  const t = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60_000 + Number(m[2]) * 1000);
  if (t.length !== 2) throw new Error(`cannot read the CPU time from: ${line}`);
  return t[0] + t[1];
}


