/**
 * One pipeline run, the façade: plan → select (`select.ts`, pure) → per image and version, as
 * soon as its parents are done, the steps of `image.ts` (resolve parents → labels → build →
 * gates → push) → failure markers (CI) → report. It keeps the promises of DESIGN.md: tags
 * already in the registry are never overwritten (2, `steps/push.ts`), every stack `FROM`
 * resolves to a tag built in this run or present in the registry (3, `select.ts` and
 * `steps/parents.ts`), an image is pushed only after it and its ancestors passed their gates
 * (4, `image.ts` and `scheduler.ts`), dirty trees never push a tag that claims a commit (9).
 *
 * The outside world comes in through ports (`core/ports.ts`): the engine, the registry, the
 * clock, the working directory.
 */
import * as path from 'node:path';
import type Docker from 'dockerode';
import { writeFailureMarker, type MarkerRegistry } from '../ci/markers';
import { lazyDockerEngine } from '../engine/docker-engine';
import { commitsBetween, remoteUrl, revParse, runGit } from '../git/git';
import { makePlan } from '../plan/make-plan';
import type { Plan, PlanEntry } from '../plan/types';
import { systemClock, type Clock, type ImageEngine } from '../ports';
import { InputError, RegistryError } from '../errors';
import { BuildkitBuilder } from '../engine/buildkit/builder';
import { resolveSecrets } from '../plan/builder-check';
import type { BuilderChoice } from '../specs/builder';
import { dockerAuthConfig, RegistryClient, resolveCredentials } from '../registry';
import { makeReport, writeReport, type RunReport } from '../report/report';
import type { RunContext } from './context';
import { executePlan } from './execute';
import { hostPlatform } from './platforms/names';
import { applyJobOptions } from './platforms/job-selection';
import { refuseUnplannedPlatforms, type EngineAssignment } from './platforms/engines';
import { openEngines } from '../engine/engines';
import { nodeKey } from '../tags/tag';
import { checkNames, refuseClassicPlatformBases, refuseIncompleteTags, selectEntries } from './select';
import { runStackChecks } from '../verify/stack-checks/run';
import type { Gate, NodeResult, Reporter } from './types';
import type { StackCheckResult } from '../verify/stack-checks/evaluate';

