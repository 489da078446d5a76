/**
 * `revert`: point `<version>-stable` back at the digests of an earlier promotion, read
 * from the promotion history in the registry, all or nothing, and record it as a
 * promotion of kind `revert` with `revertOf` (DESIGN.md promise 5).
 *
 * Target: by default the record before the newest (so a revert undoes the newest
 * promotion, and a second revert undoes the first revert); `to` picks any record by
 * number. Each image of the target gets the target's digest back; images the target
 * does not name (added to the stack later) are left alone. The manifests are fetched by
 * digest (`<repository>@<digest>`), so a revert needs neither git nor the source tags.
 */
import { InputError, RegistryError } from '../errors';
import { RegistryClient } from '../registry/client';
import { loadSpecs } from '../specs/load';
import { mapLimit } from '../util/concurrency';
import { currentActor } from './actor';
import { READ_CONCURRENCY, executeRelease, fetchManifestOrNull, globalMoves, promotedImage, readCurrent, type MoveTarget, type ReleaseResult } from './execute';
import { readPromotions } from './history';
import { GLOBAL_STABLE_TAG, movesGlobalStable, PROMOTIONS_IMAGE, promotionsRepository } from './record';
import type { Promotion } from './types';
import type { PromoteOptions } from './promote';
import { digestReference, qualifiedRepositoryOf, repositoryOf } from '../reference/repository';

/**
 * Options of {@link revertVersion}: those of a promotion without its source (`specsFile` is read
 * for the registry and namespace only), plus which promotion to restore.
 */
export interface RevertOptions extends Omit<PromoteOptions, 'commit' | 'tag'> {
  /** Number of the promotion to restore (default: the one before the newest). */
  to?: number;
}

/**
 * The promotion a revert restores, from the history (newest first).
 *
 * @throws InputError when there is nothing to revert to, or `to` names no record
 */
export function pickRevertTarget(history: readonly Promotion[], version: string, to: number | undefined, where: string): Promotion {
  const numbers = history.map((p) => p.number);
  if (history.length === 0) {
    throw new InputError({ file: '--version', message: `no promotion of ${version} is recorded in ${where}`, fix: `promote a commit first: imagestack promote --version ${version} --commit <sha>` });
  }
  if (to !== undefined) {
    const found = history.find((p) => p.number === to);
    if (!found) {
      throw new InputError({ file: '--to', message: `there is no promotion number ${to} of ${version} (recorded: ${numbers.join(', ')})`, fix: `pass one of those numbers; see imagestack history --version ${version}` });
    }
    return found;
  }
  if (history.length < 2) {
    throw new InputError({
      file: '--version',
      message: `only one promotion of ${version} is recorded (number ${numbers[0]}): there is no earlier one to revert to`,
      fix: `promote another commit instead: imagestack promote --version ${version} --commit <sha>`,
    });
  }
  return history[1];
}

/**
 * Reverts `<version>-stable` to an earlier promotion.
 *
 * @returns what was done, would be done (`dry-run`), or that nothing had to change
 * @throws InputError when there is nothing to revert to or `to` is unknown (nothing touched)
 * @throws RegistryError listing every manifest of the target missing from the registry
 *   (garbage-collected), before anything changes; when a record is invalid; when reading fails
 * @throws ApplyError (a RegistryError) when moving, verifying or recording failed, after putting tags back
 */
export async function revertVersion(opts: RevertOptions): Promise<ReleaseResult> {
  const say = opts.onProgress ?? (() => undefined);
  const specs = await loadSpecs(opts.specsFile, { registry: opts.registry, namespace: opts.namespace });
  const client = opts.client ?? new RegistryClient({ registry: specs.registry });
  const ns = specs.namespace;
  const history = await readPromotions(client, ns, opts.version);
  const target = pickRevertTarget(history, opts.version, opts.to, qualifiedRepositoryOf(client.registry, ns, PROMOTIONS_IMAGE));
  const newest = history[0];
  say(`revert ${opts.version}: back to promotion ${target.number} (${target.kind}, commit ${target.commit.slice(0, 7)}, ${target.at} by ${target.by}); newest is ${newest.number}`);
  const targetNames = new Set(target.images.map((i) => i.image));
  const left = newest.images.filter((i) => !targetNames.has(i.image)).map((i) => i.image);
  if (left.length) say(`  left alone (not in promotion ${target.number}): ${left.join(', ')}`);

  const fetched = await mapLimit(target.images, READ_CONCURRENCY, async (img) => ({
    img,
    manifest: await fetchManifestOrNull(client, repositoryOf(ns, img.image), img.digest),
  }));
  const missing = fetched.filter((f) => f.manifest === null).map((f) => `${digestReference(qualifiedRepositoryOf(client.registry, ns, f.img.image), f.img.digest)} (was ${f.img.sourceTag})`);
  if (missing.length) {
    throw new RegistryError(
      `cannot revert ${opts.version} to promotion ${target.number}: ${missing.length} of its manifests are no longer in the registry:\n${missing.map((m) => `  ${m}`).join('\n')}\nnothing was changed.\n  fix: revert to another promotion (--to N, see imagestack history --version ${opts.version}) or promote a commit`,
      404,
      ['MANIFEST_UNKNOWN'],
    );
  }
  const targets: MoveTarget[] = fetched.map(({ img, manifest }) => ({
    image: img.image,
    repository: repositoryOf(ns, img.image),
    stableTag: img.stableTag,
    sourceTag: img.sourceTag,
    next: manifest!,
  }));
  const [moves, recordTags] = await Promise.all([readCurrent(client, targets), client.listTags(promotionsRepository(ns))]);
  const versions = specs.versions.map((v) => v.name);
  const global = movesGlobalStable(versions, recordTags, opts.version) ? await globalMoves(client, moves) : [];
  // The moving descriptive tags the target recorded go back too (unversioned ones only with the global `stable`).
  const byImage = new Map(targets.map((t) => [t.image, t]));
  const movingTargets: MoveTarget[] = (target.movingTags ?? [])
    .filter((m) => byImage.has(m.image) && (global.length > 0 || m.stableTag.startsWith(`${opts.version}-`)))
    .map((m) => ({ ...byImage.get(m.image)!, stableTag: m.stableTag }));
  const moving = await readCurrent(client, movingTargets);
  if (global.length) say(`  ${opts.version} is the newest promoted version: the global \`${GLOBAL_STABLE_TAG}\` tags move too`);
  const promotion: Promotion = {
    number: newest.number + 1,
    version: opts.version,
    kind: 'revert',
    revertOf: target.number,
    commit: target.commit,
    at: (opts.now ?? (() => new Date()))().toISOString(),
    by: opts.actor ?? currentActor(),
    images: moves.map((m, i) => promotedImage(m, client.registry, ns, targets[i].sourceTag)),
    ...(global.length ? { globalStable: global.map((m, i) => promotedImage(m, client.registry, ns, targets[i].sourceTag)) } : {}),
    ...(moving.length ? { movingTags: moving.map((m, i) => promotedImage(m, client.registry, ns, movingTargets[i].sourceTag)) } : {}),
  };
  return executeRelease([...moves, ...global, ...moving], promotion, { client, namespace: ns, what: `revert of ${opts.version}`, dryRun: opts.dryRun, onProgress: say });
}
