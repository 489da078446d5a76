/**
 * `imagestack audit`, the I/O shell: for one version, reads each image's stable tag
 * (HEAD, config blob), the promotion history (core/release/history.ts), the repository's
 * tags, and git's commit graph, then hands the facts to the pure `decideAudit`.
 *
 * "Newer built tag": a tag `<version>-<sha7>` of the same repository whose commit is a
 * descendant of the stable's source commit and an ancestor of the audited head
 * (`git rev-list --ancestry-path <stable>..<head>`). Commit order in git, not dates: dates
 * can be rewritten and clocks skew, ancestry cannot lie.
 */
import * as path from 'node:path';
import { InputError } from '../errors';
import { revParse, runGit } from '../git/git';
import { indexPlatforms, isIndexMediaType, RegistryClient } from '../registry';
import { parsePlatform } from '../platform/platform';
import { readPromotions } from '../release/history';
import type { Promotion } from '../release/types';
import { loadSpecs } from '../specs/load';
import { mapLimit } from '../util/concurrency';
import { DURATION_FIX, parseDuration } from '../util/duration';
import { decideAudit, type AuditFinding, type StableFacts } from './decide';
import { withMaxBaseAge, withMaxStableAge, type AuditPolicy } from './spec';
import { pinnedFinalBases, baseLookup } from './base';
import { qualifiedRepositoryOf, repositoryOf } from '../reference/repository';

/** Options of {@link audit}. */
export interface AuditOptions {
  specsFile: string;
  version: string;
  /** Replaces specs.yml `audit.maxStableAge` (a duration such as `30d`). */
  maxAge?: string;
  /** Replaces specs.yml `audit.maxBaseAge` (a duration such as `60d`). */
  maxBaseAge?: string;
  /** The client for a pinned external base's registry (default: a new {@link RegistryClient} for it). */
  baseClientFor?: (registry: string) => Pick<RegistryClient, 'headManifest' | 'getImageConfig'>;
  /** Commit that "newer" is measured up to (default `HEAD`). */
  head?: string;
  registry?: string;
  namespace?: string;
  client?: RegistryClient;
  /** Time of the audit (default now). */
  now?: Date;
}