/** Options of {@link runPipeline}. */
export interface RunOptions {
  /** Path of specs.yml. */
  specsFile: string;
  /** Override specs.yml `registry` / `namespace`. */
  registry?: string;
  namespace?: string;
  /** Only these images (and the ancestors they need). Default: all. */
  images?: string[];
  /** Only these versions. Default: all. */
  versions?: string[];
  /** Only images whose source commit is newer than this ref (changed since it), and their descendants. */
  base?: string;
  /**
   * Also run the ancestors a selected image needs whose tag is missing (default true, or
   * false with `waitForParents`).
   * False for callers that order ancestors themselves (the Nx executors: `dependsOn ^build`).
   */
  withAncestors?: boolean;
  /**
   * CI matrix mode (`core/ci`): a parent whose tag is missing and that this run does not
   * build is built by another job; wait up to `timeoutMs` (ms) for its tag to appear in the
   * registry, then pull it. With `runId`, stop waiting as soon as that job left a failure
   * marker (the image is then `blocked`). Implies `withAncestors: false` unless given.
   */
  waitForParents?: { timeoutMs: number; pollMs?: number };
  /**
   * CI run id (GitHub: `<run id>-<run attempt>`). With it, every selected image that ends
   * failed, blocked or cancelled gets a failure marker in the registry, for the jobs
   * waiting on it (`core/ci/markers.ts`).
   */
  runId?: string;
  /**
   * CI platform job (issue 14): build, verify and push by digest only this platform of each
   * selected image (which must declare it), recording the digest under `runId` for the publish
   * job; no tag is put. Implies `withAncestors: false` unless given.
   */
  platform?: string;
  /**
   * CI publish job (issue 14): build nothing; for each selected multi-platform image, wait (up to
   * `waitForParents.timeoutMs`, else one look) for its platform jobs' digest records of `runId`,
   * then put its index under the tag. Implies `withAncestors: false` unless given.
   */
  publishIndex?: boolean;
  /** Images built at once (default 2). */
  parallel?: number;
  /**
   * Build images whose tag is missing (default true). False: use the image the engine
   * already has under that reference (built by an earlier step, e.g. the Nx `build`
   * target), and fail when there is none.
   */
  build?: boolean;
  /** Push what passed (default true). */
  push?: boolean;
  /** Also push dirty tags (default false: a dirty tag is built and gated, never pushed). */
  pushDirty?: boolean;
  /** Rebuild selected images even when their tag exists, under a new tag `<tag>.force-<UTC time>`. */
  force?: boolean;
  /**
   * Build every image this run builds without layer cache (`BuildRequest.noCache`; default
   * false). `refresh --packages` uses it with `force` to rebuild root images from scratch.
   */
  noCache?: boolean;
  /** Folder for logs and reports (default `<root>/dist/imagestack`). */
  outputDir?: string;
  /** Verification steps between build and push (package manifest, checks, tests). */
  gates?: Gate[];
  reporter?: Reporter;
  /** Aborting cancels running builds and starts nothing new. */
  signal?: AbortSignal;
  /**
   * The folder paths in messages are relative to (the user's working directory; default:
   * the workspace root). The façades pass `process.cwd()`: the core never reads it.
   */
  cwd?: string;
  /** The engine (default: the Docker engine of DOCKER_HOST, see `engine/docker-engine.ts`). */
  engine?: ImageEngine;
  /** A dockerode client for the default engine (ignored with `engine`). */
  docker?: Docker;
  /** The registry client (default: the plan's). */
  client?: RegistryClient;
  /** The clock (default: the system's). */
  clock?: Clock;
  /** The builder (`--builder`, IMAGESTACK_BUILDER), over specs.yml `builder` (default `auto`). */
  builder?: BuilderChoice;
  /** Where {@link builder} comes from, for messages (default `--builder`). */
  builderFrom?: string;
  /**
   * Per platform, the engine that builds, gates and pushes that platform's images of
   * multi-platform entries (`--engine`, IMAGESTACK_ENGINES; `platforms/engines.ts`). Each is
   * asked before anything is built; a platform without one uses the run's engine.
   */
  engines?: readonly EngineAssignment[];
  /** Receives one line per engine of {@link engines} as it answers (its platform; native or emulated). */
  onEngine?: (line: string) => void;
}

/** The outcome of a run. `ok` is false when any image failed or the run was cancelled. */
export interface RunResult {
  plan: Plan;
  results: NodeResult[];
  ok: boolean;
  outputDir: string;
  /** The stack-wide checks' outcomes (`verify/stack-checks/`), per check and version. */
  stackChecks?: StackCheckResult[];
  /** The run report (also written as report.json / report.md in `outputDir`). */
  report: RunReport;
  reportFiles: { json: string; markdown: string };
  /** The builder the run used, as messages name it (absent with a caller's own engine). */
  builder?: string;
}

/**
 * Runs the pipeline.
 *
 * @throws InputError / GitError / RegistryError from planning, before anything is built
 *   (an unreachable registry: a RegistryError with the fix); InputError for an engine named for
 *   a platform the plan does not build, or one known not to run its platform; EngineError before
 *   any image starts when something is to be built and the engine (or one named per platform)
 *   does not answer
 */
