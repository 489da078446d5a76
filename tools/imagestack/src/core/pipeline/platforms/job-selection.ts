/**
 * What `--platform` (a CI platform job) and `--publish-index` (a CI publish job) do to a run's
 * selection (issue 14, `matrix-jobs.ts`), checked before anything is built or pushed: each
 * selected image must be built for the platform asked for (a platform job), or for at least one
 * declared platform (a publish job); both need a run id (the digest records are run-scoped).
 * A platform job's selected entries are then narrowed to that one platform.
 */
import { InputError } from '../../errors';
import type { Selection } from '../select';

/** The split-job options of a run (`RunOptions.platform`, `RunOptions.publishIndex`). */
export interface JobOptions {
  platform?: string;
  publishIndex?: boolean;
  runId?: string;
  push: boolean;
  force?: boolean;
}

/**
 * Checks the options against the selection, and narrows a platform job's entries.
 *
 * @throws InputError naming the flag, the image and the fix
 */
export function applyJobOptions(selection: Selection, o: JobOptions): void {
  if (o.platform === undefined && !o.publishIndex) return;
  const flag = o.publishIndex ? '--publish-index' : '--platform';
  const refuse = (message: string, fix: string): never => {
    throw new InputError({ file: flag, message, fix });
  };
  if (o.platform !== undefined && o.publishIndex) refuse('--platform and --publish-index are two different CI jobs', 'run the platform jobs with --platform, and the publish job with --publish-index alone');
  if (!o.runId) refuse(`${flag} needs a run id: the platform jobs hand their digests to the publish job under it`, 'pass --run-id <id> (in GitHub Actions with --wait-for-parents the default is <run id>-<run attempt>)');
  if (o.force) refuse(`${flag} cannot run with --force: a forced tag names the time of each job's own start, so the jobs of one image would not agree on it`, 'drop --force (force a rebuild on one machine: imagestack build --force IMAGE)');
  if (o.publishIndex && !o.push) refuse('--publish-index puts the index under the tag: it cannot run with --no-push', 'drop --no-push');
  for (const key of selection.selected) {
    const e = selection.entries.get(key)!;
    if (o.platform !== undefined) {
      if (!e.platforms.includes(o.platform)) {
        refuse(
          `image "${e.image}" is not built for ${o.platform} at version ${e.version} (${e.platforms.length ? `its platforms: ${e.platforms.join(', ')}` : 'it declares no platforms'})`,
          `pass one of its platforms to --platform, or add ${o.platform} to its platforms in specs.yml`,
        );
      }
      selection.entries.set(key, { ...e, platforms: [o.platform] });
    } else if (!e.platforms.length) {
      refuse(`image "${e.image}" declares no platforms: its one job builds and pushes its tag, there is no index to publish`, `build it with imagestack build ${e.image} (no --publish-index)`);
    }
  }
}
