/**
 * One pipeline run: plan → (per image and version, as soon as its parents are done)
 * pull missing parents → build with the parents' tags → gates → push. It keeps the
 * promises of DESIGN.md: tags already in the registry are never overwritten (2), every
 * stack `FROM` resolves to a tag built in this run or present in the registry (3), an
 * image is pushed only after it and its ancestors passed their gates (4), dirty trees
 * never push a tag that claims a commit (9).
 */
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { EngineError, InputError } from '../errors';
import { buildImage } from '../engine/build';
import { StepLog } from '../engine/log';
import { ensureLocal, inspectLocal, pushImage, type AuthConfig } from '../engine/push';
import { commitsBetween, remoteUrl, revParse, runGit } from '../git/git';
import type { Stack } from '../graph/types';
import { makePlan } from '../plan/make-plan';
import type { Plan, PlanEntry } from '../plan/types';
import { dockerAuthConfig, redact, RegistryClient, resolveCredentials } from '../registry';
import { nodeKey } from '../tags/tag';
import { makeReport, writeReport, type RunReport } from '../report/report';
import { schedule, type Task } from './scheduler';
import { writeFailureMarker } from '../ci/markers';
import { ParentFailedError, waitForParentTags, type ParentTag } from '../ci/wait';
import { formatDurationText } from '../util/duration';
import { GateFailure, type Gate, type NodeResult, type PipelineEvent, type Reporter, type Step } from './types';

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
  /** Folder for logs and reports (default `<root>/dist/imagestack`). */
  outputDir?: string;
  /** Verification steps between build and push (package manifest, checks, tests). */
  gates?: Gate[];
  reporter?: Reporter;
  /** Aborting cancels running builds and starts nothing new. */
  signal?: AbortSignal;
  docker?: Docker;
  client?: RegistryClient;
}

/** The outcome of a run. `ok` is false when any image failed or the run was cancelled. */
export interface RunResult {
  plan: Plan;
  results: NodeResult[];
  ok: boolean;
  outputDir: string;
  /** The run report (also written as report.json / report.md in `outputDir`). */
  report: RunReport;
  reportFiles: { json: string; markdown: string };
}

/**
 * Runs the pipeline.
 *
 * @throws InputError / GitError / RegistryError from planning, before anything is built
 */
