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
import type { BuilderChoice, SecretSpec } from './builder';
import type { TaggerSpec } from '../tags/taggers';
import type { StackCheckSpec } from '../verify/stack-checks/spec';
import type { SpecsOutline } from './outline';

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
  /**
   * Build context: a folder relative to the workspace root, `/`-separated, no trailing `/`
   * (`context:` in specs.yml, default `images/<name>`). Never the root itself, never outside it.
   * A context inside another image's context (a variant) is an input of the inner image only.
   */
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
   * The build secrets of this image: the stack-wide `secrets`, replaced by same-id ones of the
   * image's own `secrets` (not enumerable; absent when made in code).
   */
  readonly secrets?: readonly SecretSpec[];
  /** The image's own `taggers:`, in file order (not enumerable; inheritance: `tags/taggers.ts` `effectiveTaggers`). */
  readonly taggers: readonly TaggerSpec[];
  /**
   * Per version, the platforms this image is built for (`images.<name>.versions.<v>.platforms`,
   * else `images.<name>.platforms`, else the top-level `platforms`); a version absent: the
   * engine's own platform only. Not enumerable, like {@link manifest}; read with `platformsAt`.
   */
  readonly platforms: ImagePlatforms;
}

/**
 * How the Dockerfiles spell the stack's repositories when not `<registry>/<namespace>`
 * (`references:` in specs.yml), and which of their ARGs carry the registry and the namespace.
 */
export interface ReferencesSpec {
  /** The registry host the Dockerfiles name, e.g. `quay.io`. */
  registry: string;
  /** The namespace the Dockerfiles name, e.g. `jupyter`. */
  namespace: string;
  /** The Dockerfiles' ARGs imagestack sets to `<registry>` and `<namespace>` (where it pushes). */
  args: { registry?: string; namespace?: string };
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
  /** How the Dockerfiles spell the stack's repositories (`references:`), when specs.yml says. */
  references?: ReferencesSpec;
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
  /** `builder:` (default `auto`; set by `parseSpecs`, not enumerable; absent when made in code: `auto`). */
  readonly builder?: BuilderChoice;
  /** The stack-wide `secrets:` (set by `parseSpecs`, not enumerable). */
  readonly secrets?: readonly SecretSpec[];
  /** The stack-wide `taggers:`, in file order (set by `parseSpecs`; not enumerable). */
  readonly taggers: readonly TaggerSpec[];
  /** The `stackChecks:`, in file order (set by `parseSpecs`; not enumerable). */
  readonly stackChecks: readonly StackCheckSpec[];
  /**
   * The text that was parsed and validated (set by `parseSpecs`; absent for specs made in
   * code; not enumerable). A specs.yml blob with this text is known to parse without errors.
   */
  text?: string;
  /**
   * The outline of {@link text} (see ./outline.ts; `undefined` when it is not simple), made
   * on the first call from the tokens the loader's parse read (set by `parseSpecs`, with
   * `text`; not enumerable).
   */
  outline?: () => SpecsOutline | undefined;
}
