/**
 * Assembles the {@link SiteModel} from what the collector read. Pure: no I/O, no clock
 * (the time is an input), so it is unit-tested with plain objects, the way changesets'
 * `assembleReleasePlan` is.
 *
 * Just over 300 lines (332): one function per part of the model (images, tags, runs,
 * durations); the descriptive tags and platforms per tag, and the external base's age of each
 * tag, joined in session 5 (each platform's package manifest is found in `platform-manifests.ts`).
 */
import type { Plan } from '../plan/types';
import type { Promotion } from '../release/types';
import type { RunReport } from '../report/report';
import type { DurationPoint, SiteImage, SiteModel, SiteRun, SiteStatus, SiteTag } from './model';
import { qualifiedRepositoryOf } from '../reference/repository';
import { manifestsPerPlatform, siteManifest, type ReadManifest } from './platform-manifests';

/** What the registry says about one tag (from its image manifest and config). */
export interface RegistryTag {
  tag: string;
  /** Manifest digest. */
  digest: string;
  /** Config + layers, bytes (compressed, as stored). */
  size?: number;
  /** Image config `created`, ISO 8601. */
  created?: string;
  /** Image config labels. */
  labels: Record<string, string>;
  /** When the tag names an image index: the platforms it names (`os/architecture[/variant]`), in its order. */
  platforms?: string[];
}

/** One image of the stack, as the site needs it (a projection of `StackImage`). */
export interface StackImageInput {
  name: string;
  dockerfile: string;
  parents: Array<{ image: string; instruction: 'FROM' | 'COPY --from' | 'RUN --mount' }>;
  externalBases: string[];
  /** The stack parent of the final stage, if the final stage is FROM a stack image. */
  finalParent?: string;
  /** The final stage's external base without its pin (e.g. `debian:bookworm-slim`), if the final stage is FROM one. */
  finalBase?: string;
}

/** Everything {@link assembleSiteModel} needs. */
export interface SiteInputs {
  generatedAt: string;
  registry: string;
  namespace: string;
  /** Repository URL (specs.yml `source:` or the git remote). */
  source?: string;
  versions: string[];
  /** Images in topological order. */
  images: StackImageInput[];
  /** The plan of the current commit (its tags, and whether each is in the registry). */
  plan: Plan;
  /** Per image: the tags in its repository (all versions; `-stable` included). */
  registryTags: Record<string, RegistryTag[]>;
  /** The last run (report.json), if any. */
  lastRun?: RunReport;
  /** Every run report kept (runs/*.json; `lastRun` is added), any order; duplicates by `startedAt` keep the later one in this list. */
  runs: RunReport[];
  /** Full package manifests by `<image>/<tag>`, with the site-relative paths of their copied files. */
  manifests: Record<string, ReadManifest>;
  /**
   * The platform whose package manifest keeps the entry's tag (`<tag>.json`), as the pipeline
   * took it (`core/pipeline/platforms/names.ts` `hostPlatform`); only breaks a tie in
   * {@link manifestsPerPlatform}.
   */
  enginePlatform?: string;
  /** Promotions per version, newest first. */
  promotions: Record<string, Promotion[]>;
  runDir?: string;
  promotionsNote?: string;
  /**
   * When each external base image was created (image config `created`, ISO 8601), by
   * `<name>@<digest>` as the tags' base labels name them; absent when unknown.
   */
  baseCreated?: Record<string, string>;
  warnings: string[];
}

const TAG_OF_VERSION = (version: string) => new RegExp(`^${version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(?!stable$)`);

/**
 * The commit URL for a repository URL and a sha: `<url>/commit/<sha>` for http(s) URLs
 * (GitHub, GitLab and Gitea all serve that path); `git@host:org/repo(.git)` is read as
 * `https://host/org/repo`. Anything else gives `undefined`.
 */