export async function runPipeline(opts: RunOptions): Promise<RunResult> {
  const clock = opts.clock ?? systemClock;
  const startedAt = clock.now();
  const specsFile = path.resolve(opts.specsFile);
  // The builder is selected (and the Dockerfiles checked against it) with the plan, unless the
  // caller brings its own engine (a unit test's fake).
  const { plan, stack, client: planClient, builder } = await makePlan({
    specsFile,
    registry: opts.registry,
    namespace: opts.namespace,
    client: opts.client,
    signal: opts.signal,
    builder: opts.builder,
    builderFrom: opts.builderFrom,
    selectBuilder: !opts.engine,
  }).catch((e: unknown) => Promise.reject(unreachableRegistry(e)));
  const specs = stack.specs;
  // One client for the run: the plan's (its credentials resolved once, its tokens re-used).
  // Made here, it carries the run's signal: a cancel aborts its requests in flight at once.
  const registry = opts.client ?? planClient ?? new RegistryClient({ registry: specs.registry, signal: opts.signal });
  const outputDir = path.resolve(opts.outputDir ?? path.join(specs.root, 'dist', 'imagestack'));
  // The engine gets the same credentials and does its own challenge/token dance with them.
  const creds = registry.registry === specs.registry ? await registry.credentials() : await resolveCredentials(specs.registry);

  checkNames(stack, specsFile, opts.cwd ?? specs.root, opts.images, opts.versions);
  const changed = opts.base ? await commitsBetween(specs.root, await revParse(specs.root, opts.base), plan.head) : undefined;
  const selection = selectEntries(plan, stack, {
    images: opts.images,
    versions: opts.versions,
    changed,
    withAncestors: opts.withAncestors ?? !(opts.waitForParents || opts.platform !== undefined || opts.publishIndex),
    force: opts.force,
    now: clock.now(),
  });
  applyJobOptions(selection, { platform: opts.platform, publishIndex: opts.publishIndex, runId: opts.runId, push: opts.push ?? true, force: opts.force });
  refuseIncompleteTags(plan, selection.needed, path.relative(specs.root, specsFile) || 'specs.yml');
  if (builder && !builder.client) refuseClassicPlatformBases(stack, selection.entries, selection.toBuild, builder.caps.description);

  // Build secrets of the images this run builds: a missing source stops the run before any build.
  const toBuildImages = [...selection.toBuild].map((k) => selection.entries.get(k)?.image).filter((i): i is string => i !== undefined);
  const { secrets, problems: secretProblems } = resolveSecrets(stack, toBuildImages);
  if (secretProblems.length) throw new InputError(secretProblems);
  const engines = opts.engines ?? [];
  const enginePlatform = hostPlatform();
  if (engines.length) refuseUnplannedPlatforms(engines, new Set(plan.images.flatMap((e) => e.platforms)), path.relative(specs.root, specsFile) || 'specs.yml', enginePlatform);
  const auth = dockerAuthConfig(specs.registry, creds);
  const buildkit = builder?.client ? new BuildkitBuilder(builder.client, auth) : undefined;
  // The engines named per platform answer before anything is built (like the run's engine, only when something is to be built).
  const platformEngines = engines.length && selection.toBuild.length ? await openEngines(engines, { buildkit: builder?.client, auth, onEngine: opts.onEngine }) : undefined;

  const commitDates = new Map<string, Promise<string>>();
  const run: RunContext = {
    stack,
    entries: selection.entries,
    needed: selection.needed,
    // dockerode (with ssh2 and gRPC, about half the code the CLI would load) is loaded only
    // when an image runs, so a run that builds nothing starts fast.
    engine: opts.engine ?? lazyDockerEngine(opts.docker, buildkit),
    registry,
    auth,
    clock,
    outputDir,
    source: specs.source ?? (await remoteUrl(specs.root).catch(() => undefined)),
    commitDate: (e: PlanEntry) => {
      if (!commitDates.has(e.sourceCommit)) {
        const show = runGit(specs.root, ['show', '-s', '--format=%cI', e.sourceCommit]);
        commitDates.set(e.sourceCommit, show.then((r) => new Date(r.stdout.trim()).toISOString()));
      }
      return commitDates.get(e.sourceCommit)!;
    },
    options: {
      build: opts.build ?? true,
      push: opts.push ?? true,
      pushDirty: opts.pushDirty ?? false,
      force: opts.force ?? false,
      ...(opts.noCache ? { noCache: true } : {}),
      gates: opts.gates ?? [],
      waitForParents: opts.waitForParents,
      runId: opts.runId,
      ...(opts.platform !== undefined ? { platformJob: opts.platform } : {}),
      ...(opts.publishIndex ? { publishJob: true } : {}),
      ...(buildkit ? { cacheFrom: { head: plan.head }, buildkit: true } : {}),
      ...(secrets.size ? { secrets } : {}),
    },
    enginePlatform,
    ...(platformEngines ? { platformEngines } : {}),
    emit: (e) => opts.reporter?.(e),
    built: new Map(),
  };
  const results = await executePlan(run, plan, { toBuild: selection.toBuild, parallel: opts.parallel, signal: opts.signal });
  if (opts.runId) {
    const selected = results.filter((r) => selection.selected.has(nodeKey(r.image, r.version)));
    // A cancelled job still leaves its markers: the run's own client is aborted by then, so
    // they go through a client without the signal (credentials resolved again).
    const markers = opts.signal?.aborted && !opts.client ? new RegistryClient({ registry: registry.registry }) : registry;
    await markFailures(markers, specs.namespace, opts.runId, selected, clock);
  }
  // Stack-wide checks, once every image of a version finished (README "Stack-wide checks"):
  // a failure fails the run and is recorded for promote; the pushes of this run are not withheld.
  const stackChecks = opts.signal?.aborted
    ? []
    : await runStackChecks({ checks: specs.stackChecks ?? [], plan, results, outputDir, namespace: specs.namespace, record: (opts.push ?? true) ? registry : undefined });
  const ok =
    results.every((r) => (r.status === 'skipped' || r.status === 'built' || r.status === 'pushed') && !r.taggerProblems?.length) && stackChecks.every((c) => c.ok);
  const report = makeReport(plan, results, startedAt, clock.now().getTime() - startedAt.getTime(), stackChecks);
  const reportFiles = writeReport(report, outputDir);
  return { plan, results, ok, outputDir, report, reportFiles, ...(builder ? { builder: builder.caps.description } : {}), ...(stackChecks.length ? { stackChecks } : {}) };
}