export async function runPipeline(opts: RunOptions): Promise<RunResult> {
  const startedAt = new Date();
  const specsFile = path.resolve(opts.specsFile);
  const client = opts.client;
  const { plan, stack, client: planClient } = await makePlan({
    specsFile,
    registry: opts.registry,
    namespace: opts.namespace,
    client,
  });
  const specs = stack.specs;
  // One client for the run: the plan's (its credentials resolved once, its tokens re-used).
  const registry = client ?? planClient ?? new RegistryClient({ registry: specs.registry });
  // dockerode (with ssh2 and gRPC, about half the code the CLI would load) is required only
  // when an image runs, so a run that builds nothing starts fast.
  let engine = opts.docker;
  const engineClient = (): Docker => (engine ??= new (require('dockerode') as typeof Docker)());
  const outputDir = path.resolve(opts.outputDir ?? path.join(specs.root, 'dist', 'imagestack'));
  const emit = (e: PipelineEvent) => opts.reporter?.(e);
  // The engine gets the same credentials and does its own challenge/token dance with them.
  const creds = registry.registry === specs.registry ? await registry.credentials() : await resolveCredentials(specs.registry);
  const auth: AuthConfig = dockerAuthConfig(specs.registry, creds);

  const entries = new Map(plan.images.map((e) => [nodeKey(e.image, e.version), e]));
  const selected = await select(plan, stack, specsFile, opts);
  // Everything a selected image needs: its ancestors (built when their tag is missing: promise 3).
  const needed = new Set<string>();
  for (const key of selected) {
    needed.add(key);
    const e = entries.get(key)!;
    if ((opts.withAncestors ?? !opts.waitForParents) === false) continue;
    for (const a of stack.ancestors(e.image)) needed.add(nodeKey(a, e.version));
  }

  const forcedSuffix = `.force-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}`;
  const tags = new Map<string, PlanEntry>();
  for (const [key, e] of entries) {
    const forced = opts.force && selected.has(key);
    const tag = forced ? `${e.tag}${forcedSuffix}`.slice(0, 128) : e.tag;
    tags.set(key, { ...e, tag, reference: `${e.repository}:${tag}`, action: forced ? 'build' : e.action });
  }

  const results = new Map<string, NodeResult>();
  const toBuild = [...needed].filter((k) => tags.get(k)!.action === 'build');
  emit({ type: 'plan', plan, toBuild: toBuild.length });
  for (const key of needed) {
    const e = tags.get(key)!;
    if (e.action === 'skip') {
      const r = baseResult(e, 'skipped', e.reason);
      results.set(key, r);
      emit({ type: 'done', key, result: r });
    }
  }

  const source = specs.source ?? (await remoteUrl(specs.root).catch(() => undefined));
  // org.opencontainers.image.created: the source commit's committer date (so the same inputs
  // give the same labels, like SOURCE_DATE_EPOCH); build time for dirty images.
  const commitDates = new Map<string, Promise<string>>();
  const created = (e: PlanEntry): Promise<string> => {
    if (e.dirty) return Promise.resolve(new Date().toISOString());
    if (!commitDates.has(e.sourceCommit)) {
      commitDates.set(
        e.sourceCommit,
        runGit(specs.root, ['show', '-s', '--format=%cI', e.sourceCommit]).then((r) => new Date(r.stdout.trim()).toISOString()),
      );
    }
    return commitDates.get(e.sourceCommit)!;
  };
  const digests = new Map<string, string>(); // key → digest of what this run built/pushed

  const runNode = async (key: string, signal: AbortSignal | undefined): Promise<boolean> => {
    const docker = engineClient();
    const e = tags.get(key)!;
    const node = stack.images.get(e.image)!;
    const logFile = path.join(outputDir, 'logs', `${e.image}-${e.version}.log`);
    rmSync(logFile, { force: true });
    const log = new StepLog(logFile);
    const result = baseResult(e, 'failed', '');
    result.logFile = logFile;
    let step: Step = 'pull';
    const timed = async <T>(s: Step, fn: () => Promise<T>): Promise<T> => {
      step = s;
      emit({ type: 'step', key, step: s });
      const t0 = performance.now();
      try {
        return await fn();
      } finally {
        result.durations[s] = Math.round(performance.now() - t0);
      }
    };
    try {
      // Parents: built in this run (local), or present in the registry (pull when not local).
      const buildArgs: Record<string, string> = {
        ...(specs.versions.find((v) => v.name === e.version)?.args ?? {}),
        ...node.spec.args,
        ...(node.spec.versionArgs[e.version] ?? {}),
        REGISTRY: `${specs.registry}/${specs.namespace}`,
      };
      await timed('pull', async () => {
        const waitFor: ParentTag[] = [];
        for (const p of node.parents) {
          const parent = tags.get(nodeKey(p.image, e.version))!;
          buildArgs[p.tagArg] = parent.tag;
          const parentKey = nodeKey(p.image, e.version);
          if (digests.has(parentKey)) continue; // built in this run
          if (parent.action === 'build' && !needed.has(parentKey) && !(await inspectLocal(docker, parent.reference))) {
            if (opts.waitForParents) {
              waitFor.push({ image: p.image, version: e.version, repository: `${specs.namespace}/${p.image}`, tag: parent.tag, reference: parent.reference });
              continue;
            }
            throw new EngineError(
              `parent ${parent.reference} is neither in the engine nor in the registry; build ${p.image} first (or run without restricting to ${e.image})`,
            );
          }
          await ensureLocal(docker, parent.reference, auth, log);
        }
        if (waitFor.length) {
          await waitForParents(waitFor, key, log, signal);
          for (const p of waitFor) await ensureLocal(docker, p.reference, auth, log);
        }
      });
      const labels = await imageLabels(docker, stack, e, tags, digests, source, await created(e));

      const local = opts.force ? undefined : await inspectLocal(docker, e.reference);
      let imageId: string;
      if (local && local.Config?.Labels?.['org.opencontainers.image.revision'] === e.sourceCommit) {
        imageId = local.Id;
        log.line(`${e.reference} is already in the engine (built earlier from the same inputs): not rebuilding`);
      } else if (opts.build === false) {
        throw new EngineError(`${e.reference} is not in the engine: build it first (imagestack build --no-push ${e.image}, or nx run ${e.image}:build)`);
      } else {
        ({ imageId } = await timed('build', () =>
          buildImage(docker, {
            contextDir: path.join(specs.root, node.spec.context),
            dockerfile: node.spec.dockerfile,
            reference: e.reference,
            buildArgs,
            labels,
            log,
            signal,
            onStep: (detail) => emit({ type: 'step', key, step: 'build', detail }),
          }),
        ));
      }
      result.imageId = imageId;
      result.digest = imageId;
      result.size = ((await inspectLocal(docker, e.reference))?.Size as number | undefined) ?? undefined;

      const shared = new Map<string, unknown>();
      for (const gate of opts.gates ?? []) {
        const report = await timed(gate.step, async () => {
          try {
            return await gate.run({ entry: e, stack, imageId, docker, client: registry, outputDir, shared, log: (l) => log.line(l), signal });
          } catch (err) {
            if (err instanceof GateFailure) {
              (result.gates ??= {})[gate.step] = err.report;
              if (err.logTail.length) throw new EngineError(err.message, err.logTail);
            }
            throw err;
          }
        });
        (result.gates ??= {})[gate.step] = report;
      }

      if (signal?.aborted) throw new EngineError('cancelled');
      const push = opts.push ?? true;
      if (!push || (e.dirty && !opts.pushDirty)) {
        result.status = 'built';
        result.reason = !push ? 'built; not pushed (--no-push)' : 'built from uncommitted changes; dirty tags are not pushed (use --push-dirty)';
        digests.set(key, imageId);
      } else {
        await timed('push', async () => {
          // Never overwrite: if the tag appeared meanwhile (another runner), leave it alone.
          const existing = await registry.headManifest(`${specs.namespace}/${e.image}`, e.tag);
          if (existing) {
            log.line(`${e.reference} appeared in the registry meanwhile (${existing.digest}); not overwriting it`);
            result.status = 'skipped';
            result.reason = 'tag appeared in the registry during the run; not overwritten';
            result.digest = existing.digest;
            return;
          }
          const pushed = await pushImage(docker, e.reference, auth, log);
          const check = await registry.headManifest(`${specs.namespace}/${e.image}`, e.tag);
          if (!check || check.digest !== pushed.digest) {
            throw new EngineError(`after pushing ${e.reference}, the registry reports ${check ? check.digest : 'no manifest'} instead of ${pushed.digest}`, log.tail());
          }
          result.status = 'pushed';
          result.reason = e.reason;
          result.digest = pushed.digest;
        });
        digests.set(key, result.digest!);
      }
      return true;
    } catch (err) {
      result.status = signal?.aborted ? 'cancelled' : 'failed';
      result.step = step;
      result.error = redact((err as Error).message); // engine and git messages are not redacted at the source
      result.logTail = err instanceof EngineError && err.logTail.length ? [...err.logTail] : log.tail();
      result.reason = signal?.aborted ? 'run cancelled' : `${step} failed`;
      if (err instanceof ParentFailedError && !signal?.aborted) {
        result.status = 'blocked';
        result.blockedBy = err.parent.image;
        result.reason = `skipped: parent ${err.parent.image} failed in another job (${err.marker.reason})`;
        result.logTail = [];
      }
      return false;
    } finally {
      await log.close();
      results.set(key, result);
      emit({ type: 'done', key, result });
    }
  };

  /** Waits for parent tags another CI job pushes (matrix mode), with progress every 30 s. */
  const waitForParents = async (parents: ParentTag[], key: string, log: StepLog, signal?: AbortSignal): Promise<void> => {
    const w = opts.waitForParents!;
    let shown = -Infinity;
    for (const p of parents) log.line(`waiting up to ${formatDurationText(w.timeoutMs)} for ${p.reference} (built by another job)`);
    await waitForParentTags(registry, parents, {
      timeoutMs: w.timeoutMs,
      pollMs: w.pollMs,
      namespace: specs.namespace,
      runId: opts.runId,
      signal,
      onProgress: (missing, waited) => {
        if (waited - shown < 30_000) return;
        shown = waited;
        const detail = `waiting for ${missing.map((p) => p.image).join(', ')} (${formatDurationText(waited)} of ${formatDurationText(w.timeoutMs)})`;
        log.line(detail);
        emit({ type: 'step', key, step: 'pull', detail });
      },
    });
    for (const p of parents) log.line(`${p.reference} is in the registry`);
  };

  const tasks: Task[] = toBuild.map((key) => {
    const e = tags.get(key)!;
    return { key, deps: e.parents.map((p) => nodeKey(p, e.version)).filter((d) => toBuild.includes(d)) };
  });
  const outcomes = await schedule(tasks, runNode, { concurrency: opts.parallel ?? 2, signal: opts.signal });
  for (const [key, o] of outcomes) {
    if (o.status === 'blocked' || (o.status === 'cancelled' && !results.has(key))) {
      const e = tags.get(key)!;
      const blockedBy = o.status === 'blocked' ? o.by.split('@')[0] : undefined;
      const r = baseResult(e, o.status, blockedBy ? `skipped: parent ${blockedBy} failed` : 'run cancelled');
      if (blockedBy) r.blockedBy = blockedBy;
      results.set(key, r);
      emit({ type: 'done', key, result: r });
    }
  }
  const ordered = plan.images.map((e) => results.get(nodeKey(e.image, e.version))).filter((r): r is NodeResult => !!r);
  if (opts.runId) await markFailures(registry, specs.namespace, opts.runId, ordered.filter((r) => selected.has(nodeKey(r.image, r.version))));
  const ok = ordered.every((r) => r.status === 'skipped' || r.status === 'built' || r.status === 'pushed');
  const report = makeReport(plan, ordered, startedAt, Date.now() - startedAt.getTime());
  const reportFiles = writeReport(report, outputDir);
  return { plan, results: ordered, ok, outputDir, report, reportFiles };
}

