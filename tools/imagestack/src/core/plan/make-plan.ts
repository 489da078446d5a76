/**
 * The I/O shell around {@link assemblePlan}: reads specs.yml and the Dockerfiles, walks git
 * history once, looks at the working tree, asks the registry (or git, offline), and
 * assembles the plan. Everything it reads comes from git, the files and the registry: no
 * other state (DESIGN.md promise 1).
 */
import { InputError } from '../errors';
import { readStack } from '../graph/read-stack';
import { checkTestSettings } from '../verify/test/suites';
import type { Stack } from '../graph/types';
import * as path from 'node:path';
import { commitsBetween, repoFacts, revParse, type RepoFacts } from '../git/git';
import { startFirstParentHistory, type StartedHistory } from '../git/history';
import type { RegistryClient } from '../registry';
import { loadSpecs } from '../specs/load';
import { computeDirty } from '../tags/dirty';
import { buildInputIndex, createInputIndex } from '../tags/input-index';
import { computeSourceCommits } from '../tags/source-commits';
import { dirtyTag, formatTag, nodeKey } from '../tags/tag';
import { assemblePlan, type Decision } from './assemble';
import type { Plan } from './types';
import type { Specs } from '../specs/types';
import { mapLimit } from '../util/concurrency';
import { repositoryOf } from '../reference/repository';
import type { SelectedBuilder } from '../engine/buildkit/detect';
import type { BuilderChoice } from '../specs/builder';
import { checkBuilder, usesBuildkitFeatures } from './builder-check';
import { missingPlatformsOfTag } from '../registry/image-index';
import { platformsAt } from '../platform/spec';

/** Options of {@link makePlan}. */
export interface PlanOptions {
  /** Path of specs.yml; its folder is the workspace root. */
  specsFile: string;
  /** Commit to plan (default `HEAD`). Dirty state is only considered when it is the checked-out HEAD. */
  head?: string;
  /** Offline mode: decide from git alone, building what changed since `base` (default: head's first parent). */
  offline?: boolean;
  /** Commit to compare against in offline mode. */
  base?: string;
  /** Override specs.yml `registry` (e.g. from `--registry` or `IMAGESTACK_REGISTRY`). */
  registry?: string;
  /** Override specs.yml `namespace`. */
  namespace?: string;
  /** Registry client to use (default: one for the stack's registry with credentials resolved). */
  client?: RegistryClient;
  /**
   * Cancels the registry requests of the client made here (ignored with `client`): one in
   * flight is aborted at once and planning throws `CancelledError`.
   */
  signal?: AbortSignal;
  /** Parallel registry requests (default 8). */
  concurrency?: number;
  /** Also say why each source commit is what it is (`Plan.why`). */
  explain?: boolean;
  /** The builder asked for this run (`--builder`, IMAGESTACK_BUILDER), over specs.yml `builder`. */
  builder?: BuilderChoice;
  /** Where {@link builder} comes from, for messages (default `--builder`). */
  builderFrom?: string;
  /**
   * Select the builder even when no Dockerfile uses a BuildKit feature (a run that builds needs
   * it); otherwise it is selected, and the Dockerfiles checked against it, only when one does.
   */
  selectBuilder?: boolean;
  /**
   * What the caller already knows of the checkout (`planCommit`, which asked git just
   * before): the sha of the checked-out HEAD, and with `clean` that `git status` shows
   * nothing at all, so no node is dirty. Spares git processes; the plan is the same.
   */
  checkout?: { head: string; clean: boolean };
  /**
   * A `git log` started before the plan, before its head was known (the CLI starts one at
   * start-up: `prestartFirstParentHistory`): the walk reads it when it turns out to be this
   * plan's history (same repository, the head's first commit), and it is closed otherwise.
   */
  prestarted?: StartedHistory;
  /**
   * Called with specs.yml as loaded and validated, before Dockerfiles and history are read:
   * lets the caller use its text and plain JSON (`Specs.text`, `Specs.raw`) without reading
   * and parsing the file again.
   */
  onSpecs?: (specs: Specs) => void;
}

