/**
 * The site model: everything the static site shows, as one plain JSON value. The collector
 * (`collect.ts`) makes it from the plan, the registry, the run reports, the package
 * manifests and the promotion history; the renderers (`render-*.ts`) turn it into HTML
 * without any I/O. The model is also written as `site.json` next to the pages. Fields may
 * be added, never renamed.
 */
import type { Promotion } from '../release/types';
import type { ManifestDiff } from '../verify/manifest/types';

/** The outcome shown for one image and version (the node colour on the stack page). */
export type SiteStatus =
  /** The last run built (and pushed, or kept with --no-push) the current tag. */
  | 'built'
  /** The current tag is in the registry; the last run had nothing to do for it. */
  | 'skipped'
  /** The last run failed on the current tag, or did not start it because an ancestor failed or the run was cancelled. */
  | 'failed'
  /** The current tag is not in the registry and no run built it: the image changed since. */
  | 'stale';

/** A point of the durations chart: one run that built one image and version. */
export interface DurationPoint {
  /** When the run started, ISO 8601. */
  at: string;
  /** The tag that run built. */
  tag: string;
  /** Its outcome in that run (`pushed`, `built`, `failed`, …). */
  status: string;
  /** Build step, ms. */
  buildMs?: number;
  /** Test gate, ms. */
  testMs?: number;
}

/** The package manifest of one tag, as far as the site shows it. */
export interface SiteManifest {
  /** `PRETTY_NAME` of `/etc/os-release`. */
  os?: string;
  /** Package counts. */
  dpkgCount: number;
  pipCount: number;
  /** The diff against the previous tag of the same image and version. */
  diff: ManifestDiff;
  /** The full package lists (name → version); only for the newest tag of a version, to keep pages small. */
  packages?: { dpkg: Record<string, string>; pip: Record<string, string> };
  /** Site-relative paths of the copied manifest files (`manifests/<image>/<tag>.md` / `.json`). */
  files: { markdown?: string; json?: string };
}

/** One tag of one image, as the registry (and the run outputs) know it. */
export interface SiteTag {
  tag: string;
  /** Manifest digest in the registry (`sha256:…`); absent for a tag known only from a run that did not push it. */
  digest?: string;
  /** True when the tag is in the registry. */
  inRegistry: boolean;
  /** Full sha of the source commit (label `org.opencontainers.image.revision`). */
  sourceCommit?: string;
  /** Link to the commit, when the repository URL is known (specs.yml `source:` or the label). */
  commitUrl?: string;
  /** When the image was built (image config `created`), ISO 8601. */
  created?: string;
  /** Compressed size in the registry: config + layers, bytes. */
  size?: number;
  /** When the tag names an image index: its platforms (`linux/amd64`, …); absent for a single-platform image. */
  platforms?: string[];
  /**
   * The parent it was built from (labels `org.opencontainers.image.base.name` / `.base.digest`;
   * for the current tag not yet in the registry, the plan's pinned or resolved external base).
   * For an external base (outside the stack): `external`, and `created`, when the base image was
   * created (its image config's date, read from its registry), ISO 8601, when its registry told.
   */
  parent?: { reference: string; digest?: string; external?: boolean; created?: string };
  /** Its package manifest, when this run folder has one (for a tag of several platforms: the engine platform's, `<tag>.json`). */
  manifest?: SiteManifest;
  /**
   * For a tag of two or more platforms (its image index's, or the plan's for a tag not in the
   * registry): each platform's package manifest, in the tag's platform order; `manifest` absent
   * when the run folder has none for that platform. Absent for a single-platform tag.
   */
  platformManifests?: Array<{ platform: string; manifest?: SiteManifest }>;
  /** True for the tag the current commit's plan names. */
  current: boolean;
  /** True when `<version>-stable` points at this tag's digest. */
  stable: boolean;
  /** Descriptive tags of this version naming the same digest (`2026.1-python-3.11.2-abc1234`, `2026.1-python-3.11`), sorted; absent when none. */
  descriptive?: string[];
}

/** One image at one version. */
export interface SiteImageVersion {
  version: string;
  /** The tag the current commit's plan names, and whether it is in the registry. */
  currentTag: string;
  sourceCommit: string;
  dirty: boolean;
  /** `<version>-stable`: its digest and the `<version>-<sha7>` tag with that digest, when it exists. */
  stable?: { tag?: string; digest: string };
  status: SiteStatus;
  /** Why, in words ("pushed", "test failed", "parent base failed", "tag not in the registry"). */
  statusDetail: string;
  /** Every tag of this version, newest first (by created date, then name). */
  tags: SiteTag[];
  /** Runs that built this image and version, oldest first. */
  durations: DurationPoint[];
}

/** One image of the stack. */
export interface SiteImage {
  name: string;
  /** `<registry>/<namespace>/<image>`. */
  repository: string;
  /** Dockerfile path relative to the workspace root. */
  dockerfile: string;
  /** Stack parents in Dockerfile order. */
  parents: Array<{ image: string; instruction: 'FROM' | 'COPY --from' | 'RUN --mount'; final: boolean }>;
  /** External bases (outside the stack), as written after substitution. */
  externalBases: string[];
  /** Versions this image is built for (others are skipped by specs.yml). */
  versions: SiteImageVersion[];
}

/** One image and version of the last run. */
export interface SiteRunEntry {
  image: string;
  version: string;
  tag: string;
  status: string;
  reason: string;
  action: string;
  digest?: string;
  /** Bytes (engine size, uncompressed). */
  size?: number;
  durations: Record<string, number>;
  step?: string;
  error?: string;
  logTail?: string[];
  blockedBy?: string;
  /** Gate summaries by gate (`manifest`, `checks`, `test`). */
  gates: Array<{ gate: string; ok: boolean; summary: string; failures: Array<{ name: string; expected?: string; found?: string }> }>;
}

/** The last run report (report.json), failures first. */
export interface SiteRun {
  head: string;
  dirty: boolean;
  ok: boolean;
  startedAt: string;
  durationMs: number;
  counts: Record<string, number>;
  images: SiteRunEntry[];
  /** The stack-wide checks of the run (report.json `stackChecks`): name, version, pass or fail, message; absent when none. */
  stackChecks?: Array<{ name: string; version: string; ok: boolean; message: string }>;
}

/** Promotions of one version, newest first. */
export interface SitePromotions {
  version: string;
  promotions: Promotion[];
}

/** Where the data came from, said on the pages. */
export interface SiteSources {
  /** The run output folder read (absolute), or absent when there was none. */
  runDir?: string;
  /** Number of run reports the durations come from (report.json + runs/*.json). */
  runReports: number;
  /** Why there is no promotion history, when there is none. */
  promotionsNote?: string;
  /** Problems met while reading (a registry error for one tag, an unreadable report); the site is still written. */
  warnings: string[];
}

/** The whole site. */
export interface SiteModel {
  /** ISO 8601. */
  generatedAt: string;
  /** Full sha of the commit the current tags are planned for. */
  head: string;
  dirty: boolean;
  registry: string;
  namespace: string;
  /** Repository URL (specs.yml `source:` or the git remote), when known. */
  source?: string;
  versions: string[];
  /** Images in topological order (parents first). */
  images: SiteImage[];
  run?: SiteRun;
  promotions: SitePromotions[];
  sources: SiteSources;
}