/**
 * Leaves a failure marker for every result that will not be pushed (failed, blocked,
 * cancelled), for the CI jobs waiting on it. A marker that cannot be written is noted in the
 * result's error; the jobs waiting on it then end by their timeout.
 */
async function markFailures(client: RegistryClient, namespace: string, runId: string, results: NodeResult[]): Promise<void> {
  for (const r of results) {
    if (r.status !== 'failed' && r.status !== 'blocked' && r.status !== 'cancelled') continue;
    const reason = r.status === 'failed' ? `${r.step ?? 'a step'} failed: ${(r.error ?? '').split('\n')[0]}` : r.reason;
    try {
      await writeFailureMarker(client, namespace, { runId, image: r.image, version: r.version, tag: r.tag, status: r.status, reason, createdAt: new Date().toISOString() });
    } catch (e) {
      r.error = `${r.error ?? r.reason} (and the failure marker for the jobs waiting on it could not be written: ${(e as Error).message})`;
    }
  }
}

function baseResult(e: PlanEntry, status: NodeResult['status'], reason: string): NodeResult {
  return {
    image: e.image,
    version: e.version,
    reference: e.reference,
    tag: e.tag,
    sourceCommit: e.sourceCommit,
    status,
    reason,
    durations: {},
  };
}

/** Which plan entries the options select (before adding the ancestors they need). */
async function select(plan: Plan, stack: Stack, specsFile: string, opts: RunOptions): Promise<Set<string>> {
  const problems = [];
  for (const name of opts.images ?? []) {
    if (!stack.images.has(name)) {
      problems.push({
        file: path.relative(process.cwd(), specsFile) || 'specs.yml',
        message: `unknown image "${name}"`,
        fix: `name one of: ${[...stack.images.keys()].join(', ')}`,
      });
    }
  }
  for (const v of opts.versions ?? []) {
    if (!stack.specs.versions.some((x) => x.name === v)) {
      problems.push({
        file: path.relative(process.cwd(), specsFile) || 'specs.yml',
        message: `unknown version "${v}"`,
        fix: `name one of: ${stack.specs.versions.map((x) => x.name).join(', ')}`,
      });
    }
  }
  if (problems.length) throw new InputError(problems);
  let changed: Set<string> | undefined;
  if (opts.base) {
    changed = await commitsBetween(stack.specs.root, await revParse(stack.specs.root, opts.base), plan.head);
  }
  const out = new Set<string>();
  for (const e of plan.images) {
    if (opts.images?.length && !opts.images.includes(e.image)) continue;
    if (opts.versions?.length && !opts.versions.includes(e.version)) continue;
    if (changed && !e.dirty && !changed.has(e.sourceCommit)) continue;
    out.add(nodeKey(e.image, e.version));
  }
  return out;
}

