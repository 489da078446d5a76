/**
 * Moving a set of stable tags all-or-nothing (DESIGN.md promise 5).
 *
 * The registry API has no transaction, so "all or nothing" is built from what it has:
 * 1. Before anything changes, the caller fetched the bytes of every stable tag's current
 *    manifest (`previous`) and of every source manifest (`next`).
 * 2. The tags are PUT one after the other (so a failure leaves a known prefix moved),
 *    stable tags that exist first and stable tags that do not exist yet last (see 4).
 * 3. Once every PUT succeeded, `commit` runs (verify the digests, write the record). If
 *    a PUT or `commit` fails, every tag already moved is put back, newest first: its
 *    previous manifest bytes are PUT again under it (same bytes → same digest).
 * 4. A stable tag that did not exist before cannot always be made absent again: deleting
 *    the manifest by digest would delete every tag pointing at it — the source tag
 *    `<version>-<sha7>` first of all, which must never go (promise 2). So it is deleted
 *    with the OCI "Deleting tags" request (DELETE by tag), which some registries support;
 *    where the registry refuses (docker-registry 2.8 does), the tag is left pointing at
 *    the source tag's digest and the error says so. Ordering these last (2.) keeps that
 *    case to failures among new tags only.
 *
 * The decisions (order, what to undo) are pure functions, unit-tested; {@link applyMoves}
 * does the I/O.
 */
import { RegistryError } from '../errors';
import type { RegistryReader, RegistryWriter } from '../ports';
import { putManifestBytes, type ManifestBytes } from './retag';

/** One stable tag to move. */
export interface StableMove {
  /** Image name, e.g. `python`. */
  image: string;
  /** Repository path inside the registry (no host), e.g. `ns/python`. */
  repository: string;
  /** The stable tag, e.g. `2026.2-stable`. */
  tag: string;
  /** Its manifest now, or `null` when the tag does not exist. */
  previous: ManifestBytes | null;
  /** The manifest it must point at (the source tag's, or a promotion's for a revert). */
  next: ManifestBytes;
}

/** True when the move changes something (the tag is absent or points at another digest). */
export function isChange(m: StableMove): boolean {
  return m.previous?.descriptor.digest !== m.next.descriptor.digest;
}

/**
 * The PUTs to make, in order: only real changes; tags that exist first (they can always
 * be restored), tags that are new last (they may not be removable); plan order within each.
 */
export function orderMoves(moves: readonly StableMove[]): StableMove[] {
  const changes = moves.filter(isChange);
  return [...changes.filter((m) => m.previous !== null), ...changes.filter((m) => m.previous === null)];
}

/** One step of undoing moves that were made. */
export type UndoStep =
  /** PUT the previous manifest bytes under the tag again. */
  | { action: 'restore'; move: StableMove }
  /** The tag was new: delete the tag alone (DELETE by tag), never by digest. */
  | { action: 'delete-tag'; move: StableMove };

/**
 * How to undo `moved` (the moves whose PUT succeeded, in the order they were made):
 * newest first, restoring previous manifests, deleting tags that did not exist.
 */
export function undoSteps(moved: readonly StableMove[]): UndoStep[] {
  return [...moved].reverse().map((move) => (move.previous ? { action: 'restore', move } : { action: 'delete-tag', move }));
}

/** What happened to one tag during a failed apply. */
export interface TagOutcome {
  image: string;
  tag: string;
  /** Where the tag points now (`null`: it does not exist). */
  digest: string | null;
}

/** The account of a failed apply, for the message and for `--json`. */
export interface FailureReport {
  /** The step that failed: the tag whose PUT failed, or `commit` (verify / record). */
  failedAt: { image: string; tag: string } | 'commit';
  /** The error of that step. */
  cause: string;
  /** Moved, then put back to their previous digest (or deleted again, for new tags). */
  restored: TagOutcome[];
  /** Moved and NOT put back (the undo failed, or the registry cannot delete a new tag alone), with why. */
  notRestored: Array<TagOutcome & { why: string }>;
  /** Never touched (after the failure, or unchanged). */
  untouched: Array<{ image: string; tag: string }>;
}

/** True when every stable tag is where it was before (nothing left moved). */
export function everythingRestored(r: FailureReport): boolean {
  return r.notRestored.length === 0;
}

/**
 * A promotion or revert that failed part-way. A {@link RegistryError} (exit code 4);
 * `report` says exactly which tags were moved, put back, or left.
 */
export class ApplyError extends RegistryError {
  constructor(
    message: string,
    readonly report: FailureReport,
    status: number | undefined,
  ) {
    super(message, status);
  }
}

/** Progress of {@link applyMoves}, one line each. */
export type ApplyEvent =
  | { kind: 'moved'; move: StableMove }
  | { kind: 'failed'; move: StableMove | undefined; error: string }
  | { kind: 'restored'; move: StableMove }
  | { kind: 'deleted'; move: StableMove }
  | { kind: 'not-restored'; move: StableMove; why: string };

const short = (d: string | null | undefined) => (d ? d.slice(0, 19) : 'absent');