/** A plan with the validated stack it was made from. */
export interface PlanResult {
  plan: Plan;
  stack: Stack;
  /** The registry client the plan asked (registry mode only), for the caller to re-use its credentials and tokens. */
  client?: RegistryClient;
  /** The builder selected and checked against (see {@link PlanOptions.selectBuilder}). */
  builder?: SelectedBuilder;
}

/**
 * Makes the plan for a commit.
 *
 * @throws InputError for bad specs.yml / Dockerfiles (before anything else happens)
 * @throws GitError for unknown refs or a shallow history that cannot answer
 * @throws RegistryError when the registry answers anything but 200/404 to a HEAD (never read as "missing")
 */
export async function makePlan(opts: PlanOptions): Promise<PlanResult> {
  // git reads the history while specs.yml and the Dockerfiles are read and checked (on
  // another core); its errors, and the head's, are only reported after theirs.
  const early = startHistoryEarly(path.dirname(path.resolve(opts.specsFile)), opts.head ?? 'HEAD', opts.prestarted);
  // Planning another commit than HEAD: the checked-out HEAD is asked for now too (met in its place).
  const checkedOutP = opts.checkout
    ? Promise.resolve(opts.checkout.head)
    : (opts.head ?? 'HEAD') === 'HEAD'
      ? undefined
      : revParse(path.dirname(path.resolve(opts.specsFile)), 'HEAD');
  checkedOutP?.catch(() => undefined);
  try {
    const specs = await loadSpecs(opts.specsFile, { registry: opts.registry, namespace: opts.namespace });
    opts.onSpecs?.(specs);
    const stack = await readStack(specs);
    const testProblems = checkTestSettings(stack);
    if (testProblems.length) throw new InputError(testProblems);
    let builder: SelectedBuilder | undefined;
    if (opts.selectBuilder || usesBuildkitFeatures(stack)) {
      const checked = await checkBuilder(stack, opts.builder, opts.builderFrom);
      if (checked.problems.length) throw new InputError(checked.problems);
      builder = checked.builder;
    }
    const root = specs.root;
    const { facts, history } = await early.then((e) => (e.root === root ? e : { facts: undefined, history: undefined }));
    const result = await planFrom(opts, specs, stack, facts?.head ?? (await revParse(root, opts.head ?? 'HEAD')), history, facts, checkedOutP);
    return builder ? { ...result, builder } : result;
  } finally {
    void early.then((e) => e.history?.close());
  }
}

/**
 * `git rev-parse` of the head (with the other facts of the repository a plan needs, in the
 * same process: see `repoFacts`) and the start of its history walk, before anything else
 * is read (the `git log` started before, `prestarted`, when it is this history). Never
 * rejects: a failure leaves `facts` undefined and is met again, in its place, by the
 * `revParse` that follows (and the facts are asked one by one).
 */
async function startHistoryEarly(root: string, ref: string, prestarted: StartedHistory | undefined): Promise<{ root: string; facts?: RepoFacts; history?: StartedHistory }> {
  const facts = await repoFacts(root, ref);
  if (!facts) prestarted?.close();
  return facts ? { root, facts, history: startFirstParentHistory(root, facts.head, { prestarted, toplevel: facts.toplevel }) } : { root };
}

