/**
 * The part promote and revert share: fetch what every stable tag points at now, decide
 * whether anything changes, then (unless it is a dry run) move the tags all-or-nothing
 * ({@link applyMoves}), verify each stable digest with a HEAD, and record the promotion in
 * the registry — the record is the last step of the all-or-nothing unit, so a failure to
 * write it puts the tags back too.
 */
import { RegistryError } from '../errors';
import type { RegistryReader, RegistryWriter } from '../ports';
import { mapLimit } from '../util/concurrency';
import { applyMoves, isChange, type ApplyEvent, type StableMove } from './apply';
import { writePromotion } from './history';
import { GLOBAL_STABLE_TAG } from './record';
import type { ManifestBytes } from './retag';
import type { Promotion } from './types';
import { qualifiedRepositoryOf } from '../reference/repository';

/** Parallel registry requests while reading (writes are one at a time). */
export const READ_CONCURRENCY = 8;

/** What a promote or revert did (or, for a dry run, would do). */
export interface ReleaseResult {
  /** `done`: tags moved and recorded; `unchanged`: every tag already pointed there, nothing recorded; `dry-run`: nothing changed. */
  status: 'done' | 'unchanged' | 'dry-run';
  /** The promotion recorded (`done`) or that would be recorded (`dry-run`, `unchanged`). */
  promotion: Promotion;
  /** The record written, for `done`. */
  record?: { reference: string; digest: string };
}

/**
 * The manifest `repository:reference` points at, or `null` when it does not exist.
 *
 * @throws RegistryError for every failure but 404
 */
export async function fetchManifestOrNull(client: Pick<RegistryReader, 'getManifest'>, repository: string, reference: string): Promise<ManifestBytes | null> {
  try {
    return await client.getManifest(repository, reference);
  } catch (err) {
    if (err instanceof RegistryError && err.status === 404) return null;
    throw err;
  }
}

/** What a move is about, besides the tags: the source tag named in the record. */
export interface MoveTarget {
  image: string;
  /** Repository path inside the registry (no host), e.g. `ns/python`. */
  repository: string;
  stableTag: string;
  sourceTag: string;
  next: ManifestBytes;
}

/**
 * Reads every stable tag's current manifest (bytes kept for putting it back).
 *
 * @throws RegistryError when the registry fails
 */
export async function readCurrent(client: Pick<RegistryReader, 'getManifest'>, targets: readonly MoveTarget[]): Promise<StableMove[]> {
  return mapLimit(targets, READ_CONCURRENCY, async (t) => ({
    image: t.image,
    repository: t.repository,
    tag: t.stableTag,
    previous: await fetchManifestOrNull(client, t.repository, t.stableTag),
    next: t.next,
  }));
}

/**
 * HEADs every stable tag and checks it points at the digest expected.
 *
 * @throws RegistryError listing every tag that does not (another writer moved it meanwhile)
 */
export async function verifyMoves(client: Pick<RegistryReader, 'headManifest'>, moves: readonly StableMove[]): Promise<void> {
  const wrong: string[] = [];
  await mapLimit(moves, READ_CONCURRENCY, async (m) => {
    const d = await client.headManifest(m.repository, m.tag);
    if (d?.digest !== m.next.descriptor.digest) wrong.push(`${m.image}:${m.tag} is ${d?.digest ?? 'absent'}, expected ${m.next.descriptor.digest}`);
  });
  if (wrong.length) {
    throw new RegistryError(`verification failed: ${wrong.join('; ')} (did another promotion run at the same time?)`, undefined);
  }
}

/** Options of {@link executeRelease}. */
export interface ExecuteOptions {
  /** The registry (reads, tag moves, the promotion record). */
  client: RegistryReader & RegistryWriter;
  namespace: string;
  /** `promotion of 2026.2`, `revert of 2026.2`: for messages. */
  what: string;
  dryRun?: boolean;
  onProgress?: (line: string) => void;
}

/**
 * Moves the stable tags of `moves` and records `promotion` (whose `images` describe the
 * same moves), or only reports for a dry run or when nothing changes.
 *
 * @throws ApplyError when a PUT, the verification or the record failed (after putting the tags back)
 */
export async function executeRelease(moves: readonly StableMove[], promotion: Promotion, opts: ExecuteOptions): Promise<ReleaseResult> {
  const say = opts.onProgress ?? (() => undefined);
  const changes = moves.filter(isChange);
  for (const m of moves) {
    const from = m.previous ? m.previous.descriptor.digest.slice(0, 19) : 'absent';
    say(`  ${m.image}:${m.tag}  ${from} → ${m.next.descriptor.digest.slice(0, 19)}${isChange(m) ? '' : '  (already there)'}`);
  }
  if (changes.length === 0) {
    say(`nothing to change: every ${promotion.version}-stable tag already points there; nothing recorded`);
    return { status: 'unchanged', promotion };
  }
  if (opts.dryRun) {
    say(`dry run: ${changes.length} of ${moves.length} stable tags would move, recorded as number ${promotion.number}; nothing changed`);
    return { status: 'dry-run', promotion };
  }
  let record: { reference: string; digest: string } | undefined;
  const onEvent = (e: ApplyEvent) => {
    if (e.kind === 'moved') say(`moved ${e.move.image}:${e.move.tag} → ${e.move.next.descriptor.digest.slice(0, 19)}`);
    else if (e.kind === 'failed') say(`FAILED ${e.move ? `${e.move.image}:${e.move.tag}` : 'after moving'}: ${e.error}`);
    else if (e.kind === 'restored') say(`put back ${e.move.image}:${e.move.tag} → ${e.move.previous!.descriptor.digest.slice(0, 19)}`);
    else if (e.kind === 'deleted') say(`deleted new tag ${e.move.image}:${e.move.tag} again`);
    else say(`NOT put back ${e.move.image}:${e.move.tag}: ${e.why}`);
  };
  await applyMoves(opts.client, moves, {
    what: opts.what,
    onEvent,
    commit: async () => {
      await verifyMoves(opts.client, moves);
      say(`verified: every ${promotion.version}-stable digest equals its target's (${moves.length} HEADs)`);
      record = await writePromotion(opts.client, opts.namespace, promotion);
      say(`recorded as number ${promotion.number}: ${record.reference}`);
    },
  });
  return { status: 'done', promotion, record };
}

/**
 * The moves of the global `stable` tag that go with `versionMoves` (same manifests): reads
 * where each image's `stable` points now.
 *
 * @throws RegistryError when the registry fails
 */
export async function globalMoves(client: Pick<RegistryReader, 'getManifest'>, versionMoves: readonly StableMove[]): Promise<StableMove[]> {
  return mapLimit(versionMoves, READ_CONCURRENCY, async (m) => ({
    ...m,
    tag: GLOBAL_STABLE_TAG,
    previous: await fetchManifestOrNull(client, m.repository, GLOBAL_STABLE_TAG),
  }));
}

/** The record's view of a move. */
export function promotedImage(m: StableMove, registry: string, namespace: string, sourceTag: string): Promotion['images'][number] {
  return {
    image: m.image,
    repository: qualifiedRepositoryOf(registry, namespace, m.image),
    sourceTag,
    stableTag: m.tag,
    previousDigest: m.previous?.descriptor.digest ?? null,
    digest: m.next.descriptor.digest,
    mediaType: m.next.descriptor.mediaType,
  };
}
