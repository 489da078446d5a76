/**
 * Package differences between two package manifests. Pure, no I/O.
 */
import type { PackageList, Packages } from './packages';

/** A package present on one side only. */
export interface PackageEntry {
  name: string;
  version: string;
}

/** A package whose version changed. */
export interface PackageChange {
  name: string;
  from: string;
  to: string;
}

/** Differences of one package list, each sorted by name. */
export interface ListDiff {
  added: PackageEntry[];
  removed: PackageEntry[];
  changed: PackageChange[];
}

/** Differences of every package list. */
export interface PackagesDiff {
  dpkg: ListDiff;
  pip: ListDiff;
}

/** Differences from `before` to `after`: added, removed, changed (old → new), sorted by name. */
export function diffList(before: PackageList, after: PackageList): ListDiff {
  const out: ListDiff = { added: [], removed: [], changed: [] };
  for (const name of Object.keys(after).sort()) {
    if (!(name in before)) out.added.push({ name, version: after[name] });
    else if (before[name] !== after[name]) out.changed.push({ name, from: before[name], to: after[name] });
  }
  for (const name of Object.keys(before).sort()) {
    if (!(name in after)) out.removed.push({ name, version: before[name] });
  }
  return out;
}

/** {@link diffList} for dpkg and pip. */
export function diffPackages(before: Packages, after: Packages): PackagesDiff {
  return { dpkg: diffList(before.dpkg, after.dpkg), pip: diffList(before.pip, after.pip) };
}

/** Number of differences (added + removed + changed) in all lists. */
export function countChanges(d: PackagesDiff): number {
  return [d.dpkg, d.pip].reduce((n, l) => n + l.added.length + l.removed.length + l.changed.length, 0);
}
