/**
 * The git side of `refresh`: refusing to rewrite files that hold uncommitted changes, and the
 * one commit of new pins (optionally on its own branch). Thin wrappers over `git`.
 */
import { InputError } from '../errors';
import { runGit } from '../git/git';

/**
 * Stops when any of `files` (relative to `root`) has uncommitted changes: refresh would mix
 * them into its commit, or lose them when it puts the files back.
 *
 * @throws InputError naming the files and the fix
 */
export async function assertUnchanged(root: string, files: readonly string[]): Promise<void> {
  if (!files.length) return;
  const { stdout } = await runGit(root, ['status', '--porcelain', '--', ...files]);
  const dirty = stdout.split('\n').filter(Boolean).map((l) => l.slice(3));
  if (dirty.length) {
    throw new InputError({
      file: dirty[0],
      message: `refresh would rewrite ${dirty.join(', ')}, which ${dirty.length > 1 ? 'have' : 'has'} uncommitted changes`,
      fix: 'commit or stash them first, then run refresh again',
    });
  }
}

/**
 * Commits exactly `files` with `message`: on a branch `branch` made (or reset) at HEAD when
 * given, else on the current branch.
 *
 * @returns the new commit's full sha and the branch it is on
 * @throws GitError when git refuses (e.g. an invalid branch name)
 */
export async function commitPins(root: string, files: readonly string[], message: string, branch?: string): Promise<{ sha: string; branch: string }> {
  if (branch) await runGit(root, ['switch', '-q', '-C', branch]);
  await runGit(root, ['commit', '-q', '-m', message, '--', ...files]);
  const sha = (await runGit(root, ['rev-parse', 'HEAD'])).stdout.trim();
  const on = (await runGit(root, ['rev-parse', '--abbrev-ref', 'HEAD'])).stdout.trim();
  return { sha, branch: on };
}
