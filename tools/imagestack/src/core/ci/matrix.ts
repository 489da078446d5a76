/**
 * The CI matrix: from a {@link Plan}, one GitHub Actions job per image and version to build.
 * Pure (no I/O); the CLI's `imagestack matrix` prints it and the workflow feeds it to
 * `strategy.matrix` with `fromJSON(needs.plan.outputs.matrix)`.
 *
 * The scheme (README, "CI: matrix and workflows"): every job waits, bounded, for its parents'
 * tags to appear in the registry, and fails fast when a parent's job left a failure marker
 * (`./markers.ts`). Entries are listed in topological order (the plan's build order: waves
 * ascending), so each job only ever waits on jobs listed before it. GitHub creates a matrix's
 * jobs in the order of `include`, so with `max-parallel: K` the earliest unfinished job
 * always has all its parents finished: the matrix never deadlocks, whatever the depth of
 * the stack.
 *
 * The JSON shape ("Using a matrix for your jobs", `jobs.<id>.strategy.matrix.include`):
 * `{ "include": [ { "name", "image", "version", "tag", "wave", "parents" }, … ] }`. Only
 * `include` is at the top level, because any other key would become a matrix dimension.
 *
 * The platform dimension (issue 14): an image and version built for several platforms
 * (`platforms:` in specs.yml) is one job per platform (`kind: "platform"`, `platform`, and
 * `runner`, the `runs-on` label of a runner of that architecture, `./platform-runners.ts`),
 * each building and verifying that platform and pushing its image by digest, then one publish
 * job (`kind: "publish"`, listed right after them) that puts the image index under the tag
 * once every platform's job recorded its digest. The publish job is the one that makes the tag,
 * so a child's jobs, listed after it, wait on it as on any parent's job. An image declaring one
 * platform stays one job, with that platform's `runner`; an image declaring none is today's
 * entry, unchanged.
 */
import type { Plan, PlanEntry } from '../plan/types';
import { nodeKey } from '../tags/tag';
import { InputError } from '../errors';
import { runnerFor } from './platform-runners';

/** GitHub's limit: "A matrix can generate a maximum of 256 jobs per workflow run." */
export const GITHUB_MATRIX_MAX_JOBS = 256;

/** One job of the matrix: one image at one version whose tag is missing from the registry. */
export interface MatrixEntry {
  /** `<image> <version>`: the job's display name (`build ${{ matrix.name }}`). */
  name: string;
  image: string;
  version: string;
  /** The tag the job builds and pushes (`<version>-<sha7>`), for display and cross-checks. */
  tag: string;
  /** The plan's wave (0 = only external bases). Informational: jobs wait on tags, not waves. */
  wave: number;
  /** Stack parents (image names) at the same version; the job waits for their tags. */
  parents: string[];
  /**
   * The image's taggers (`tags/taggers.ts`), when it has any: the job pushes the descriptive
   * tags `<version>-<part>-<sha7>` they give after its gates (for display; the job reads them
   * from specs.yml).
   */
  taggers?: string[];
  /**
   * Only for images built for several platforms: `platform`, one job building, verifying and
   * pushing (by digest) one platform; `publish`, the job putting the index under the tag.
   */
  kind?: 'platform' | 'publish';
  /** The platform a `platform` job builds (`os/architecture[/variant]`). */
  platform?: string;
  /** The platforms a `publish` job puts in the index, in specs.yml order. */
  platforms?: string[];
  /** The job's `runs-on` label (absent: the workflow's default, `ubuntu-latest`). */
  runner?: string;
}

/** The value of `strategy.matrix`. An empty `include` is valid JSON but not a valid GitHub matrix: check `include.length`. */
export interface Matrix {
  include: MatrixEntry[];
}

/** Options of {@link makeMatrix}. */
export interface MatrixOptions {
  /**
   * Only images changed since a base commit, and their descendants: the first-parent commits
   * in `base..head`; an entry is selected when its source commit is one of them. Ancestors a
   * selected entry needs whose tag is missing are added too (DESIGN.md promise 3: a missing
   * parent tag is rebuilt), so no job ever waits for a tag no job will push.
   */
  changed?: ReadonlySet<string>;
  /** Refuse more jobs than this (default {@link GITHUB_MATRIX_MAX_JOBS}). */
  maxJobs?: number;
  /** `runs-on` labels per platform over the defaults (`platform-runners.ts`), from `--runner`. */
  runners?: Readonly<Record<string, string>>;
}

