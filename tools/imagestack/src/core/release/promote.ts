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
import type { RegistryReader } from '../ports';
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

  const stable = stableTag(opts.version);
  // Reads only, all at once (each awaited below in the order of the checks that use it): the
  // stack-wide check record, the source manifests, the current stable manifests, the
  // records, and ahead of need the image tag lists of the moving tags and, once the records
  // say the global `stable` moves too, where it points now.
  const checksP = readStackCheckFailures(client, src.namespace, opts.version, entries);
  const recordTagsP = client.listTags(promotionsRepository(src.namespace));
  const reads = readsAhead(client, entries.map((e) => repositoryOf(src.namespace, e.image)), recordTagsP.then((tags) => movesGlobalStable(src.versions, tags, opts.version)));
  const allP = Promise.all([
    mapLimit(entries, READ_CONCURRENCY, async (e) => ({ e, manifest: await fetchManifestOrNull(client, repositoryOf(src.namespace, e.image), e.tag) })),
    mapLimit(entries, READ_CONCURRENCY, (e) => fetchManifestOrNull(client, repositoryOf(src.namespace, e.image), stable)),
    recordTagsP,
  ]);
  for (const p of [checksP, allP]) p.catch(() => undefined);
  // A version whose stack-wide checks failed for exactly these tags is refused before anything changes.
  const checkFailures = await checksP;
  if (checkFailures.length) {
    throw new InputError({
      file: 'stackChecks',
      message: `cannot promote ${opts.version} to commit ${src.commit.slice(0, 7)}: its stack-wide checks failed:\n${checkFailures.map((m) => `  ${m}`).join('\n')}\nnothing was changed`,
      fix: 'fix the images (or the check in specs.yml), build and push a new commit, and promote that',
    });
  }
  const [sources, previous, recordTags] = await allP;
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
    ? await globalMoves(reads, moves)
    : [];
  if (global.length) say(`  ${opts.version} is the newest promoted version: the global \`${GLOBAL_STABLE_TAG}\` tags move too`);
  const moving = await movingMoves(reads, src.namespace, opts.version, sources.map(({ e, manifest }) => ({ image: e.image, sourceTag: e.tag, next: manifest! })), global.length > 0);
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

/**
 * `client`'s `listTags` and `getManifest` with some answers asked for at once: the tag list
 * of each of `repositories`, and, when `globalMoves` resolves true, each one's
 * `stable` manifest. Each early answer (or error) goes to the first call that asks for it
 * (later calls ask the registry again); the others pass through. So the reads of the
 * moving tags and the global `stable` go out with the other reads instead of after them.
 */
function readsAhead(client: Pick<RegistryReader, 'listTags' | 'getManifest'>, repositories: readonly string[], globalMoves: Promise<boolean>): Pick<RegistryReader, 'listTags' | 'getManifest'> {
  const early = new Map<string, Promise<unknown>>();
  const keep = (key: string, p: Promise<unknown>) => {
    p.catch(() => undefined); // met by the call that takes it, or never needed
    early.set(key, p);
  };
  const take = <T>(key: string): Promise<T> | undefined => {
    const p = early.get(key) as Promise<T> | undefined;
    early.delete(key);
    return p;
  };
  for (const r of repositories) keep(`tags ${r}`, client.listTags(r));
  const global = globalMoves.then((yes) => {
    if (yes) for (const r of repositories) keep(`manifest ${r}:${GLOBAL_STABLE_TAG}`, client.getManifest(r, GLOBAL_STABLE_TAG));
  });
  global.catch(() => undefined);
  return {
    listTags: (r) => take<string[]>(`tags ${r}`) ?? client.listTags(r),
    getManifest: async (r, ref) => {
      await global.catch(() => undefined);
      return (await take<Awaited<ReturnType<RegistryReader['getManifest']>>>(`manifest ${r}:${ref}`)) ?? client.getManifest(r, ref);
    },
  };
}
