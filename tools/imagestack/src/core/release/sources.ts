/**
 * Which tags a promotion points the stable tags at: the tags that the plan of one commit
 * names for one version, so that a promotion is one consistent snapshot of the stack.
 *
 * The plan is made from the commit itself, not from the working tree: the commit is
 * checked out into a temporary detached worktree (`git worktree add --detach`), planned
 * there (specs.yml, Dockerfiles and history as of that commit, no uncommitted change can
 * leak in, no dirty tag can appear), and the worktree is removed again. When the checkout
 * already is that commit (HEAD, nothing changed or untracked), it is planned in place. The same commit
 * gives the same source tags on any machine (promise 1).
 *
 * `--tag <version>-<sha7>` names a commit by the sha7 of one of its tags: it resolves to
 * that commit (which must be in the local history), and is then the same as `--commit`;
 * at least one image of the version must have exactly that tag in the commit's plan
 * (otherwise the sha7 is not a source commit of that version, and the command refuses).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../errors';
import { headSha, revParse, runGit, toplevel } from '../git/git';
import { makePlan } from '../plan/make-plan';
import type { Plan, PlanEntry } from '../plan/types';
import { isDirtyTag } from '../tags/tag';

/** Options of {@link resolveSources}. */
export interface SourceOptions {
  /** Path of specs.yml in the current checkout (its position in the repository is used at the commit). */
  specsFile: string;
  version: string;
  /** A commit-ish (`1a2b3c4`, `main`, a full sha). Exactly one of `commit` and `tag`. */
  commit?: string;
  /** A source tag `<version>-<sha7>`. */
  tag?: string;
  /** Registry override (CLI `--registry`, `IMAGESTACK_REGISTRY`). */
  registry?: string;
  /** Namespace override. */
  namespace?: string;
}

/** The resolved sources. */
export interface Sources {
  /** Full sha of the commit. */
  commit: string;
  /** The commit's plan (every version). */
  plan: Plan;
  /** The plan entries of the version, in plan order. */
  entries: PlanEntry[];
  /** Registry host and namespace the plan used. */
  registry: string;
  namespace: string;
  /** The versions the commit's specs.yml declares, in declaration order (oldest first). */
  versions: string[];
}

function argProblem(flag: string, message: string, fix: string): InputError {
  return new InputError({ file: flag, message, fix });
}

/**
 * The commit a source tag names.
 *
 * @throws InputError when the tag is not `<version>-<sha7>` of `version` (or is a dirty tag)
 * @throws GitError when the sha7 names no commit of the local history
 */
export async function commitOfTag(root: string, tag: string, version: string): Promise<string> {
  if (isDirtyTag(tag)) {
    throw argProblem('--tag', `${tag} is a tag of uncommitted changes; it claims no commit and is never promoted`, 'commit the changes, build and push, then promote that commit');
  }
  const prefix = `${version}-`;
  const sha7 = tag.startsWith(prefix) ? tag.slice(prefix.length) : undefined;
  if (!sha7 || !/^[0-9a-f]{7}$/.test(sha7)) {
    throw argProblem('--tag', `${JSON.stringify(tag)} is not a source tag of version ${version} (<version>-<sha7>, e.g. ${version}-1a2b3c4)`, `pass a tag of version ${version}, or --commit <sha>`);
  }
  return revParse(root, sha7);
}

/**
 * Plans `commit` in a temporary detached worktree and returns the version's entries.
 *
 * @throws InputError when the version is not in the commit's specs.yml (listing those that
 *   are), for a bad `--tag`, or when no image of the version has that tag at its commit
 * @throws GitError for an unknown commit; RegistryError when the registry fails
 */
export async function resolveSources(opts: SourceOptions): Promise<Sources> {
  if ((opts.commit === undefined) === (opts.tag === undefined)) {
    throw argProblem('--commit', 'give exactly one of --commit and --tag', 'pass --commit <sha> (the commit whose plan to promote) or --tag <version>-<sha7>');
  }
  const specsDir = path.dirname(path.resolve(opts.specsFile));
  const top = await toplevel(specsDir);
  const rel = path.relative(top, path.resolve(opts.specsFile));
  const commit = opts.tag !== undefined ? await commitOfTag(top, opts.tag, opts.version) : await revParse(top, opts.commit!);

  const planAt = async (specsFile: string) => {
    const { plan, stack } = await makePlan({
      specsFile,
      head: commit,
      // Offline: the tags are the same either way, and the promotion checks the ones it
      // needs itself; asking the registry about every tag of every version would be waste.
      offline: true,
      registry: opts.registry,
      namespace: opts.namespace,
    });
    const versions = stack.specs.versions.map((v) => v.name);
    if (!versions.includes(opts.version)) {
      throw argProblem(
        '--version',
        `version ${JSON.stringify(opts.version)} is not in specs.yml at commit ${commit.slice(0, 7)} (it has ${versions.map((v) => JSON.stringify(v)).join(', ') || 'none'})`,
        'pass one of those versions, or a commit whose specs.yml declares it',
      );
    }
    return { plan, registry: stack.specs.registry, namespace: stack.specs.namespace, versions };
  };
  // The checkout itself is the commit when HEAD is that commit and nothing is changed or
  // untracked: plan there (the files are the commit's), and save checking it out again.
  const inPlace = (await headSha(top)) === commit && (await runGit(top, ['status', '--porcelain', '--untracked-files=all'])).stdout.trim() === '';
  const { plan, registry, namespace, versions } = inPlace ? await planAt(path.resolve(opts.specsFile)) : await planInWorktree(top, commit, rel, planAt);
  const entries = plan.images.filter((e) => e.version === opts.version);
  if (opts.tag !== undefined && !entries.some((e) => e.tag === opts.tag)) {
    throw argProblem(
      '--tag',
      `no image of version ${opts.version} has the tag ${opts.tag} at commit ${commit.slice(0, 7)} (its tags there: ${[...new Set(entries.map((e) => e.tag))].join(', ')})`,
      `pass one of those tags, or --commit ${commit.slice(0, 7)} to promote that commit's plan anyway`,
    );
  }
  return { commit, plan, entries, registry, namespace, versions };
}

/** Checks `commit` out into a temporary detached worktree, runs `fn` on its specs.yml, and removes the worktree. */
async function planInWorktree<T>(top: string, commit: string, rel: string, fn: (specsFile: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-promote-'));
  const tree = path.join(dir, 'tree');
  try {
    await runGit(top, ['worktree', 'add', '--detach', '--quiet', tree, commit]);
    try {
      return await fn(path.join(tree, rel));
    } finally {
      await runGit(top, ['worktree', 'remove', '--force', tree]).catch(() => undefined);
    }
  } finally {
    // No `git worktree prune`: it would touch every other worktree's metadata too.
    rmSync(dir, { recursive: true, force: true });
  }
}
