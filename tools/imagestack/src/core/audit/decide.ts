/**
 * The decisions of `imagestack audit`, from data alone (no I/O): which stable tags to flag
 * and why. The facts come from `gather.ts`; the policy from specs.yml (`audit/spec.ts`).
 */
import { formatAge } from '../util/duration';
import type { AuditPolicy } from './spec';

/** What is known about one image's stable tag. */
export interface StableFacts {
  image: string;
  version: string;
  /** The qualified repository, `<registry>/<namespace>/<image>` (field name kept: it is in `audit --json`). */
  repository: string;
  /** `<version>-stable`. */
  stableTag: string;
  /** Absent when the stable tag does not exist. */
  stable?: {
    /** Digest the stable tag points at (manifest or index). */
    digest: string;
    /** Other digests of the same content: the platform manifest's, the config's (image ID); for an index, every platform's. */
    otherDigests: string[];
    /** The platforms (`os/architecture[/variant]`) of an image index; absent for a single-platform image manifest. */
    platforms?: string[];
    /** When the newest promotion that set this digest was made (ISO 8601), from the promotion history. */
    promotedAt?: string;
    /** That promotion's number. */
    promotion?: number;
    /** The image's `org.opencontainers.image.created` label (else the config's `created`), ISO 8601. */
    createdAt?: string;
    /** The source tag it was promoted from (history), or `<version>-<sha7>` of its revision label. */
    sourceTag?: string;
    /** Full sha of its source commit (revision label). */
    sourceCommit?: string;
  };
  /**
   * The stable image's external base, when its final stage is built on a pinned external base
   * (labels `org.opencontainers.image.base.name` / `.base.digest`), and what its registry says.
   */
  base?: BaseFacts;
  /**
   * Built tags of the same version whose source commit comes after the stable's (a
   * descendant of it, and an ancestor of the commit audited against), oldest first.
   */
  newerTags: string[];
  /** Things that could not be checked, e.g. a source commit missing from local history. */
  notes: string[];
}

/** A stable image's external base and where it stands upstream. */
export interface BaseFacts {
  /** The base without its digest, e.g. `debian:bookworm-slim`. */
  name: string;
  /** The digest the image was built on (the pin). */
  digest: string;
  /** The digest the base's tag points at now, when its registry answered. */
  current?: string;
  /** When the base image was created (its config's `created`), ISO 8601, when known. */
  createdAt?: string;
  /** Why the registry could not tell, when it could not. */
  error?: string;
}

/** Why an image is flagged. */
export type FlagKind = 'no-stable' | 'too-old' | 'behind' | 'denied' | 'stale-base' | 'old-base';

/** One reason, with the words shown. */
export interface Flag {
  kind: FlagKind;
  detail: string;
}

/** The audit of one image. `flags` empty: it passes. */
export interface AuditFinding {
  image: string;
  version: string;
  stableTag: string;
  digest?: string;
  /** The platforms the stable tag's image index names; absent for a single-platform image. */
  platforms?: string[];
  sourceTag?: string;
  /** Age of the stable tag, ms, and what it was measured from. */
  age?: { ms: number; from: 'promotion' | 'created' };
  /** The pinned external base: name, digest, the digest upstream now, and the base image's age (ms). */
  base?: { name: string; digest: string; current?: string; ageMs?: number };
  flags: Flag[];
  notes: string[];
}

/**
 * Audits every image's facts against `policy`.
 *
 * - `no-stable`: the stable tag does not exist.
 * - `too-old`: with `maxStableAgeMs`, now − (last promotion of this digest, else the
 *   image's created label) is more than the maximum.
 * - `behind`: a built tag of the same version is newer than the stable's source commit.
 * - `denied`: the stable's digest (manifest, index, platform manifest or config) is in
 *   `policy.deny`.
 * - `stale-base`: the image's pinned external base has a newer digest upstream (the age of the
 *   pinned base image is shown).
 * - `old-base`: with `maxBaseAgeMs`, the pinned base image was created longer ago than that.
 *
 * @param now the time ages are measured at
 * @returns one finding per input, same order
 */
export function decideAudit(facts: readonly StableFacts[], policy: AuditPolicy, now: Date): AuditFinding[] {
  const denied = new Map(policy.deny.map((d) => [d.digest, d.reason]));
  return facts.map((f) => {
    const finding: AuditFinding = { image: f.image, version: f.version, stableTag: f.stableTag, flags: [], notes: [...f.notes] };
    const s = f.stable;
    if (!s) {
      finding.flags.push({ kind: 'no-stable', detail: `no ${f.stableTag} tag in the registry` });
      return finding;
    }
    finding.digest = s.digest;
    if (s.platforms) finding.platforms = s.platforms;
    finding.sourceTag = s.sourceTag;
    const since = s.promotedAt ?? s.createdAt;
    const t = since ? Date.parse(since) : NaN;
    if (!Number.isNaN(t)) finding.age = { ms: Math.max(0, now.getTime() - t), from: s.promotedAt ? 'promotion' : 'created' };
    else finding.notes.push('age unknown: no promotion record and no created label');
    if (policy.maxStableAgeMs !== undefined && finding.age && finding.age.ms > policy.maxStableAgeMs) {
      const what = finding.age.from === 'promotion' ? `promoted${s.promotion ? ` (#${s.promotion})` : ''}` : 'created (no promotion record)';
      finding.flags.push({ kind: 'too-old', detail: `${what} ${formatAge(finding.age.ms)} ago, more than ${policy.maxStableAge}` });
    }
    if (f.newerTags.length) {
      const newest = f.newerTags[f.newerTags.length - 1];
      finding.flags.push({ kind: 'behind', detail: `${f.newerTags.length} newer built tag${f.newerTags.length > 1 ? 's' : ''}, newest ${newest}` });
    }
    for (const d of [s.digest, ...s.otherDigests]) {
      const reason = denied.get(d);
      if (reason !== undefined) finding.flags.push({ kind: 'denied', detail: `${d.slice(0, 19)}… denied: ${reason}` });
    }
    if (f.base) decideBase(finding, f.base, policy, now);
    return finding;
  });
}

/** The `stale-base` and `old-base` flags of one finding (see {@link decideAudit}). */
function decideBase(finding: AuditFinding, b: BaseFacts, policy: AuditPolicy, now: Date): void {
  const created = b.createdAt ? Date.parse(b.createdAt) : NaN;
  const ageMs = Number.isNaN(created) ? undefined : Math.max(0, now.getTime() - created);
  finding.base = { name: b.name, digest: b.digest, ...(b.current ? { current: b.current } : {}), ...(ageMs !== undefined ? { ageMs } : {}) };
  const short = (d: string) => `${d.slice(0, 19)}…`;
  const age = ageMs !== undefined ? `, created ${formatAge(ageMs)} ago` : '';
  if (b.error) finding.notes.push(`base ${b.name} not checked upstream: ${b.error.split('\n')[0]}`);
  else if (b.current && b.current !== b.digest) {
    finding.flags.push({ kind: 'stale-base', detail: `${b.name} is pinned to ${short(b.digest)}${age}; its tag now points at ${short(b.current)} (imagestack refresh)` });
  }
  if (policy.maxBaseAgeMs !== undefined && ageMs !== undefined && ageMs > policy.maxBaseAgeMs) {
    finding.flags.push({ kind: 'old-base', detail: `${b.name}@${short(b.digest)} created ${formatAge(ageMs)} ago, more than ${policy.maxBaseAge}` });
  }
}