/** The message of an {@link ApplyError}: what failed, then every tag's fate, then what to do. */
export function failureMessage(what: string, r: FailureReport): string {
  const lines = [
    `${what} failed ${r.failedAt === 'commit' ? 'after moving the stable tags' : `moving ${r.failedAt.image}:${r.failedAt.tag}`}: ${r.cause}`,
  ];
  for (const t of r.restored) lines.push(`  put back: ${t.image}:${t.tag} → ${short(t.digest)} (as before)`);
  for (const t of r.notRestored) lines.push(`  NOT put back: ${t.image}:${t.tag} → ${short(t.digest)}: ${t.why}`);
  if (r.untouched.length) lines.push(`  not changed: ${r.untouched.map((t) => t.image).join(', ')}`);
  if (everythingRestored(r)) {
    lines.push('every stable tag is where it was before; nothing was recorded.');
    lines.push('  fix: when the registry works again, run the same command again');
  } else {
    lines.push('some stable tags were NOT put back (listed above); nothing was recorded.');
    lines.push('  fix: run the same command again when the registry works (it moves the rest), or point the tags listed back by hand');
  }
  return lines.join('\n');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The registry operations moving stable tags needs: read a tag's digest, put a manifest, delete a tag. */
export type ApplyRegistry = Pick<RegistryReader, 'headManifest'> & Pick<RegistryWriter, 'putManifest' | 'deleteTag'>;

/**
 * Moves every stable tag of `moves` that needs it (see {@link orderMoves}), then runs
 * `commit`; on any failure undoes what was moved and throws.
 *
 * @param what how to name the operation in messages, e.g. `promotion of 2026.2`
 * @returns the moves made, in order
 * @throws ApplyError (a RegistryError) when a PUT or `commit` failed, after undoing; its
 *   message and `report` say which tags were put back and which were not
 */
export async function applyMoves(
  client: ApplyRegistry,
  moves: readonly StableMove[],
  opts: { what: string; commit: () => Promise<void>; onEvent?: (e: ApplyEvent) => void },
): Promise<StableMove[]> {
  const ordered = orderMoves(moves);
  const moved: StableMove[] = [];
  let failedAt: FailureReport['failedAt'] | undefined;
  let cause: unknown;
  for (const move of ordered) {
    try {
      await putManifestBytes(client, move.repository, move.tag, move.next);
    } catch (err) {
      failedAt = { image: move.image, tag: move.tag };
      cause = err;
      opts.onEvent?.({ kind: 'failed', move, error: errorText(err) });
      break;
    }
    moved.push(move);
    opts.onEvent?.({ kind: 'moved', move });
  }
  if (failedAt === undefined) {
    try {
      await opts.commit();
      return moved;
    } catch (err) {
      failedAt = 'commit';
      cause = err;
      opts.onEvent?.({ kind: 'failed', move: undefined, error: errorText(err) });
    }
  }

  const report: FailureReport = { failedAt, cause: errorText(cause), restored: [], notRestored: [], untouched: [] };
  // A PUT that failed may still have been stored (e.g. the answer was lost): look.
  const failedMove = failedAt !== 'commit' ? ordered[moved.length] : undefined;
  if (failedMove) {
    try {
      const now = await client.headManifest(failedMove.repository, failedMove.tag);
      if (now?.digest === failedMove.next.descriptor.digest) moved.push(failedMove);
    } catch (err) {
      report.notRestored.push({
        image: failedMove.image,
        tag: failedMove.tag,
        digest: failedMove.previous?.descriptor.digest ?? null,
        why: `its PUT failed and checking where it points failed too (${errorText(err)}): it points either where it did before or at ${short(failedMove.next.descriptor.digest)}`,
      });
    }
  }
  for (const step of undoSteps(moved)) {
    const { move } = step;
    try {
      if (step.action === 'restore') {
        await putManifestBytes(client, move.repository, move.tag, move.previous!);
        report.restored.push({ image: move.image, tag: move.tag, digest: move.previous!.descriptor.digest });
        opts.onEvent?.({ kind: 'restored', move });
      } else if (await client.deleteTag(move.repository, move.tag)) {
        report.restored.push({ image: move.image, tag: move.tag, digest: null });
        opts.onEvent?.({ kind: 'deleted', move });
      } else {
        const why = `it did not exist before, and the registry cannot delete a tag alone (deleting the manifest by digest would delete the source tag too); it points at the new digest`;
        report.notRestored.push({ image: move.image, tag: move.tag, digest: move.next.descriptor.digest, why });
        opts.onEvent?.({ kind: 'not-restored', move, why });
      }
    } catch (err) {
      const why = `putting it back failed: ${errorText(err)}; it should point at ${short(move.previous?.descriptor.digest)}`;
      report.notRestored.push({ image: move.image, tag: move.tag, digest: move.next.descriptor.digest, why });
      opts.onEvent?.({ kind: 'not-restored', move, why });
    }
  }
  const accounted = new Set([...report.restored, ...report.notRestored].map((t) => `${t.image}:${t.tag}`));
  for (const m of moves) if (!accounted.has(`${m.image}:${m.tag}`)) report.untouched.push({ image: m.image, tag: m.tag });
  const status = cause instanceof RegistryError ? cause.status : undefined;
  throw new ApplyError(failureMessage(opts.what, report), report, status);
}
