/**
 * The package manifest gate and its parts: built-in commands and parsers, the previous
 * tag lookup, package diffs, the Markdown rendering, and the specs.yml `manifest:` settings.
 */
export { createManifestGate, combinedOutput, type ManifestGateOptions } from './gate';
export { collectPackages } from './collect';
export {
  BUILT_IN_COMMANDS,
  DPKG_COMMAND,
  OS_RELEASE_COMMAND,
  PIP_COMMAND,
  normalizePipName,
  parseDpkgList,
  parseOsRelease,
  parsePipList,
  type PackageList,
  type Packages,
  type PipSource,
} from './packages';
export { findPreviousTag, REVISION_LABEL, VERSION_LABEL, type PreviousTagQuery, type PreviousTagResult } from './previous';
export { diffList, diffPackages, countChanges, type ListDiff, type PackagesDiff, type PackageChange, type PackageEntry } from './diff';
export { layersFromHistory, trimCreatedBy, type LayerRow, type HistoryEntry } from './layers';
export { renderManifestMarkdown, FOLD_LINES } from './render';
export {
  manifestSpecIssues,
  resolveManifestSpec,
  BUILT_IN_COMMAND_NAMES,
  DEFAULT_MANIFEST_TIMEOUT_SECONDS,
  type ManifestSpec,
  type ManifestCommandSpec,
  type SpecIssue,
} from './spec';
export * from './types';
