/**
 * `promote`: point `<version>-stable` of every image of the stack at the tags one
 * commit's plan names, in the registry, all or nothing, and record it (DESIGN.md promise 5).
 *
 * Order, so that nothing changes unless everything can:
 * 1. plan the commit (see `sources.ts`);
 * 2. read, all at once: every source manifest (GET — the existence check and the bytes to
 *    PUT in one request per tag; a HEAD first would only add a request, and GET answers
 *    404 just the same), every current stable manifest (kept to put it back), the list of
 *    promotion records; then refuse, listing every missing source tag, when any is missing;
 * 3. the record's number: the largest recorded plus one; when no version declared after
 *    this one has a record, the global `stable` tags move too (same manifests, same unit);
 * 4. move, verify, record (`execute.ts`, `apply.ts`).
 */
import { InputError, RegistryError } from '../errors';
import { RegistryClient } from '../registry/client';
import { mapLimit } from '../util/concurrency';
import { currentActor } from './actor';
import type { StableMove } from './apply';
import { READ_CONCURRENCY, executeRelease, fetchManifestOrNull, globalMoves, promotedImage, type ReleaseResult } from './execute';
import { GLOBAL_STABLE_TAG, movesGlobalStable, nextPromotionNumber, promotionsRepository, stableTag } from './record';
import { movingMoves } from './moving';
import { resolveSources } from './sources';
import { readStackCheckFailures } from '../verify/stack-checks/record';
import type { Promotion } from './types';
import { repositoryOf } from '../reference/repository';

/** Options of {@link promoteVersion}. */
export interface PromoteOptions {
  /** Path of specs.yml in the checkout. */
  specsFile: string;
  /** The version whose stable tags move, e.g. `2026.2`. */
  version: string;
  /** The commit whose plan names the source tags. Exactly one of `commit` and `tag`. */
  commit?: string;
  /** A source tag `<version>-<sha7>`: promotes the plan of the commit its sha7 names. */
  tag?: string;
  /** Report what would change; change nothing. */
  dryRun?: boolean;
  /** Registry override (`--registry`, `IMAGESTACK_REGISTRY`). */
  registry?: string;
  /** Namespace override. */
  namespace?: string;
  /** Client to use (default: one for the stack's registry, credentials resolved). */
  client?: RegistryClient;
  /** Clock for the record (default `new Date()`). */
  now?: () => Date;
  /** Who promotes (default {@link currentActor}). */
  actor?: string;
  /** Progress, one line at a time. */
  onProgress?: (line: string) => void;
}

/**
 * Promotes one commit's tags of `version` to `<version>-stable`.
 *
 * @returns what was done (`done`), or would be (`dry-run`), or that nothing had to change (`unchanged`)
 * @throws InputError for a bad version / tag argument, or a version every image skips (nothing touched)
 * @throws GitError for an unknown commit
 * @throws RegistryError (404, code MANIFEST_UNKNOWN) listing every source tag missing from
 *   the registry, before anything changes; RegistryError when the registry fails while reading
 * @throws ApplyError (a RegistryError) when moving, verifying or recording failed: the
 *   message says which tags were put back and which were not
 */
export async function promoteVersion(opts: PromoteOptions): Promise<ReleaseResult> {
  const say = opts.onProgress ?? (() => undefined);
  const src = await resolveSources(opts);
  const client = opts.client ?? new RegistryClient({ registry: src.registry });
  const { entries } = src;
  if (entries.length === 0) {
    throw new InputError({
      file: '--version',
      message: `no image of the stack builds version ${opts.version} at commit ${src.commit.slice(0, 7)} (every image skips it): nothing to promote`,
      fix: 'pass a version some image builds',
    });
  }
  say(`promote ${opts.version}: commit ${src.commit.slice(0, 7)}, ${entries.length} image${entries.length > 1 ? 's' : ''}, registry ${client.registry}`);

  // A version whose stack-wide checks failed for exactly these tags is refused before anything changes.
  const checkFailures = await readStackCheckFailures(client, src.namespace, opts.version, entries);
  if (checkFailures.length) {
    throw new InputError({
      file: 'stackChecks',
      message: `cannot promote ${opts.version} to commit ${src.commit.slice(0, 7)}: its stack-wide checks failed:\n${checkFailures.map((m) => `  ${m}`).join('\n')}\nnothing was changed`,
      fix: 'fix the images (or the check in specs.yml), build and push a new commit, and promote that',
    });
  }
  const stable = stableTag(opts.version);
  // Reads only, all at once: the source manifests, the current stable manifests, the records.
  const [sources, previous, recordTags] = await Promise.all([
    mapLimit(entries, READ_CONCURRENCY, async (e) => ({ e, manifest: await fetchManifestOrNull(client, repositoryOf(src.namespace, e.image), e.tag) })),
    mapLimit(entries, READ_CONCURRENCY, (e) => fetchManifestOrNull(client, repositoryOf(src.namespace, e.image), stable)),
    client.listTags(promotionsRepository(src.namespace)),
  ]);
  const number = nextPromotionNumber(recordTags, opts.version);
  const missing = sources.filter((s) => s.manifest === null).map((s) => s.e.reference);
  if (missing.length) {
    throw new RegistryError(
      `cannot promote ${opts.version} to commit ${src.commit.slice(0, 7)}: ${missing.length} of ${entries.length} source tags are not in the registry:\n${missing.map((r) => `  ${r}`).join('\n')}\nnothing was changed.\n  fix: build and push commit ${src.commit.slice(0, 7)} first (\`git checkout ${src.commit.slice(0, 7)} && imagestack build\`), or promote a commit whose images were pushed`,
      404,
      ['MANIFEST_UNKNOWN'],
    );
  }
  const moves: StableMove[] = sources.map(({ e, manifest }, i) => ({
    image: e.image,
    repository: repositoryOf(src.namespace, e.image),
    tag: stable,
    previous: previous[i],
    next: manifest!,
  }));
  // The global `stable` tag follows the newest promoted version, in the same unit.
  const global = movesGlobalStable(src.versions, recordTags, opts.version)
    ? await globalMoves(client, moves)
    : [];
  if (global.length) say(`  ${opts.version} is the newest promoted version: the global \`${GLOBAL_STABLE_TAG}\` tags move too`);
  const moving = await movingMoves(client, src.namespace, opts.version, sources.map(({ e, manifest }) => ({ image: e.image, sourceTag: e.tag, next: manifest! })), global.length > 0);
  const promotion: Promotion = {
    number,
    version: opts.version,
    kind: 'promote',
    commit: src.commit,
    at: (opts.now ?? (() => new Date()))().toISOString(),
    by: opts.actor ?? currentActor(),
    images: moves.map((m, i) => promotedImage(m, client.registry, src.namespace, entries[i].tag)),
    ...(global.length ? { globalStable: global.map((m, i) => promotedImage(m, client.registry, src.namespace, entries[i].tag)) } : {}),
    ...(moving.length ? { movingTags: moving.map((m) => promotedImage(m, client.registry, src.namespace, m.sourceTag)) } : {}),
  };
  return executeRelease([...moves, ...global, ...moving], promotion, { client, namespace: src.namespace, what: `promotion of ${opts.version}`, dryRun: opts.dryRun, onProgress: say });
}