/** OCI annotations as image labels (image-spec "Pre-Defined Annotation Keys"). */
async function imageLabels(
  docker: Docker,
  stack: Stack,
  e: PlanEntry,
  tags: Map<string, PlanEntry>,
  digests: Map<string, string>,
  source: string | undefined,
  createdAt: string,
): Promise<Record<string, string>> {
  const node = stack.images.get(e.image)!;
  let baseName: string;
  let baseDigest: string | undefined;
  if ('image' in node.finalBase) {
    const parentKey = nodeKey(node.finalBase.image, e.version);
    const parent = tags.get(parentKey)!;
    baseName = parent.reference;
    baseDigest = digests.get(parentKey) ?? (await localDigest(docker, parent.reference, parent.repository));
  } else {
    baseName = node.finalBase.reference;
    const repo = baseName.replace(/(@.*|:[^/]*)$/, '');
    baseDigest = baseName === 'scratch' ? undefined : await localDigest(docker, baseName, repo);
  }
  return {
    'org.opencontainers.image.title': e.image,
    'org.opencontainers.image.revision': e.sourceCommit,
    'org.opencontainers.image.created': createdAt,
    'org.opencontainers.image.version': e.tag,
    'org.opencontainers.image.base.name': baseName,
    ...(baseDigest ? { 'org.opencontainers.image.base.digest': baseDigest } : {}),
    ...(source ? { 'org.opencontainers.image.source': source } : {}),
    'io.imagestack.image': e.image,
    'io.imagestack.version': e.version,
  };
}

/** The registry digest the engine recorded for `reference` (RepoDigests), else its image ID. */
async function localDigest(docker: Docker, reference: string, repository: string): Promise<string | undefined> {
  const info = await inspectLocal(docker, reference);
  if (!info) return undefined;
  const repoDigest = (info.RepoDigests ?? []).find((d) => d.startsWith(`${repository}@`));
  return repoDigest ? repoDigest.slice(repoDigest.indexOf('@') + 1) : info.Id;
}
