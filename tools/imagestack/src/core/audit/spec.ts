/**
 * The top-level `audit:` section of specs.yml, read by `imagestack audit`:
 *
 * ```yaml
 * audit:
 *   maxStableAge: 30d            # flag a stable tag last promoted longer ago than this
 *   maxBaseAge: 60d              # flag a stable tag whose external base image is older than this
 *   deny:                        # flag a stable tag pointing at one of these digests
 *     - { digest: "sha256:…", reason: "CVE-2026-1234 in openssl" }
 * ```
 *
 * Top level, so changing it moves no tag. Pure: reads the plain JSON of the file.
 */
import { asObject } from '../specs/context';
import { DURATION_FIX, parseDuration } from '../util/duration';
import type { SpecIssue } from '../verify/manifest/spec';

/** One denied digest. */
export interface DenyEntry {
  /** `sha256:<64 hex>`: a manifest, index or config (image ID) digest. */
  digest: string;
  /** Why, shown in the audit table. */
  reason: string;
}

/** The audit policy. */
export interface AuditPolicy {
  /** Longest time since a stable tag was last promoted, ms; undefined: no age check. */
  maxStableAgeMs?: number;
  /** The text written, e.g. `30d`. */
  maxStableAge?: string;
  /** Longest time since a stable tag's external base image was created, ms; undefined: no base age check. */
  maxBaseAgeMs?: number;
  /** The text written, e.g. `60d`. */
  maxBaseAge?: string;
  deny: DenyEntry[];
}

const SHA256 = /^sha256:[a-f0-9]{64}$/;

/**
 * The policy of a valid specs document (`Specs.raw`; load.ts puts it into `Specs.audit`);
 * `--max-age` replaces the age when given.
 */
export function readAuditPolicy(raw: unknown, maxAgeOverride?: string): AuditPolicy {
  const a = asObject(asObject(raw)?.audit) ?? {};
  const deny = Array.isArray(a.deny) ? a.deny.map((d) => ({ digest: String((d as DenyEntry).digest), reason: String((d as DenyEntry).reason) })) : [];
  const policy = withMaxStableAge({ deny }, maxAgeOverride ?? (typeof a.maxStableAge === 'string' ? a.maxStableAge : undefined));
  return withMaxBaseAge(policy, typeof a.maxBaseAge === 'string' ? a.maxBaseAge : undefined);
}

/** `policy` with its base age replaced by `maxBaseAge` (a duration such as `60d`) when given. */
export function withMaxBaseAge(policy: AuditPolicy, maxBaseAge: string | undefined): AuditPolicy {
  return maxBaseAge === undefined ? policy : { ...policy, maxBaseAge, maxBaseAgeMs: parseDuration(maxBaseAge) };
}

/** `policy` with its age replaced by `maxAge` (a duration such as `30d`) when given. */
export function withMaxStableAge(policy: AuditPolicy, maxAge: string | undefined): AuditPolicy {
  return maxAge === undefined ? policy : { ...policy, maxStableAge: maxAge, maxStableAgeMs: parseDuration(maxAge) };
}

/** Problems of `audit:` beyond the schema's shapes: a bad duration, a malformed or repeated digest. */
export function auditSpecIssues(json: Record<string, unknown>): SpecIssue[] {
  const a = asObject(json.audit);
  if (!a) return [];
  const issues: SpecIssue[] = [];
  if (typeof a.maxStableAge === 'string' && parseDuration(a.maxStableAge) === undefined) {
    issues.push({ path: ['audit', 'maxStableAge'], message: `maxStableAge ${JSON.stringify(a.maxStableAge)} is not a duration`, fix: DURATION_FIX });
  }
  if (typeof a.maxBaseAge === 'string' && parseDuration(a.maxBaseAge) === undefined) {
    issues.push({ path: ['audit', 'maxBaseAge'], message: `maxBaseAge ${JSON.stringify(a.maxBaseAge)} is not a duration`, fix: DURATION_FIX });
  }
  if (Array.isArray(a.deny)) {
    const seen = new Set<string>();
    a.deny.forEach((d, i) => {
      const digest = asObject(d)?.digest;
      if (typeof digest !== 'string') return;
      if (!SHA256.test(digest)) {
        const hex = /^[a-f0-9]{64}$/.test(digest);
        issues.push({
          path: ['audit', 'deny', i, 'digest'],
          message: `${JSON.stringify(digest)} is not a sha256 digest`,
          fix: hex ? `write it with its algorithm: "sha256:${digest}"` : 'write "sha256:" and 64 lowercase hex digits, as `docker buildx imagetools inspect` or the registry shows it',
        });
      } else if (seen.has(digest)) {
        issues.push({ path: ['audit', 'deny', i, 'digest'], message: `digest ${digest.slice(0, 19)}… is denied twice`, fix: 'remove one of the two entries' });
      }
      seen.add(digest);
    });
  }
  return issues;
}
