/**
 * The plan of one commit as committed: specs.yml, the Dockerfiles and the history as of that
 * commit, so no uncommitted change can leak in and no dirty tag can appear. The same commit
 * gives the same tags on any machine and from any checkout (DESIGN.md promise 1), which is
 * what the commands that name a commit's images need (promote, prepull, stamp).
 *
 * When the checkout already is that commit (HEAD, nothing changed or untracked), it is
 * planned in place; otherwise the commit is checked out into a temporary detached worktree
 * (`git worktree add --detach`), planned there, and the worktree is removed again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { headSha, revParse, runGit, toplevel } from '../git/git';
import { makePlan, type PlanOptions } from './make-plan';
import type { Plan } from './types';

/** Options of {@link planCommit}. */
export interface CommitPlanOptions {
  /** Path of specs.yml in the current checkout (its place in the repository is used at the commit). */
  specsFile: string;
  /** A commit-ish (`1a2b3c4`, `main`, a full sha). */
  commit: string;
  /** Registry override (CLI `--registry`, `IMAGESTACK_REGISTRY`). */
  registry?: string;
  /** Namespace override. */
  namespace?: string;
  /** Decide from git alone (default true: the tags are the same either way). */
  offline?: boolean;
  /** Also say why each source commit is what it is (`Plan.why`). */
  explain?: boolean;
  /** Offline: the commit to compare against (any revision, resolved in the current checkout; default the commit's first parent). */
  base?: string;
}

/** A commit's plan, with what its specs.yml says (values only: a worktree is gone by then). */
export interface CommitPlan {
  /** Full sha of the commit. */
  commit: string;
  /** Its offline plan (the tags are the same as a registry plan's; `action` compares with its first parent). */
  plan: Plan;
  /** Registry host and namespace the plan used. */
  registry: string;
  namespace: string;
  /** The versions the commit's specs.yml declares, in declaration order (oldest first). */
  versions: string[];
}

/**
 * Plans `commit` as committed.
 *
 * @throws GitError for an unknown commit; InputError for a commit whose specs.yml or
 *   Dockerfiles are bad
 */
export async function planCommit(opts: CommitPlanOptions): Promise<CommitPlan> {
  const specsFile = path.resolve(opts.specsFile);
  const top = await toplevel(path.dirname(specsFile));
  // Asked side by side (each git process costs ~10–20 ms), met in this order below.
  const commitP = revParse(top, opts.commit);
  const baseP = opts.base === undefined ? undefined : revParse(top, opts.base);
  const headP = headSha(top);
  const statusP = runGit(top, ['status', '--porcelain', '--untracked-files=all']);
  for (const p of [commitP, baseP, headP, statusP]) p?.catch(() => undefined);
  const commit = await commitP;
  // Resolved here: in the temporary worktree, `HEAD` (and `HEAD~1`) would name the commit itself.
  const base = await baseP;
  const planAt = async (file: string, checkout?: PlanOptions['checkout']): Promise<CommitPlan> => {
    // Offline by default: the tags are the same either way, and the callers check the ones they need.
    const { plan, stack } = await makePlan({
      specsFile: file,
      head: commit,
      offline: opts.offline ?? true,
      base,
      registry: opts.registry,
      namespace: opts.namespace,
      explain: opts.explain,
      checkout,
    });
    return { commit, plan, registry: stack.specs.registry, namespace: stack.specs.namespace, versions: stack.specs.versions.map((v) => v.name) };
  };
  const inPlace = (await headP) === commit && (await statusP).stdout.trim() === '';
  // In place, HEAD is the commit and nothing is changed or untracked (just asked): the plan need not ask again.
  if (inPlace) return planAt(specsFile, { head: commit, clean: true });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-commit-'));
  const tree = path.join(dir, 'tree');
  try {
    await runGit(top, ['worktree', 'add', '--detach', '--quiet', tree, commit]);
    try {
      return await planAt(path.join(tree, path.relative(top, specsFile)));
    } finally {
      await runGit(top, ['worktree', 'remove', '--force', tree]).catch(() => undefined);
    }
  } finally {
    // No `git worktree prune`: it would touch every other worktree's metadata too.
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The plan `imagestack plan --head <ref>` prints: the checked-out HEAD (the default) is
 * planned with the working tree, uncommitted changes giving dirty tags, as {@link makePlan}
 * does; any other commit is planned as committed ({@link planCommit}: its own specs.yml,
 * Dockerfiles and history, never the working tree's). `base` is the commit compared
 * against (offline), `head` the commit planned, as in `nx affected --base --head`.
 *
 * @throws GitError for an unknown ref; InputError for bad specs.yml / Dockerfiles at that commit
 */
export async function planHead(opts: PlanOptions): Promise<Plan> {
  const ref = opts.head ?? 'HEAD';
  if (ref !== 'HEAD') {
    const top = await toplevel(path.dirname(path.resolve(opts.specsFile)));
    const [commit, checkedOut] = await Promise.all([revParse(top, ref), headSha(top)]);
    if (commit !== checkedOut) {
      opts.prestarted?.close(); // the history of HEAD, not of this commit
      const { specsFile, registry, namespace, base, offline, explain } = opts;
      const { plan } = await planCommit({ specsFile, commit, registry, namespace, base, explain, offline: offline ?? false });
      return plan;
    }
  }
  return (await makePlan(opts)).plan;
}
