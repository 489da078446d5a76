/**
 * Moving descriptive tags (README "Descriptive tags"): `<version>-python-3.11`, `python-3.11`
 * and `latest`. They change only on promote and revert, in the same all-or-nothing unit as
 * `<version>-stable`, and are recorded in the promotion (`Promotion.movingTags`).
 *
 * Which ones an image has is read from the registry, not from git or a file: the immutable
 * descriptive tags of the promoted tag `<version>-<sha7>` are the tags `<version>-<part>-<sha7>`
 * of its repository (written by the build, `pipeline/steps/taggers.ts`), so a stateless CI
 * runner promotes them like any other tag. Each part gives one moving part
 * (`tags/descriptive.ts` {@link movingPartOf}); the versioned tags `<version>-<moving part>`
 * move with `<version>-stable`, the unversioned `<moving part>` and `latest` with the global
 * `stable` (only when this version is the newest promoted one).
 */
import type { RegistryReader } from '../ports';
import { repositoryOf } from '../reference/repository';
import { mapLimit } from '../util/concurrency';
import type { StableMove } from './apply';
import { fetchManifestOrNull, READ_CONCURRENCY } from './execute';
import type { ManifestBytes } from './retag';

/** The moving tag that follows the newest promoted version, for images with descriptive tags. */
export const LATEST_TAG = 'latest';

const DATE_PART = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The moving part of an immutable descriptive tag's part: a trailing version
 * `major.minor.more` cut to `major.minor` (`python-3.11.2` → `python-3.11`); a part with no
 * such version stays as it is (`debian-12`); a date part (`2026-12-07`) has none.
 */
export function movingPartOf(part: string): string | undefined {
  if (DATE_PART.test(part)) return undefined;
  const m = /^(.*?)(\d+\.\d+)\.\d[\w.]*$/.exec(part);
  return m ? `${m[1]}${m[2]}` : part;
}

/**
 * The moving tags of an image whose `<version>-stable` moves to `sourceTag`, from its
 * repository's tag list: `<version>-<moving part>` per immutable descriptive tag of
 * `sourceTag`, and with `global` also `<moving part>` and `latest`. Sorted, no duplicates;
 * empty when `sourceTag` has no descriptive tags.
 */
export function movingTagsFor(tags: readonly string[], version: string, sourceTag: string, global: boolean): string[] {
  const prefix = `${version}-`;
  const sha7 = sourceTag.startsWith(prefix) ? sourceTag.slice(prefix.length) : '';
  if (!/^[0-9a-f]{7}$/.test(sha7)) return [];
  const suffix = `-${sha7}`;
  const parts = tags
    .filter((t) => t.startsWith(prefix) && t.endsWith(suffix) && t.length > prefix.length + suffix.length)
    .map((t) => t.slice(prefix.length, -suffix.length));
  const moving = [...new Set(parts.map(movingPartOf).filter((p): p is string => !!p))];
  if (!parts.length) return [];
  const out = moving.map((p) => `${prefix}${p}`);
  if (global) out.push(...moving, LATEST_TAG);
  return [...new Set(out)].sort();
}

/** One image promoted: where its source tag points. */
export interface PromotedSource {
  image: string;
  sourceTag: string;
  next: ManifestBytes;
}

/**
 * The moves of every moving descriptive tag of `sources` (see {@link movingTagsFor}), each
 * with the manifest it points at now (kept for putting it back).
 *
 * @throws RegistryError when the registry fails
 */
export async function movingMoves(
  client: Pick<RegistryReader, 'listTags' | 'getManifest'>,
  namespace: string,
  version: string,
  sources: readonly PromotedSource[],
  global: boolean,
): Promise<Array<StableMove & { sourceTag: string }>> {
  const perImage = await mapLimit(sources, READ_CONCURRENCY, async (s) => {
    const repository = repositoryOf(namespace, s.image);
    const tags = movingTagsFor(await client.listTags(repository), version, s.sourceTag, global);
    return mapLimit(tags, READ_CONCURRENCY, async (tag) => ({
      image: s.image,
      repository,
      tag,
      previous: await fetchManifestOrNull(client, repository, tag),
      next: s.next,
      sourceTag: s.sourceTag,
    }));
  });
  return perImage.flat();
}