export function commitUrl(source: string | undefined, sha: string | undefined): string | undefined {
  if (!source || !sha || !/^[0-9a-f]{7,64}$/.test(sha)) return undefined;
  let url = source.trim();
  const scp = /^git@([^:]+):(.+)$/.exec(url);
  if (scp) url = `https://${scp[1]}/${scp[2]}`;
  if (!/^https?:\/\/[^/]+\/.+/.test(url)) return undefined;
  return `${url.replace(/\.git$/, '').replace(/\/+$/, '')}/commit/${sha}`;
}

/** The site status of an image and version from the plan entry and the last run's entry for it. */
export function siteStatus(
  current: { tag: string; inRegistry: boolean },
  last: { tag: string; status: string; reason: string; step?: string; blockedBy?: string } | undefined,
): { status: SiteStatus; detail: string } {
  if (last && last.tag === current.tag) {
    switch (last.status) {
      case 'pushed':
        return { status: 'built', detail: 'built and pushed by the last run' };
      case 'built':
        return { status: 'built', detail: `built by the last run, not pushed (${last.reason})` };
      case 'failed':
        return { status: 'failed', detail: `${last.step ?? 'a step'} failed in the last run` };
      case 'blocked':
        return { status: 'failed', detail: `not built: parent ${last.blockedBy ?? '?'} failed in the last run` };
      case 'cancelled':
        return { status: 'failed', detail: 'the last run was cancelled before it finished' };
      default:
        if (current.inRegistry) return { status: 'skipped', detail: 'tag already in the registry; nothing to do' };
    }
  }
  if (current.inRegistry) return { status: 'skipped', detail: 'tag already in the registry; nothing to do' };
  return { status: 'stale', detail: 'changed since the last run: the current tag is not in the registry yet' };
}

/** Turns a run report's entry into the model's shape (gate failures kept, passing items dropped). */
function runEntry(r: RunReport['images'][number]): SiteRun['images'][number] {
  return {
    image: r.image,
    version: r.version,
    tag: r.tag,
    status: r.status,
    reason: r.reason,
    action: r.action,
    ...(r.digest ? { digest: r.digest } : {}),
    ...(r.size !== undefined ? { size: r.size } : {}),
    durations: { ...r.durations } as Record<string, number>,
    ...(r.step ? { step: r.step } : {}),
    ...(r.error ? { error: r.error } : {}),
    ...(r.logTail?.length ? { logTail: [...r.logTail] } : {}),
    ...(r.blockedBy ? { blockedBy: r.blockedBy } : {}),
    gates: Object.entries(r.gates ?? {}).map(([gate, g]) => ({
      gate,
      ok: !!g?.ok,
      summary: g?.summary ?? '',
      failures: (g?.items ?? []).filter((i) => !i.ok).map((i) => ({ name: i.name, ...(i.expected ? { expected: i.expected } : {}), ...(i.found ? { found: i.found } : {}) })),
    })),
  };
}

const FAIL_FIRST: Record<string, number> = { failed: 0, blocked: 1, cancelled: 2 };

/**
 * Splits a version's registry tags into the rows of the tag table (`<version>-<sha7>`, forced
 * and dirty tags, and any tag naming a digest none of those names) and the descriptive tags
 * (`tags/descriptive.ts`), listed under the row with the same digest.
 */
export function groupDescriptiveTags<T extends { tag: string; digest: string }>(tags: readonly T[], version: string): { rows: T[]; byDigest: Map<string, string[]> } {
  const v = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const primary = new RegExp(`^${v}-([0-9a-f]{7}(\\.force-\\d{8}T\\d{6})?|dirty-[0-9a-f]{12})$`);
  const digests = new Set(tags.filter((t) => primary.test(t.tag)).map((t) => t.digest));
  const byDigest = new Map<string, string[]>();
  const rows: T[] = [];
  for (const t of tags) {
    if (primary.test(t.tag) || !digests.has(t.digest)) rows.push(t);
    else byDigest.set(t.digest, [...(byDigest.get(t.digest) ?? []), t.tag]);
  }
  return { rows, byDigest };
}

/**
 * Builds the site model.
 *
 * Tags per version: every `<version>-…` tag in the registry except `<version>-stable`, plus
 * the current tag when it is only known from the plan. Newest first by `created`, then by
 * name. Durations: one point per run report in which the image and version ran its build
 * or test step, oldest first (a test gate that found no tests gives no test duration).
 */
