/**
 * Which tags a promotion points the stable tags at: the tags that the plan of one commit
 * names for one version, so that a promotion is one consistent snapshot of the stack.
 *
 * The plan is made from the commit itself, not from the working tree (core/plan/plan-commit.ts:
 * specs.yml, Dockerfiles and history as of that commit; no uncommitted change can leak in,
 * no dirty tag can appear). The same commit
 * gives the same source tags on any machine (promise 1).
 *
 * `--tag <version>-<sha7>` names a commit by the sha7 of one of its tags: it resolves to
 * that commit (which must be in the local history), and is then the same as `--commit`;
 * at least one image of the version must have exactly that tag in the commit's plan
 * (otherwise the sha7 is not a source commit of that version, and the command refuses).
 */
import * as path from 'node:path';
import { InputError } from '../errors';
import { revParse, toplevel } from '../git/git';
import { planCommit } from '../plan/plan-commit';
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
 * Plans the commit as committed ({@link planCommit}) and returns the version's entries.
 *
 * @throws InputError when the version is not in the commit's specs.yml (listing those that
 *   are), for a bad `--tag`, or when no image of the version has that tag at its commit
 * @throws GitError for an unknown commit; RegistryError when the registry fails
 */
export async function resolveSources(opts: SourceOptions): Promise<Sources> {
  if ((opts.commit === undefined) === (opts.tag === undefined)) {
    throw argProblem('--commit', 'give exactly one of --commit and --tag', 'pass --commit <sha> (the commit whose plan to promote) or --tag <version>-<sha7>');
  }
  // `--commit` is resolved by planCommit itself (the same rev-parse, in the same repository):
  // resolving it here as well would only cost two more git processes.
  const commitish = opts.tag !== undefined ? await commitOfTag(await toplevel(path.dirname(path.resolve(opts.specsFile))), opts.tag, opts.version) : opts.commit!;
  const { commit, plan, registry, namespace, versions } = await planCommit({ specsFile: opts.specsFile, commit: commitish, registry: opts.registry, namespace: opts.namespace });
  if (!versions.includes(opts.version)) {
    throw argProblem(
      '--version',
      `version ${JSON.stringify(opts.version)} is not in specs.yml at commit ${commit.slice(0, 7)} (it has ${versions.map((v) => JSON.stringify(v)).join(', ') || 'none'})`,
      'pass one of those versions, or a commit whose specs.yml declares it',
    );
  }
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

