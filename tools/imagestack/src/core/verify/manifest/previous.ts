/**
 * The previous tag of an image and version, found from git and the registry alone (no
 * state elsewhere, DESIGN.md promise 1): the newest tag `<version>-<sha7>` in the
 * image's repository whose image carries
 * - `io.imagestack.version` = the version, and
 * - `org.opencontainers.image.revision` = a commit that is an ancestor of (or, for a dirty
 *   or forced build, equal to) this build's source commit (`git merge-base --is-ancestor`).
 * Dirty tags (`-dirty-<hash>`), forced rebuilds (`.force-<time>`), `-stable` and every
 * other tag are ignored. "Newest" is the order of `git rev-list <source commit>`
 * (reverse chronological), so only the candidates' labels that matter are fetched.
 */
import type { RegistryClient } from '../../registry';
import { isShallow, runGit } from '../../git/git';
import { SHA_LENGTH } from '../../tags/tag';

/** Label with the source commit (OCI image spec annotation). */
export const REVISION_LABEL = 'org.opencontainers.image.revision';
/** Label with the version (build plan) name. */
export const VERSION_LABEL = 'io.imagestack.version';

/** Default number of candidate tags whose labels are read before giving up. */
export const MAX_CANDIDATES = 20;

/** What to look for. */
export interface PreviousTagQuery {
  /** The registry (only `listTags` and `getImageConfig` are used). */
  client: Pick<RegistryClient, 'listTags' | 'getImageConfig'>;
  /** Repository path inside the registry, `<namespace>/<image>`. */
  repository: string;
  version: string;
  /** This build's tag (never its own previous tag). */
  tag: string;
  /** Full sha of this build's source commit. */
  sourceCommit: string;
  /** A folder inside the git working tree (the workspace root). */
  root: string;
  /** Labels read at most (default {@link MAX_CANDIDATES}). */
  maxCandidates?: number;
  log?: (line: string) => void;
}

/** The previous tag, or why there is none. */
export type PreviousTagResult =
  | { tag: string; sourceCommit: string; configDigest: string }
  | { tag?: undefined; reason: string };

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Finds the previous tag (see the module comment).
 *
 * @returns the tag with its source commit and config digest, or the reason there is none
 * @throws RegistryError when the registry fails; GitError when git cannot list history
 */
export async function findPreviousTag(q: PreviousTagQuery): Promise<PreviousTagResult> {
  const tagPattern = new RegExp(`^${escapeRegExp(q.version)}-[0-9a-f]{${SHA_LENGTH}}$`);
  const tags = (await q.client.listTags(q.repository)).filter((t) => tagPattern.test(t) && t !== q.tag);
  if (tags.length === 0) return { reason: `no earlier ${q.version}-<sha7> tag in ${q.repository}` };

  // Ancestors of the source commit (itself included), newest first.
  const { stdout } = await runGit(q.root, ['rev-list', '--end-of-options', q.sourceCommit]);
  const rank = new Map<string, number>();
  stdout.split('\n').forEach((sha, i) => {
    const p = sha.slice(0, SHA_LENGTH);
    if (p && !rank.has(p)) rank.set(p, i);
  });
  const candidates = tags
    .map((t) => ({ tag: t, sha7: t.slice(-SHA_LENGTH), rank: rank.get(t.slice(-SHA_LENGTH)) }))
    .filter((c): c is { tag: string; sha7: string; rank: number } => c.rank !== undefined)
    .sort((a, b) => a.rank - b.rank || (a.tag < b.tag ? -1 : 1));
  if (candidates.length === 0) {
    const others = `${tags.length} tag${tags.length === 1 ? '' : 's'} of other commits`;
    const shallow = (await isShallow(q.root)) ? '; the clone is shallow: fetch the history (`git fetch --unshallow`) to find older commits' : '';
    return { reason: `no ${q.version}-<sha7> tag in ${q.repository} names an ancestor of ${q.sourceCommit.slice(0, SHA_LENGTH)} (${others}${shallow})` };
  }

  const max = q.maxCandidates ?? MAX_CANDIDATES;
  for (const c of candidates.slice(0, max)) {
    const { config, digest } = await q.client.getImageConfig(q.repository, c.tag);
    const labels = (config?.config?.Labels ?? {}) as Record<string, string>;
    const revision = labels[REVISION_LABEL];
    if (labels[VERSION_LABEL] !== q.version) {
      q.log?.(`previous tag: ${c.tag} skipped: label ${VERSION_LABEL} is ${JSON.stringify(labels[VERSION_LABEL] ?? null)}, not "${q.version}"`);
      continue;
    }
    if (typeof revision !== 'string' || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(revision) || !revision.startsWith(c.sha7)) {
      q.log?.(`previous tag: ${c.tag} skipped: label ${REVISION_LABEL} is ${JSON.stringify(revision ?? null)}, not the commit its tag names`);
      continue;
    }
    const { code } = await runGit(q.root, ['merge-base', '--is-ancestor', revision, q.sourceCommit], { okCodes: [1, 128] });
    if (code !== 0) {
      q.log?.(`previous tag: ${c.tag} skipped: ${revision.slice(0, 12)} is not an ancestor of ${q.sourceCommit.slice(0, 12)}`);
      continue;
    }
    return { tag: c.tag, sourceCommit: revision, configDigest: digest };
  }
  return {
    reason: `no tag among the ${Math.min(max, candidates.length)} newest ${q.version}-<sha7> tags of ancestors in ${q.repository} has matching ${VERSION_LABEL} and ${REVISION_LABEL} labels`,
  };
}
