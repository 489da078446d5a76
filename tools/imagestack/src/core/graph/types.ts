/**
 * The stack as a graph: images and the edges their Dockerfiles declare.
 * Produced by `readStack` (graph/read-stack.ts) from validated {@link Specs}.
 */
import type { Specs, ImageSpec } from '../specs/types';
import type { BuildkitFeature } from '../dockerfile/types';

/** An edge to a stack image, found in the child's Dockerfile. */
export interface ParentRef {
  /** The parent's image name (a key of `specs.yml` `images:`). */
  image: string;
  /** Which instruction names it. */
  instruction: 'FROM' | 'COPY --from';
  /** 1-based line of that instruction in the Dockerfile. */
  line: number;
  /** Build arg carrying the parent's tag, e.g. `PYTHON_TAG` (see {@link tagArgName}). */
  tagArg: string;
}

/** A `FROM` (or `COPY --from=`) naming an image outside the stack. */
export interface ExternalBase {
  /** The reference with ARG defaults substituted, e.g. `debian:bookworm-slim`. */
  reference: string;
  /** The reference exactly as written, before substitution, e.g. `debian:${DEBIAN_VERSION}`. */
  raw: string;
  /** 1-based line in the Dockerfile. */
  line: number;
}

/** One image of the stack with its edges. */
export interface StackImage {
  name: string;
  spec: ImageSpec;
  /** Dockerfile path relative to the workspace root, e.g. `images/python/Dockerfile`. */
  dockerfile: string;
  /** Stack parents, deduplicated by image name, in Dockerfile order (first occurrence). */
  parents: ParentRef[];
  /** External bases in Dockerfile order. */
  externalBases: ExternalBase[];
  /**
   * The base of the final stage (what `org.opencontainers.image.base.name` names): a stack
   * parent (`{ image }`) or an external reference (`{ reference, raw }`: substituted, and as
   * written). Stage names are followed.
   */
  finalBase: { image: string } | { reference: string; raw: string };
  /**
   * The Dockerfile's uses of features only BuildKit builds (heredocs, `RUN --mount`, …), when
   * there are any: the plan refuses those the builder in use cannot do (`dockerfile/capabilities.ts`).
   */
  buildkitFeatures?: BuildkitFeature[];
}

/** The validated stack: acyclic, every parent known. */
export interface Stack {
  specs: Specs;
  /** Images by name. */
  images: Map<string, StackImage>;
  /** All image names in a deterministic topological order (parents first; ties by specs.yml order). */
  order: string[];
  /** Wave of each image: 0 when all its parents are external, else 1 + max(wave of parents). */
  waves: Map<string, number>;
  /** Transitive parents of an image (not including itself), in topological order. */
  ancestors(name: string): string[];
  /** Transitive children of an image (not including itself), in topological order. */
  descendants(name: string): string[];
}

/**
 * The build arg that carries a parent's tag: the image name upper-cased, every character
 * outside `[A-Z0-9]` replaced by `_`, then `_TAG`. `gcc-assert` → `GCC_ASSERT_TAG`.
 */
export function tagArgName(image: string): string {
  return `${image.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_TAG`;
}

/** The build arg that carries `<registry>/<namespace>`, for `FROM ${REGISTRY}/python:${PYTHON_TAG}`. */
export const REGISTRY_ARG = 'REGISTRY';