/**
 * Makes the matrix of a plan: one entry per plan entry with action `build` (its tag is
 * missing from the registry), in the plan's build order; for an entry of several platforms,
 * one job per platform then its publish job (see the module comment).
 *
 * @throws InputError when the plan has uncommitted changes (a CI job checks out the commit, so a
 *   dirty tag could never be rebuilt by it), when there are more jobs than `maxJobs`, or when a
 *   platform has no runner label
 */
export function makeMatrix(plan: Plan, opts: MatrixOptions = {}): Matrix {
  if (plan.dirty) {
    const dirty = plan.images.filter((e) => e.dirty).map((e) => `${e.image} ${e.version}`);
    throw new InputError({
      file: 'matrix',
      message: `the working tree has uncommitted changes to the inputs of ${dirty.join(', ')}: a CI matrix builds commits; commit (or stash) them first`,
      fix: 'commit or stash the changes, then run imagestack matrix again',
    });
  }
  const byKey = new Map(plan.images.map((e) => [nodeKey(e.image, e.version), e]));
  const selected = new Set<string>();
  const add = (e: PlanEntry): void => {
    const key = nodeKey(e.image, e.version);
    if (e.action !== 'build' || selected.has(key)) return;
    selected.add(key);
    for (const p of e.parents) {
      const parent = byKey.get(nodeKey(p, e.version));
      if (parent) add(parent);
    }
  };
  for (const e of plan.images) {
    if (opts.changed && !opts.changed.has(e.sourceCommit)) continue;
    add(e);
  }
  const runners = opts.runners ?? {};
  const include = plan.images.filter((e) => selected.has(nodeKey(e.image, e.version))).flatMap((e) => jobsOf(e, runners));
  const max = opts.maxJobs ?? GITHUB_MATRIX_MAX_JOBS;
  if (include.length > max) {
    throw new InputError({
      file: 'matrix',
      message:
        `the matrix would have ${include.length} jobs; GitHub allows at most ${max} per matrix. ` +
        `Split the run by version (several plan/build job pairs, one per --version) or build on one machine (imagestack build)`,
      fix: 'split the run by version, or build on one machine with imagestack build',
    });
  }
  return { include };
}

/** The jobs of one plan entry: today's one job, or one per platform then the publish job. */
function jobsOf(e: PlanEntry, runners: Readonly<Record<string, string>>): MatrixEntry[] {
  const platforms = e.platforms ?? [];
  const common = { image: e.image, version: e.version, tag: e.tag, wave: e.wave, parents: [...e.parents] };
  const taggers = e.taggers ? { taggers: [...e.taggers] } : {};
  if (platforms.length <= 1) {
    const runner = platforms.length ? { runner: runnerFor(platforms[0], runners, e.image) } : {};
    return [{ name: `${e.image} ${e.version}`, ...common, ...taggers, ...runner }];
  }
  return [
    ...platforms.map((platform) => ({ name: `${e.image} ${e.version} ${platform}`, ...common, kind: 'platform' as const, platform, runner: runnerFor(platform, runners, e.image) })),
    { name: `${e.image} ${e.version} publish`, ...common, ...taggers, kind: 'publish' as const, platforms: [...platforms] },
  ];
}

/**
 * Checks that `include` lists every job after the jobs it waits on (the order the no-deadlock
 * argument needs): a build or platform job after the job that makes each parent's tag (its one
 * job, or its publish job); a publish job after the platform jobs of every platform it names.
 * {@link makeMatrix} always satisfies it; exported for tests and for anyone who edits a matrix
 * by hand.
 *
 * @returns the problems found, empty when the order is topological
 */
export function checkMatrixOrder(matrix: Matrix): string[] {
  const seen = new Set<string>();
  // The job that makes an image's tag: its one job, or its publish job.
  const makesTag = (e: MatrixEntry) => e.kind !== 'platform';
  const listed = new Set(matrix.include.filter(makesTag).map((e) => nodeKey(e.image, e.version)));
  const problems: string[] = [];
  for (const e of matrix.include) {
    for (const p of e.kind === 'publish' ? [] : e.parents) {
      const key = nodeKey(p, e.version);
      if (listed.has(key) && !seen.has(key)) problems.push(`${e.name} is listed before its parent ${p} ${e.version}`);
    }
    for (const platform of e.kind === 'publish' ? (e.platforms ?? []) : []) {
      if (!seen.has(`${nodeKey(e.image, e.version)} ${platform}`)) problems.push(`${e.name} is listed before the ${platform} job of ${e.image} ${e.version}`);
    }
    seen.add(e.kind === 'platform' ? `${nodeKey(e.image, e.version)} ${e.platform}` : nodeKey(e.image, e.version));
  }
  return problems;
}