async function planFrom(
  opts: PlanOptions,
  specs: Awaited<ReturnType<typeof loadSpecs>>,
  stack: Stack,
  head: string,
  history: StartedHistory | undefined,
  facts: RepoFacts | undefined,
  checkedOutP: Promise<string> | undefined,
): Promise<PlanResult> {
  const root = specs.root;
  // `head` is HEAD's sha when HEAD was asked for: no need to ask git again.
  const checkedOut = (opts.head ?? 'HEAD') === 'HEAD' ? head : await (checkedOutP ?? revParse(root, 'HEAD'));
  // One input index (one `git rev-parse --show-prefix`, unless already answered) for the dirty check and the walk.
  const index = facts ? buildInputIndex(stack, facts.prefix) : await createInputIndex(stack);
  // `git status` runs while the walk reads history, and so do the offline plan's base and
  // `git rev-list`; each is awaited after the walk, so that a failing walk's error is the
  // one reported, as when they ran one after the other.
  const dirtyP =
    head === checkedOut && !opts.checkout?.clean ? computeDirty(stack, { index, head, toplevel: facts?.toplevel }) : Promise.resolve(new Map<string, string>());
  dirtyP.catch(() => undefined);
  const offlineP = opts.offline ? offlineBase(root, head, opts.base) : undefined;
  offlineP?.catch(() => undefined);
  const { commits, why } = await computeSourceCommits(stack, { head, history, index, explain: opts.explain, shallowFile: facts?.shallowFile });
  const dirty = await dirtyP;

  let decision: Decision;
  let client: RegistryClient | undefined;
  if (offlineP) {
    const { base, changed } = await offlineP;
    // No base (head is the root commit): everything is new, so every source commit counts as changed.
    decision = base ? { mode: 'offline', base, changed: await changed! } : { mode: 'offline', base: head, changed: new Set(commits.values()) };
  } else {
    // Required here, not at the top: an offline plan needs no registry client.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { RegistryClient: Client } = require('../registry/client') as typeof import('../registry/client');
    client = opts.client ?? new Client({ registry: specs.registry, signal: opts.signal });
    const registry = client;
    const nodes: Array<{ key: string; repository: string; tag: string; platforms: readonly string[] }> = [];
    for (const image of stack.order) {
      const spec = stack.images.get(image)!.spec;
      for (const v of specs.versions) {
        if (spec.skip.includes(v.name)) continue;
        const key = nodeKey(image, v.name);
        const hash = dirty.get(key);
        nodes.push({
          key,
          repository: repositoryOf(specs.namespace, image),
          tag: hash ? dirtyTag(v.name, hash) : formatTag(v.name, commits.get(key)!),
          platforms: platformsAt(spec.platforms, v.name),
        });
      }
    }
    const present = new Set<string>();
    const lacking = new Map<string, readonly string[]>();
    await mapLimit(nodes, opts.concurrency ?? 8, async (n) => {
      // A multi-platform tag must name every platform asked for (promise 10): its index is read
      // with one GET (404: absent) in place of the HEAD, so every tag costs one request.
      const missing = n.platforms.length ? await missingPlatformsOfTag(registry, n.repository, n.tag, n.platforms) : (await registry.headManifest(n.repository, n.tag)) ? [] : undefined;
      if (!missing) return;
      present.add(n.key);
      if (missing.length) lacking.set(n.key, missing);
    });
    decision = { mode: 'registry', present, ...(lacking.size ? { lacking } : {}) };
  }
  const plan = assemblePlan({ stack, head, sourceCommits: commits, dirty, decision });
  if (why) plan.why = why;
  return { plan, stack, client };
}

/**
 * The offline plan's base commit and the commits since it (`changed`, started at once,
 * awaited by the caller), or no base when head is the root commit.
 */
async function offlineBase(root: string, head: string, given: string | undefined): Promise<{ base?: string; changed?: Promise<Set<string>> }> {
  const base = await baseCommit(root, head, given);
  if (!base) return {};
  const changed = commitsBetween(root, base, head);
  changed.catch(() => undefined);
  return { base, changed };
}

async function baseCommit(root: string, head: string, base: string | undefined): Promise<string | undefined> {
  if (base) return revParse(root, base);
  try {
    return await revParse(root, `${head}^`);
  } catch {
    return undefined; // head is the root commit: everything is new
  }
}
