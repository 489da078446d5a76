/**
 * The stack as a graph: images and the edges their Dockerfiles declare.
 * Produced by `readStack` (graph/read-stack.ts) from validated {@link Specs}.
 */
import type { ImageInstruction } from '../dockerfile/types';
import type { Specs, ImageSpec } from '../specs/types';
import type { BuildkitFeature } from '../dockerfile/types';

/**
 * A build arg imagestack passes for a parent: one of the child Dockerfile's global ARGs that
 * carries the parent's tag (`FROM ${REGISTRY}/python:${PYTHON_TAG}`,
 * `FROM ghcr.io/org/base:${BASE_TAG}`) or its whole reference (`FROM $BASE_IMAGE`).
 */
export interface ParentArg {
  /** The ARG's name as declared, e.g. `PYTHON_TAG`, `BASE_TAG`, `BASE_IMAGE`. */
  name: string;
  /**
   * `tag`: the parent's tag (`2026.1-0a1b2c3`); `reference`: the parent's reference where
   * imagestack builds and pushes it, `<registry>/<namespace>/<image>:<tag>` (no `@digest`).
   */
  value: 'tag' | 'reference';
}

/** An edge to a stack image, found in the child's Dockerfile. */
export interface ParentRef {
  /** The parent's image name (a key of `specs.yml` `images:`). */
  image: string;
  /** Which instruction first names it. */
  instruction: ImageInstruction;
  /** 1-based line of that instruction in the Dockerfile. */
  line: number;
  /**
   * The conventional build arg for the parent's tag, `<NAME>_TAG` (see {@link tagArgName});
   * imagestack passes it only when it is in {@link args}.
   */
  tagArg: string;
  /** Every ARG of the Dockerfile that carries this parent (all its uses), in Dockerfile order. */
  args: ParentArg[];
  /**
   * The repositories, as the build resolves them, through which the Dockerfile names this
   * parent with a tag ARG when they are not where imagestack pushes it (`ghcr.io/org/base`
   * for `FROM ghcr.io/org/base:${BASE_TAG}` with `references:`). Before the build, the
   * parent is tagged `<alias>:<tag>` in the engine, so the build uses it and pulls nothing;
   * the tag is removed afterwards.
   */
  aliases: string[];
}

/** A `FROM` (or `COPY --from=`, `RUN --mount=…,from=`) naming an image outside the stack. */
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
  /**
   * External bases in Dockerfile order: every image the Dockerfile names that is not a stack
   * image (with `scratch`), as resolved with the build args imagestack passes.
   */
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

/**
 * The build args imagestack passes to every image of the stack, whatever its parents:
 * `REGISTRY` = `<registry>/<namespace>`, and with `references.args` the Dockerfiles' own
 * ARGs for the registry (= `<registry>`, the host imagestack pushes to) and the namespace
 * (= `<namespace>`). When `references.args.registry` is `REGISTRY` itself, `REGISTRY` is the
 * host only (the Dockerfiles' meaning wins).
 */
export function stackArgs(specs: Pick<Specs, 'registry' | 'namespace' | 'references'>): Record<string, string> {
  const out: Record<string, string> = { [REGISTRY_ARG]: `${specs.registry}/${specs.namespace}` };
  const args = specs.references?.args;
  if (args?.registry) out[args.registry] = specs.registry;
  if (args?.namespace) out[args.namespace] = specs.namespace;
  return out;
}
