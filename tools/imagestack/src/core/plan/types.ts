/**
 * A build plan: per image and version, the tag it gets and what to do about it.
 * The JSON form (`imagestack plan --json`) is a stable interface: tests and CI consume
 * `head`, `dirty` and, per entry, `image`, `version`, `repository`, `tag`, `reference`,
 * `sourceCommit`, `context`, `dockerfile`, `parents`, `wave`, `action`, `reason`, `platforms` (and `baseAge` when asked for). Fields may be added, never renamed.
 */
import type { BasePin } from '../dockerfile/pins';
import type { BaseAge } from './base-age';

/** What the pipeline does with one image and version. */
export type Action = 'build' | 'skip';

/** One image at one version. */
export interface PlanEntry {
  image: string;
  version: string;
  /**
   * The qualified repository, `<registry>/<namespace>/<image>` (see core/reference/repository.ts);
   * the JSON field keeps its name `repository`, a stable public field.
   */
  repository: string;
  /** `<version>-<sha7>`, or `<version>-dirty-<hash12>` for uncommitted inputs. */
  tag: string;
  /** `<qualified repository>:<tag>`. */
  reference: string;
  /** Full sha of the source commit (DESIGN.md). For a dirty entry, the commit its clean inputs come from. */
  sourceCommit: string;
  /** True when uncommitted changes touch the inputs of this image or an ancestor: the tag claims no commit. */
  dirty: boolean;
  /** Build context, relative to the workspace root, e.g. `images/python` (specs.yml `context:`). */
  context: string;
  /** Dockerfile, relative to the workspace root, e.g. `images/python/Dockerfile`. */
  dockerfile: string;
  /** Stack parents (image names), in Dockerfile order. */
  parents: string[];
  /** 0 when every parent is external; else 1 + the highest parent wave. */
  wave: number;
  action: Action;
  /** Why, in words: "tag missing in the registry", "tag already in the registry", "changed since <base>", … */
  reason: string;
  /**
   * The names of the image's taggers (`tags/taggers.ts`), when it has any: after the gates,
   * each gives a part of an immutable descriptive tag `<version>-<part>-<sha7>`. Their values
   * come from inside the built image, so the plan names the taggers, not the tags.
   */
  taggers?: string[];
  /**
   * The image's external bases (outside the stack, `scratch` left out) with their pinned
   * digest, or `digest: null` when unpinned, in Dockerfile order (see core/dockerfile/pins.ts).
   */
  bases: BasePin[];
  /**
   * Only when asked for (`plan --base-age`, the site): each of `bases` with its digest (the pin,
   * or what its tag points at now when unpinned) and when that base image was created, read from
   * its registry (core/plan/base-age.ts). An added fact: never an input to the tag or the action.
   */
  baseAge?: BaseAge[];
  /**
   * The platforms (`os/architecture[/variant]`) built under the tag, as specs.yml declares them
   * for this image and version; `[]` when it declares none: the engine's own platform only, a
   * single-platform image (the plan does not depend on the machine, promise 1).
   */
  platforms: string[];
}

/** A whole plan, entries in build order (waves ascending, then specs.yml order, then version order). */
export interface Plan {
  /** Full sha of the commit planned. */
  head: string;
  /** True when any entry is dirty. */
  dirty: boolean;
  /** How actions were decided: by asking the registry, or offline from git alone. */
  mode: 'registry' | 'offline';
  /** With mode `offline`: the commit compared against. */
  base?: string;
  images: PlanEntry[];
  /**
   * Only when asked for (`plan --explain`): per node key (`<image>@<version>`), why its source
   * commit is that commit, in words (see core/tags/source-commits.ts). Not part of `--json`
   * unless asked for.
   */
  why?: ReadonlyMap<string, string>;
  /**
   * Registry mode: per node key, the platforms asked for that the tag in the registry lacks (its
   * image index names fewer, or it is a single-platform image). Such a tag is never overwritten
   * (promise 2) and a run refuses to go on with it (promise 10). Not part of `--json`: the entry's
   * `reason` says it.
   */
  lackingPlatforms?: ReadonlyMap<string, readonly string[]>;
}
