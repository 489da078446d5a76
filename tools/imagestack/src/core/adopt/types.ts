/**
 * What `imagestack init` finds in a repository that has Dockerfiles but no specs.yml, and
 * what it concludes: the images (./discover.ts), the parent edges and the registry/namespace
 * the Dockerfiles refer to (./infer.ts), what a datahub-style `images/spec.yml` adds
 * (./datahub.ts), and the decisions left to the user. ./render.ts writes it as specs.yml.
 */
import type { BuildArgs } from '../specs/types';

/** A folder holding a Dockerfile: one image of the stack to be. */
export interface FoundImage {
  /** The image name: the folder's path under `images/`, `/` → `-`, lower-cased (`pytorch-notebook-cuda12`). */
  name: string;
  /** The build context, workspace-relative, `/`-separated (`images/pytorch-notebook/cuda12`). */
  context: string;
  /** The Dockerfile, relative to the context. */
  dockerfile: string;
  /** The image whose context holds this one (a variant in a subfolder), when there is one. */
  variantOf?: string;
}

/** A package manifest command, as specs.yml `manifest.commands` holds it. */
export interface ManifestCommandSpec {
  name: string;
  description?: string;
  command: string;
}

/**
 * How a Dockerfile names a stack parent (the conventions imagestack reads; README "How a
 * Dockerfile names its parents"):
 * - `tag-arg-own`: imagestack's own `${REGISTRY}/<name>:${<NAME>_TAG}`;
 * - `whole-reference`: `FROM $X` where the global `ARG X`'s value is the parent's repository
 *   (`ARG BASE_IMAGE=$REGISTRY/$OWNER/scipy-notebook`); imagestack passes X = `<repository>:<tag>`;
 * - `tag-arg`: `<parent repository>:${Y}` (`ghcr.io/org/x:${BASE_TAG}`); imagestack passes Y = the parent's tag;
 * - `fixed`: a tag, digest or no tag written out, which imagestack cannot substitute: the
 *   Dockerfile line has to change (a decision).
 */
export type ParentForm = 'tag-arg-own' | 'whole-reference' | 'tag-arg' | 'fixed';

/** One parent edge and why it was inferred. */
export interface ParentEdge {
  /** The parent image's name. */
  parent: string;
  /** The child's Dockerfile, workspace-relative. */
  file: string;
  /** 1-based line of the instruction. */
  line: number;
  /** `FROM`, `COPY --from`, … as the parser names it. */
  instruction: string;
  /** The reference text as written (`$BASE_IMAGE`). */
  raw: string;
  /** What it resolves to with the Dockerfile's own defaults (`quay.io/jupyter/scipy-notebook`). */
  resolved: string;
  form: ParentForm;
  /** The build arg imagestack passes for it (`whole-reference`, `tag-arg`, `tag-arg-own`). */
  arg?: string;
  /** How the value came about, when through ARGs: `BASE_IMAGE=$REGISTRY/$OWNER/scipy-notebook, REGISTRY=quay.io, OWNER=jupyter`. */
  via?: string;
}

/** An image that is not a stack image (`FROM ubuntu:24.04`), as one Dockerfile uses it. */
export interface ExternalUse {
  /** The resolved reference. */
  reference: string;
  /** 1-based line of the instruction. */
  line: number;
  /** Why it might be mistaken for a stack image, when it might (named like one). */
  note?: string;
}

/** Something `init` could not decide, or a choice it made the user should look at. */
export interface Decision {
  /** The image it is about, when about one. */
  image?: string;
  /** File and 1-based line it is about, when about one (`images/x/Dockerfile:3`). */
  at?: string;
  /** What to decide, and the suggestion. */
  message: string;
}

/** The registry/namespace the Dockerfiles spell the stack's repositories with, and the ARGs that carry them. */
export interface References {
  registry: string;
  namespace: string;
  /** The Dockerfiles' own ARGs carrying the registry and the namespace (`REGISTRY`, `OWNER`), when they have them. */
  args?: { registry?: string; namespace?: string };
}

/**
 * An image's `test/` folder, which imagestack refuses to plan without a command (README
 * "Verification before push"), as init reads it: `pytest` (test_*.py, *_test.py or
 * conftest.py: suites that drive the image from the host, as the datahub stacks' do), `script`
 * (one shell script, run inside the image), or `files` (no way to tell how they run).
 */
export type TestFolder = { kind: 'pytest' } | { kind: 'script'; script: string } | { kind: 'files' };

/** What `init` concluded for one image. */
export interface AdoptedImage extends FoundImage {
  /** Stack parents, one edge per parent (first use), in Dockerfile order. */
  edges: ParentEdge[];
  /** External images used. */
  externals: ExternalUse[];
  /** Build args (from images/spec.yml `build_args`). */
  args: BuildArgs;
  /** Package manifest commands of this image only (shared ones go to `defaults`). */
  manifest: ManifestCommandSpec[];
  /** What the context's `test/` folder holds, when it has one: its tests need a command (see {@link TestFolder}). */
  testFolder?: TestFolder;
  /** Ids of the build secrets its Dockerfile mounts (`RUN --mount=type=secret,id=…`), when any. */
  secrets?: string[];
}

/** Everything `init` writes and prints. */
export interface Adoption {
  /** Registry and namespace written as specs.yml `registry` / `namespace` (where imagestack pushes). */
  registry: string;
  namespace: string;
  /** Where `registry`/`namespace` came from, for the report (`the Dockerfiles`, `--registry`, …). */
  pushFrom: string;
  /** Written as `references:` when the Dockerfiles spell repositories in a convention other than imagestack's own. */
  references?: References;
  /** The version written (`tag.prefix` of images/spec.yml, else `<year>.1`). */
  version: string;
  /** Version build args. */
  versionArgs: BuildArgs;
  /** Package manifest commands every image runs (`defaults.manifest.commands`). */
  defaultManifest: ManifestCommandSpec[];
  /** Images in build order (parents first), then name. */
  images: AdoptedImage[];
  /** Folders with a Dockerfile that are not adopted, and why. */
  leftOut: Array<{ path: string; why: string }>;
  decisions: Decision[];
  /** Where the images were looked for (`images/`, or `.`), and whether images/spec.yml was read. */
  searched: string;
  datahubSpec?: string;
}