/**
 * The error an unreachable registry (no HTTP answer: `status` undefined) stops the run with,
 * before any image starts: the registry's own message (the URL tried) and the fix. Other
 * errors are returned as they are.
 */
export function unreachableRegistry(e: unknown): unknown {
  if (!(e instanceof RegistryError) || e.status !== undefined || e.message.includes('fix:')) return e;
  const fix = 'start the registry (npm run setup, or bash tools/engine/up.sh; then source /var/lib/imagestack/env), or set IMAGESTACK_REGISTRY / --registry to one that answers';
  return new RegistryError(`${e.message}; nothing was built\n  fix: ${fix}`, e.status, e.codes, e.temporary);
}

/**
 * Leaves a failure marker for every result that will not be pushed (failed, blocked,
 * cancelled), for the CI jobs waiting on it. A marker that cannot be written is noted in the
 * result's error; the jobs waiting on it then end by their timeout.
 */
async function markFailures(client: MarkerRegistry, namespace: string, runId: string, results: NodeResult[], clock: Clock): Promise<void> {
  for (const r of results) {
    if (r.status !== 'failed' && r.status !== 'blocked' && r.status !== 'cancelled') continue;
    const reason = r.status === 'failed' ? `${r.step ?? 'a step'} failed: ${(r.error ?? '').split('\n')[0]}` : r.reason;
    try {
      await writeFailureMarker(client, namespace, { runId, image: r.image, version: r.version, tag: r.tag, status: r.status, reason, createdAt: clock.now().toISOString() });
    } catch (e) {
      r.error = `${r.error ?? r.reason} (and the failure marker for the jobs waiting on it could not be written: ${(e as Error).message})`;
    }
  }
}
