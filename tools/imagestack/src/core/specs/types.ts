/**
 * The normalized, validated content of `specs.yml`. Produced by `loadSpecs` (load.ts);
 * everything downstream (graph, tags, plan, gates, commands, Nx plugin) reads this shape,
 * never the YAML, and never validates it again.
 */
import type { AuditPolicy } from '../audit/spec';
import type { ImagePlatforms } from '../platform/spec';
import type { StampSpec } from '../stamp/spec';
import type { CheckSpec } from '../verify/checks/spec';
import type { ManifestSpec } from '../verify/manifest/spec';
import type { TestSpec } from '../verify/test/settings';

/** Build args: name → value. Names match `[A-Za-z_][A-Za-z0-9_]*`. */
export type BuildArgs = Record<string, string>;

/** One version (a build plan), e.g. `2026.1`. Every image is built once per version. */
export interface VersionSpec {
  /** The version, used as the tag prefix: `<version>-<sha7>`. Tag characters only. */
  name: string;
  /** Build args given to every image built for this version. */
  args: BuildArgs;
  /** 1-based line of the version's key in specs.yml. */
  line: number;
}

/** One image of the stack: its `specs.yml` entry, normalized. */
export interface ImageSpec {
  /** Image name: one path component of a repository name (`[a-z0-9]+([._-][a-z0-9]+)*`). */
  name: string;
  /** Build context, relative to the workspace root: always `images/<name>`. */
  context: string;
  /** Dockerfile path relative to the context (default `Dockerfile`). */
  dockerfile: string;
  /** Build args for every version of this image. */
  args: BuildArgs;
  /** Build args per version: version → args. Inputs of that version only. */
  versionArgs: Record<string, BuildArgs>;
  /** Versions this image is not built for. */
  skip: string[];
  /** Extra inputs: globs relative to the workspace root whose change moves this image's tag. */
  inputs: string[];
  /** 1-based line of the image's key in specs.yml. */
  line: number;
  /**
   * The entry exactly as parsed (plain JSON), including the gate sections (`manifest`,
   * `checks`, `test`). Used to compare entries by meaning; the gates read the typed fields
   * below instead.
   */
  raw: Record<string, unknown>;
  /**
   * The package manifest settings, `defaults.manifest` applied (stack-wide commands first,
   * replaced by same-named image commands; the timeout in seconds, default 120).
   *
   * This and {@link checks} and {@link test} are set by `parseSpecs` and not enumerable: derived
   * from `raw` (and `defaults`), so kept out of JSON output and structural comparisons, like
   * `Specs.text`. An ImageSpec made in code has none of them.
   */
  readonly manifest: ManifestSpec;
  /** The checks, in file order, regular expressions compiled and version ranges parsed (not enumerable). */
  readonly checks: readonly CheckSpec[];
  /** The test settings, `defaults.test` applied key by key, and whether the image sets its own command (not enumerable). */
  readonly test: TestSpec;
  /**
   * Per version, the platforms this image is built for (`images.<name>.versions.<v>.platforms`,
   * else `images.<name>.platforms`, else the top-level `platforms`); a version absent: the
   * engine's own platform only. Not enumerable, like {@link manifest}; read with `platformsAt`.
   */
  readonly platforms: ImagePlatforms;
}

/** The whole stack definition. */
export interface Specs {
  /** Absolute path of specs.yml. */
  file: string;
  /** Absolute path of the workspace root (the folder holding specs.yml). */
  root: string;
  /** Registry host, optionally with port: `127.0.0.1:5000`, `ghcr.io`. */
  registry: string;
  /** Repository namespace inside the registry: `imagestack-example`, `my-org/images`. */
  namespace: string;
  /** URL of the source repository, for the `org.opencontainers.image.source` label. */
  source?: string;
  /** Stack-wide inputs: globs relative to the workspace root; a change moves every tag. */
  inputs: string[];
  /** Versions in file order. */
  versions: VersionSpec[];
  /** Images in file order. */
  images: ImageSpec[];
  /** The whole file as parsed (plain JSON), for comparing entries by meaning. */
  raw: Record<string, unknown>;
  /** The `stamp:` items, in file order, defaults applied (set by `parseSpecs`; not enumerable, like {@link text}). */
  readonly stamp: readonly StampSpec[];
  /** The `audit:` policy, the age parsed to milliseconds (set by `parseSpecs`; not enumerable). */
  readonly audit: AuditPolicy;
  /**
   * The text that was parsed and validated (set by `parseSpecs`; absent for specs made in
   * code; not enumerable). A specs.yml blob with this text is known to parse without errors.
   */
  text?: string;
}