export function assembleSiteModel(input: SiteInputs): SiteModel {
  const runs = dedupeRuns([...input.runs, ...(input.lastRun ? [input.lastRun] : [])]);
  const lastByKey = new Map((input.lastRun?.images ?? []).map((r) => [`${r.image}@${r.version}`, r]));
  const planByKey = new Map(input.plan.images.map((e) => [`${e.image}@${e.version}`, e]));

  const images: SiteImage[] = input.images.map((img) => {
    const regTags = input.registryTags[img.name] ?? [];
    const byTag = new Map(regTags.map((t) => [t.tag, t]));
    const versions = input.versions
      .filter((v) => planByKey.has(`${img.name}@${v}`))
      .map((version) => {
        const key = `${img.name}@${version}`;
        const entry = planByKey.get(key)!;
        const stableReg = byTag.get(`${version}-stable`);
        const ofVersion = regTags.filter((t) => TAG_OF_VERSION(version).test(t.tag));
        const stableTag = stableReg ? ofVersion.find((t) => t.digest === stableReg.digest)?.tag : undefined;
        const inRegistry = byTag.has(entry.tag) || entry.action === 'skip';
        const { rows, byDigest } = groupDescriptiveTags(ofVersion, version);
        const tags: SiteTag[] = rows.map((t) => {
          const revision = t.labels['org.opencontainers.image.revision'];
          const baseName = t.labels['org.opencontainers.image.base.name'];
          const baseDigest = t.labels['org.opencontainers.image.base.digest'];
          const source = input.source ?? t.labels['org.opencontainers.image.source'];
          const url = commitUrl(source, revision);
          return {
            tag: t.tag,
            digest: t.digest,
            inRegistry: true,
            ...(revision ? { sourceCommit: revision } : {}),
            ...(url ? { commitUrl: url } : {}),
            ...(t.created ? { created: t.created } : {}),
            ...(t.size !== undefined ? { size: t.size } : {}),
            ...(t.platforms ? { platforms: [...t.platforms] } : {}),
            ...(baseName ? { parent: tagParent(img, baseName, baseDigest, input.baseCreated) } : {}),
            current: t.tag === entry.tag,
            stable: !!stableReg && t.digest === stableReg.digest,
            ...(byDigest.get(t.digest)?.length ? { descriptive: byDigest.get(t.digest) } : {}),
          };
        });
        if (!tags.some((t) => t.tag === entry.tag)) {
          const url = commitUrl(input.source, entry.dirty ? undefined : entry.sourceCommit);
          const base = img.finalBase !== undefined ? entry.baseAge?.find((b) => b.reference === img.finalBase && b.digest) : undefined;
          tags.push({
            tag: entry.tag,
            inRegistry: false,
            sourceCommit: entry.sourceCommit,
            ...(url ? { commitUrl: url } : {}),
            ...(base ? { parent: { reference: base.reference, digest: base.digest!, external: true, ...(base.created ? { created: base.created } : {}) } } : {}),
            current: true,
            stable: false,
          });
        }
        tags.sort((a, b) => (b.current ? 1 : 0) - (a.current ? 1 : 0) || (b.created ?? '').localeCompare(a.created ?? '') || b.tag.localeCompare(a.tag));
        // Attach manifests; the full package list only to the newest tag that has one.
        let listed = false;
        for (const t of tags) {
          const m = input.manifests[`${img.name}/${t.tag}`];
          const platforms = t.platforms ?? (t.tag === entry.tag && !t.inRegistry ? entry.platforms : undefined);
          const perPlatform = platforms && platforms.length > 1 ? manifestsPerPlatform(img.name, t.tag, platforms, input.manifests, input.enginePlatform) : undefined;
          if (!m && !perPlatform?.some((p) => p.found)) continue;
          const full = !listed;
          listed = true;
          if (m) t.manifest = siteManifest(m, full);
          if (perPlatform) t.platformManifests = perPlatform.map((p) => ({ platform: p.platform, ...(p.found ? { manifest: siteManifest(p.found, full) } : {}) }));
          // A tag built but not pushed has its digest only in the run (the local image ID).
          if (!t.created && m?.manifest.created) t.created = m.manifest.created;
        }
        const durations: DurationPoint[] = [];
        for (const run of runs) {
          const r = run.images.find((x) => x.image === img.name && x.version === version);
          // A test gate that found no tests ran for a millisecond: that is not a test duration.
          const testMs = r?.gates?.test?.summary === 'no tests' ? undefined : r?.durations.test;
          if (!r || (r.durations.build === undefined && testMs === undefined)) continue;
          durations.push({
            at: run.startedAt,
            tag: r.tag,
            status: r.status,
            ...(r.durations.build !== undefined ? { buildMs: r.durations.build } : {}),
            ...(testMs !== undefined ? { testMs } : {}),
          });
        }
        const last = lastByKey.get(key);
        const { status, detail } = siteStatus({ tag: entry.tag, inRegistry }, last);
        return {
          version,
          currentTag: entry.tag,
          sourceCommit: entry.sourceCommit,
          dirty: entry.dirty,
          ...(stableReg ? { stable: { ...(stableTag ? { tag: stableTag } : {}), digest: stableReg.digest } } : {}),
          status,
          statusDetail: detail,
          tags,
          durations,
        };
      });
    return {
      name: img.name,
      repository: qualifiedRepositoryOf(input.registry, input.namespace, img.name),
      dockerfile: img.dockerfile,
      parents: img.parents.map((p) => ({ image: p.image, instruction: p.instruction, final: p.image === img.finalParent })),
      externalBases: img.externalBases,
      versions,
    };
  });

  let run: SiteRun | undefined;
  if (input.lastRun) {
    const r = input.lastRun;
    run = {
      head: r.head,
      dirty: r.dirty,
      ok: r.ok,
      startedAt: r.startedAt,
      durationMs: r.durationMs,
      counts: { ...r.counts },
      images: r.images
        .map((x, i) => ({ x, i }))
        .sort((a, b) => (FAIL_FIRST[a.x.status] ?? 9) - (FAIL_FIRST[b.x.status] ?? 9) || a.i - b.i)
        .map(({ x }) => runEntry(x)),
      ...(r.stackChecks?.length ? { stackChecks: r.stackChecks.map((c) => ({ name: c.name, version: c.version, ok: c.ok, message: c.message })) } : {}),
    };
  }

  return {
    generatedAt: input.generatedAt,
    head: input.plan.head,
    dirty: input.plan.dirty,
    registry: input.registry,
    namespace: input.namespace,
    ...(input.source ? { source: input.source } : {}),
    versions: [...input.versions],
    images,
    ...(run ? { run } : {}),
    promotions: input.versions.map((version) => ({ version, promotions: [...(input.promotions[version] ?? [])] })),
    sources: {
      ...(input.runDir ? { runDir: input.runDir } : {}),
      runReports: runs.length,
      ...(input.promotionsNote ? { promotionsNote: input.promotionsNote } : {}),
      warnings: [...input.warnings],
    },
  };
}

/** A tag's parent from its base labels; an external one (the final stage is not FROM a stack image) with its base image's created date. */
function tagParent(img: StackImageInput, reference: string, digest: string | undefined, created: SiteInputs['baseCreated']): NonNullable<SiteTag['parent']> {
  const parent = { reference, ...(digest ? { digest } : {}) };
  if (img.finalParent !== undefined || reference === 'scratch') return parent;
  const at = digest ? created?.[`${reference}@${digest}`] : undefined;
  return { ...parent, external: true, ...(at ? { created: at } : {}) };
}

/** Run reports, one per `startedAt`, oldest first. */
function dedupeRuns(runs: readonly RunReport[]): RunReport[] {
  const seen = new Map<string, RunReport>();
  for (const r of runs) if (r && typeof r.startedAt === 'string' && Array.isArray(r.images)) seen.set(r.startedAt, r);
  return [...seen.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}