/** The audit of one version. `ok` is false when any image is flagged. */
export interface AuditResult {
  version: string;
  policy: AuditPolicy;
  findings: AuditFinding[];
  ok: boolean;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Audits the stable tags of `version`.
 *
 * @throws InputError for an undeclared version, a bad `--max-age`, bad specs.yml
 * @throws RegistryError when the registry fails (a missing stable tag is a finding, not an error)
 * @throws GitError for an unknown head
 */
export async function audit(opts: AuditOptions): Promise<AuditResult> {
  const specs = await loadSpecs(opts.specsFile, { registry: opts.registry, namespace: opts.namespace });
  const declared = specs.versions.map((v) => v.name);
  if (!declared.includes(opts.version)) {
    throw new InputError({ file: path.relative(specs.root, specs.file), message: `version ${JSON.stringify(opts.version)} is not declared in specs.yml`, fix: `use one of ${declared.map((d) => JSON.stringify(d)).join(', ')}` });
  }
  if (opts.maxAge !== undefined && parseDuration(opts.maxAge) === undefined) {
    throw new InputError({ file: `--max-age ${opts.maxAge}`, message: 'not a duration', fix: DURATION_FIX });
  }
  if (opts.maxBaseAge !== undefined && parseDuration(opts.maxBaseAge) === undefined) {
    throw new InputError({ file: `--max-base-age ${opts.maxBaseAge}`, message: 'not a duration', fix: DURATION_FIX });
  }
  const policy = withMaxBaseAge(withMaxStableAge(specs.audit, opts.maxAge), opts.maxBaseAge);
  const pinned = await pinnedFinalBases(specs);
  const baseFacts = baseLookup(opts.baseClientFor);
  const client = opts.client ?? new RegistryClient({ registry: specs.registry });
  const head = await revParse(specs.root, opts.head ?? 'HEAD');
  const promotions = await readPromotions(client, specs.namespace, opts.version);
  const stableTag = `${opts.version}-stable`;
  const built = new RegExp(`^${escapeRegExp(opts.version)}-([0-9a-f]{7})$`);
  const images = specs.images.filter((i) => !i.skip.includes(opts.version));

  const facts = await mapLimit(images, 4, async (img): Promise<StableFacts> => {
    const repository = repositoryOf(specs.namespace, img.name);
    const f: StableFacts = { image: img.name, version: opts.version, repository: qualifiedRepositoryOf(specs.registry, specs.namespace, img.name), stableTag, newerTags: [], notes: [] };
    const desc = await client.headManifest(repository, stableTag);
    if (!desc) return f;
    const cfg = await client.getImageConfig(repository, stableTag);
    const labels: Record<string, string> = cfg.config?.config?.Labels ?? {};
    const each = await platformDigests(client, repository, stableTag, desc.mediaType);
    const promoted = lastPromotionOf(promotions, img.name, desc.digest);
    if (promotions.length && !promoted) f.notes.push(`${stableTag} points at a digest no promotion recorded (moved outside imagestack?)`);
    let sourceCommit: string | undefined = labels['org.opencontainers.image.revision'];
    const sourceTag = promoted?.sourceTag ?? (sourceCommit ? `${opts.version}-${sourceCommit.slice(0, 7)}` : undefined);
    f.stable = {
      digest: desc.digest,
      otherDigests: [...new Set([cfg.manifestDigest, cfg.digest, ...(each?.digests ?? [])])].filter((d) => d !== desc.digest),
      ...(each ? { platforms: each.platforms } : {}),
      ...(promoted ? { promotedAt: promoted.at, promotion: promoted.number } : {}),
      createdAt: labels['org.opencontainers.image.created'] ?? cfg.config?.created,
      sourceTag,
      sourceCommit,
    };
    const baseName = labels['org.opencontainers.image.base.name'];
    const baseDigest = labels['org.opencontainers.image.base.digest'];
    if (baseName && baseDigest && pinned.get(img.name) === baseName) f.base = await baseFacts(baseName, baseDigest);
    if (!sourceCommit && sourceTag) sourceCommit = built.exec(sourceTag)?.[1];
    if (!sourceCommit) {
      f.notes.push('source commit unknown (no revision label, no promotion record): newer tags not checked');
      return f;
    }
    const tags = (await client.listTags(repository)).map((t) => ({ tag: t, sha7: built.exec(t)?.[1] })).filter((t) => t.sha7);
    const newer = await descendants(specs.root, sourceCommit, head);
    if (!newer) {
      f.notes.push(`source commit ${sourceCommit.slice(0, 7)} is not in the local history: newer tags not checked (fetch more history)`);
      return f;
    }
    // rev-list lists newest first; report oldest first.
    const order = new Map(newer.map((sha, i) => [sha.slice(0, 7), newer.length - i]));
    f.newerTags = tags
      .filter((t) => order.has(t.sha7!))
      .sort((a, b) => order.get(a.sha7!)! - order.get(b.sha7!)!)
      .map((t) => t.tag);
    return f;
  });
  const findings = decideAudit(facts, policy, opts.now ?? new Date());
  return { version: opts.version, policy, findings, ok: findings.every((f) => f.flags.length === 0) };
}

/**
 * For a stable tag naming an image index: its platforms (`os/architecture[/variant]`, in its
 * order) and every platform's image manifest and config digests, each config read (so a denied
 * digest of any platform is found); `undefined` for a single-platform image manifest.
 */
async function platformDigests(
  client: Pick<RegistryClient, 'getManifest' | 'getImageConfig'>,
  repository: string,
  tag: string,
  mediaType: string,
): Promise<{ platforms: string[]; digests: string[] } | undefined> {
  if (!isIndexMediaType(mediaType)) return undefined;
  const { descriptor, bytes } = await client.getManifest(repository, tag);
  const platforms = indexPlatforms(bytes, descriptor.mediaType) ?? [];
  const digests: string[] = [];
  for (const p of platforms) {
    const { os, architecture } = parsePlatform(p);
    const cfg = await client.getImageConfig(repository, tag, { os, architecture });
    digests.push(cfg.manifestDigest, cfg.digest);
  }
  return { platforms, digests };
}

/** The newest promotion whose entry for `image` has `digest`. */
function lastPromotionOf(promotions: readonly Promotion[], image: string, digest: string): { at: string; number: number; sourceTag: string } | undefined {
  for (const p of promotions) {
    const e = p.images.find((i) => i.image === image);
    if (e && e.digest === digest) return { at: p.at, number: p.number, sourceTag: e.sourceTag };
  }
  return undefined;
}

/** Commits after `commit` up to `head` (descendants of it, ancestors of head), newest first; undefined when git does not know `commit`. */
async function descendants(root: string, commit: string, head: string): Promise<string[] | undefined> {
  let full: string;
  try {
    full = await revParse(root, commit);
  } catch {
    return undefined;
  }
  const { stdout } = await runGit(root, ['rev-list', '--ancestry-path', `${full}..${head}`]);
  return stdout.split('\n').filter(Boolean);
}
