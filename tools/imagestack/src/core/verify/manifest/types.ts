/**
 * The package manifest (DESIGN.md "package manifest"): what is inside one image, as
 * written to `<outputDir>/manifests/<image>/<tag>.json` and handed on to the checks gate as
 * `GateContext.outputs.manifest`. Fields may be added, never renamed.
 */
import type { PackagesDiff } from './diff';
import type { LayerRow } from './layers';
import type { Packages, PipSource } from './packages';

/** Version of the JSON format below. */
export const MANIFEST_FORMAT = 1;

/** One command's result in the manifest. */
export interface ManifestCommandOutput {
  description: string;
  command: string;
  /** stdout, then stderr when not empty (each trimmed of trailing newlines), credentials redacted. */
  output: string;
  /** Exit code; -1 when it did not finish (time limit). */
  exitCode: number;
  /** True for the built-in commands (os-release, dpkg, pip). */
  builtIn?: boolean;
  /** True when the time limit stopped it. */
  timedOut?: boolean;
}

/** The previous tag a manifest is compared with. */
export interface PreviousTag {
  tag: string;
  /** `<repository>:<tag>`. */
  reference: string;
  /** Its `org.opencontainers.image.revision` label. */
  sourceCommit: string;
}

/** Package differences since the previous tag of the same image and version. */
export type ManifestDiff =
  | ({ previous: PreviousTag } & PackagesDiff)
  | {
      previous: null;
      /** Why there is nothing to compare with, e.g. "no earlier 2026.1-<sha7> tag in the registry". */
      reason: string;
    };

/** A package manifest. */
export interface PackageManifest {
  format: typeof MANIFEST_FORMAT;
  image: string;
  version: string;
  tag: string;
  /** `<registry>/<namespace>/<image>:<tag>`. */
  reference: string;
  /** Local image ID (`sha256:…`); the registry digest is known only after the push. */
  imageId: string;
  /** Full sha of the source commit (for a dirty tag: the commit its clean inputs come from). */
  sourceCommit: string;
  /** True for a build of uncommitted changes. */
  dirty: boolean;
  /** The image's creation time (engine `Created`), ISO 8601. */
  created: string;
  /** Image size in bytes (engine `Size`). */
  size: number;
  /** Parsed `/etc/os-release` (`ID`, `VERSION_ID`, `PRETTY_NAME`, …). */
  os: Record<string, string>;
  /** Layers, oldest first. */
  layers: LayerRow[];
  /** Every command run, built-in ones first, by name (JSON object keys keep that order). */
  commands: Record<string, ManifestCommandOutput>;
  packages: Packages;
  /** Where `packages.pip` came from. */
  pipSource: PipSource;
  diff: ManifestDiff;
  /** Output (stdout) of the stack checks' file reads and commands in this image, by check name (`verify/stack-checks/`); absent when none ran. */
  stackCheckOutputs?: Record<string, string>;
}
