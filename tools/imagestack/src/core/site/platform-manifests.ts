/**
 * The package manifests of a multi-platform tag, one per platform (issue 14), found among the run
 * folder's manifests by the names the pipeline gives them (`core/pipeline/platforms/names.ts`):
 * the engine's own platform keeps `<tag>.json`, every other platform has
 * `<tag>-<os>-<architecture>[-<variant>].json` beside it. Pure: no I/O.
 */
import { platformTag } from '../pipeline/platforms/names';
import type { PackageManifest } from '../verify/manifest/types';
import type { SiteManifest } from './model';

/** A manifest as the collector read it: the file's content and its site-relative copies. */
export interface ReadManifest {
  manifest: PackageManifest;
  files: { markdown?: string; json?: string };
}

/**
 * Which manifest belongs to which platform of `tag`, in the order of `platforms`.
 *
 * A platform with a suffixed file (`<tag>-linux-arm64`) gets it. The unsuffixed `<tag>` file is
 * the engine's platform's: the one platform without a suffixed file, or, when several lack one
 * (a platform that failed before its package manifest, or never ran), `enginePlatform` if it is
 * among them. A platform with no file gets `undefined`.
 *
 * @param byTag manifests by `<image>/<tag>` (the collector's key)
 * @param enginePlatform the platform whose manifest keeps the entry's tag, as the pipeline took it
 *   (`hostPlatform()`), used only to break the tie described above
 */
export function manifestsPerPlatform(
  image: string,
  tag: string,
  platforms: readonly string[],
  byTag: Readonly<Record<string, ReadManifest>>,
  enginePlatform: string | undefined,
): Array<{ platform: string; found?: ReadManifest }> {
  // An empty engine platform never matches, so every platform's tag here is the suffixed one.
  const suffixed = platforms.map((platform) => ({ platform, found: byTag[`${image}/${platformTag({ tag }, platform, '')}`] }));
  const plain = byTag[`${image}/${tag}`];
  const lacking = suffixed.filter((p) => !p.found);
  const engine = lacking.length === 1 ? lacking[0] : lacking.find((p) => p.platform === enginePlatform);
  if (plain && engine) engine.found = plain;
  return suffixed;
}

/**
 * The site's view of one package manifest (counts, diff, files; the full package lists when
 * `full`, which the site gives only to the newest tag of a version to keep pages small).
 */
export function siteManifest(m: ReadManifest, full: boolean): SiteManifest {
  return {
    ...(m.manifest.os?.PRETTY_NAME ? { os: m.manifest.os.PRETTY_NAME } : {}),
    dpkgCount: Object.keys(m.manifest.packages?.dpkg ?? {}).length,
    pipCount: Object.keys(m.manifest.packages?.pip ?? {}).length,
    diff: m.manifest.diff ?? { previous: null, reason: 'no diff recorded' },
    ...(full ? { packages: { dpkg: { ...m.manifest.packages.dpkg }, pip: { ...m.manifest.packages.pip } } } : {}),
    files: m.files,
  };
}

/** One row of the side-by-side package table: a package and its version on each platform (`undefined`: not installed there). */
export interface PlatformPackageRow {
  list: 'dpkg' | 'pip';
  name: string;
  versions: Array<string | undefined>;
  /** True when the platforms with a package list do not all have the same version (or one lacks the package). */
  differs: boolean;
}

/**
 * Every package of any platform, by list then name, with its version per platform (columns in the
 * order of `lists`). A platform without a package list (`undefined`) shows nothing and is not
 * counted as a difference.
 */
export function packagesSideBySide(lists: ReadonlyArray<SiteManifest['packages'] | undefined>): PlatformPackageRow[] {
  const rows: PlatformPackageRow[] = [];
  for (const list of ['dpkg', 'pip'] as const) {
    const names = new Set(lists.flatMap((l) => Object.keys(l?.[list] ?? {})));
    for (const name of [...names].sort()) {
      const versions = lists.map((l) => l?.[list][name]);
      const known = versions.filter((_, i) => lists[i]);
      rows.push({ list, name, versions, differs: new Set(known).size > 1 });
    }
  }
  return rows;
}
