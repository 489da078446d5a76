/**
 * One Dockerfile seen from the stack: which stack images it uses (its parents) and through
 * which of its ARGs, which external images, and what its final stage is built on. No I/O.
 *
 * A parent is a reference whose repository is `<registry>/<namespace>/<name>` (where
 * imagestack pushes) or `<references.registry>/<references.namespace>/<name>` (how the
 * Dockerfiles spell the stack, `references:` in specs.yml), with `<name>` an image of
 * specs.yml. It is named in one of these ways (README, "How a Dockerfile names its parents"):
 *
 * ```Dockerfile
 * ARG REGISTRY
 * ARG PYTHON_TAG
 * FROM ${REGISTRY}/python:${PYTHON_TAG}         # the tag is one ARG: imagestack passes it the tag
 * ARG BASE_TAG=latest
 * FROM ghcr.io/org/base:${BASE_TAG}              # any ARG name, any spelling of the stack
 * ARG BASE_IMAGE=$REGISTRY/$OWNER/base
 * FROM $BASE_IMAGE                               # the whole reference is one ARG: imagestack passes <repository>:<tag>
 * ```
 *
 * Anything else under the stack's registry/namespace (an unknown name, a fixed tag or digest,
 * no tag) is a problem, never an external base (DESIGN.md promise 6).
 */
import type { Problem } from '../errors';
import type { BuildArgs } from '../specs/types';
import { parseReference } from '../reference/reference';
import { tagArgName, type ParentArg, type ParentRef, type ExternalBase, type StackImage } from '../graph/types';
import { splitRawReference } from './expand';
import { argConflictProblem, closestName, copyFromVariableProblem, editDistance, tagProblem, unknownParentProblem } from './parent-problems';
import { builderProblems, classicCapabilities, type BuilderCapabilities } from './capabilities';
import { parseDockerfile, resolveDockerfile, type ImageUse, type ParsedDockerfile } from './parse';

/**
 * The value a tag variable gets while resolving when nothing gives it one: the real tags are
 * only known when planning, and naming a parent only needs its repository. `readStack`
 * passes it for every stack image's `<NAME>_TAG`; a variable written as the whole tag of an
 * image text (`:${BASE_TAG}`) with no value gets it too, so what is reported is the name.
 */
export const TAG_PLACEHOLDER = 'imagestack-tag';

/** What {@link analyzeDockerfile} needs to know about the stack. */
export interface StackContext {
  /** The Dockerfile's path as shown to the user (workspace-relative), e.g. `images/python/Dockerfile`. */
  file: string;
  /** Registry host of the stack, e.g. `127.0.0.1:5000`. */
  registry: string;
  /** Namespace of the stack inside the registry, e.g. `imagestack-example`. */
  namespace: string;
  /** How the Dockerfiles spell the stack's registry and namespace when not as above (`references:`). */
  references?: { registry: string; namespace: string };
  /** Names of the stack's images, in specs.yml order (for "unknown parent" and "did you mean"). */
  images: readonly string[];
  /**
   * Build args to resolve `FROM`/`COPY --from=`/`RUN --mount=…,from=` with: those imagestack
   * passes (REGISTRY, the references' ARGs, every stack image's `<NAME>_TAG` with any valid
   * tag as value), and the version's and image's args.
   */
  provided: BuildArgs;
  /**
   * `stackRepositoryPrefix(registry, namespace)`, when the caller analyses many Dockerfiles
   * of one stack and computes it once; computed here when absent.
   */
  stackPrefix?: string;
  /**
   * The builder whose capabilities the BuildKit features are checked against (default: the
   * legacy builder); `null`: not checked here (the plan checks them once it knows the
   * builder, from `ParsedDockerfile.buildkitFeatures`).
   */
  builder?: BuilderCapabilities | null;
}

/** The result of {@link analyzeDockerfile}: the Dockerfile's edges for one set of build args. */
export interface DockerfileAnalysis {
  /** Stack parents, deduplicated by image name (first occurrence kept, args and aliases of all), in Dockerfile order. */
  parents: ParentRef[];
  /** External images (`FROM`, `COPY --from=`, `RUN --mount=…,from=`) in Dockerfile order, `scratch` included. */
  externalBases: ExternalBase[];
  /** What the final stage is built on; undefined when it could not be resolved (a problem says why). */
  finalBase?: StackImage['finalBase'];
  /** Where each parent is first named: 1-based line and column of the reference text, by image name. */
  parentAt: Map<string, { line: number; column: number }>;
  /** Every problem found, in Dockerfile order of the checks (see {@link analyzeDockerfile}). */
  problems: Problem[];
}

/** `$NAME` or `${NAME}` and nothing else: the name. */
const ONE_VARIABLE = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/;

/** The variable `text` consists of (`$X`, `${X}`), if it is exactly one. */
export function wholeVariable(text: string | undefined): string | undefined {
  const m = text === undefined ? null : ONE_VARIABLE.exec(text);
  return m ? (m[1] ?? m[2]) : undefined;
}

/**
 * The variables that may carry a parent's tag in `parsed`: each one written as the whole tag
 * of an image text (`…:${BASE_TAG}`). They get {@link TAG_PLACEHOLDER} when they have no value.
 */
function tagVariables(parsed: ParsedDockerfile): Set<string> {
  const names = new Set<string>();
  for (const t of parsed.imageTexts) {
    const name = wholeVariable(splitRawReference(t.raw).tag);
    if (name !== undefined) names.add(name);
  }
  return names;
}

/**
 * Analyses one Dockerfile's text for the stack. Accepts a {@link ParsedDockerfile} to
 * avoid parsing again when the same file is analysed once per version.
 *
 * Problems reported (never thrown), each located at the offending text:
 * - everything {@link resolveDockerfile} reports (no FROM, undeclared or valueless
 *   variables, invalid references);
 * - an unknown parent: a reference under the stack's registry/namespace (either spelling)
 *   whose rest is not an image of specs.yml (with "did you mean" for a name at edit
 *   distance ≤ 2, and the `references.args` fix when ARGs put a path between the two);
 * - a stack parent imagestack cannot give its tag: a hard-coded tag, a digest, no tag, a tag
 *   that is more than one ARG, or another stack image's `<NAME>_TAG`. The fix shows the line
 *   to write;
 * - an ARG carrying two different parents (or a parent's tag and its reference);
 * - `COPY --from=` naming a parent through variables (the engine does not expand them);
 * - a feature the builder (`ctx.builder`, default the legacy builder) cannot build (a
 *   heredoc, `COPY --link`, `RUN --mount`, …: see ./capabilities.ts).
 */
export function analyzeDockerfile(dockerfile: string | ParsedDockerfile, ctx: StackContext): DockerfileAnalysis {
  const parsed = typeof dockerfile === 'string' ? parseDockerfile(dockerfile) : dockerfile;
  const tagVars = tagVariables(parsed);
  const resolved = resolveDockerfile(parsed, {
    file: ctx.file,
    provided: ctx.provided,
    placeholder: (name) => (name.endsWith('_TAG') || tagVars.has(name) ? TAG_PLACEHOLDER : undefined),
  });
  const features = ctx.builder === null ? [] : builderProblems(ctx.builder ?? classicCapabilities(), parsed.buildkitFeatures, ctx.file);
  const problems = [...resolved.problems, ...features];
  const prefixes = [{ prefix: ctx.stackPrefix ?? stackRepositoryPrefix(ctx.registry, ctx.namespace), spelled: `${ctx.registry}/${ctx.namespace}` }];
  if (ctx.references) {
    const { registry, namespace } = ctx.references;
    const prefix = stackRepositoryPrefix(registry, namespace);
    if (prefix !== prefixes[0].prefix) prefixes.push({ prefix, spelled: `${registry}/${namespace}` });
  }
  const declared = new Set(parsed.globalArgs.map((a) => a.name));
  const parents: ParentRef[] = [];
  const externalBases: ExternalBase[] = [];
  const named = new Map<ImageUse, string>();
  const parentAt = new Map<string, { line: number; column: number }>();
  /** What each ARG carries so far: the parent and the kind, with the use that set it. */
  const carried = new Map<string, { image: string; value: ParentArg['value']; use: ImageUse }>();

  for (const use of resolved.uses) {
    const { target, text } = use;
    const hit = stackHit(use, prefixes);
    if (hit === undefined && use.deferredProblems.length > 0) {
      // A tag variable with no value outside the stack: report it, the reference is unknown.
      problems.push(...use.deferredProblems);
      continue;
    }
    if (target.kind === 'scratch') {
      externalBases.push({ reference: 'scratch', raw: text.raw, line: text.instructionLine });
      continue;
    }
    if (target.kind !== 'image') continue;
    if (hit === undefined) {
      externalBases.push({ reference: target.reference, raw: text.raw, line: text.instructionLine });
      continue;
    }
    const name = hit.rest;
    if (!imageSet(ctx.images).has(name)) {
      problems.push(unknownParentProblem(ctx, use, name, hit.spelled));
      continue;
    }
    named.set(use, name);
    const slot = parentSlot(use, name, declared, ctx.images);
    // The slot's own variable is passed by imagestack; other variables without a value are problems.
    use.deferredProblems.forEach((p, i) => {
      if (slot === undefined || use.deferredVariables[i] !== slot.name || !declared.has(slot.name)) problems.push(p);
    });
    let arg: ParentArg | undefined;
    if (slot === undefined) problems.push(tagProblem(ctx, use, name, declared));
    else {
      if (text.instruction === 'COPY --from' && text.raw.includes('$')) problems.push(copyFromVariableProblem(ctx, use, name));
      const before = carried.get(slot.name);
      if (before && (before.image !== name || before.value !== slot.value)) {
        problems.push(argConflictProblem(ctx, use, name, slot, before));
      } else {
        carried.set(slot.name, { image: name, value: slot.value, use });
        arg = slot;
      }
    }
    let parent = parents.find((p) => p.image === name);
    if (!parent) {
      parent = { image: name, instruction: text.instruction, line: text.instructionLine, tagArg: tagArgName(name), args: [], aliases: [] };
      parents.push(parent);
      parentAt.set(name, { line: text.line, column: text.column });
    }
    if (arg && !parent.args.some((a) => a.name === arg.name)) parent.args.push(arg);
    if (arg?.value === 'tag' && hit.prefix !== prefixes[0].prefix) {
      const alias = splitRawReference(use.expansion.value).repository;
      if (!parent.aliases.includes(alias)) parent.aliases.push(alias);
    }
  }

  let finalBase: DockerfileAnalysis['finalBase'];
  const last = resolved.finalBase;
  if (last?.target.kind === 'scratch') finalBase = { reference: 'scratch', raw: last.text.raw };
  else if (last?.target.kind === 'image') {
    const image = named.get(last);
    finalBase = image !== undefined ? { image } : { reference: last.target.reference, raw: last.text.raw };
  }
  problems.sort((x, y) => (x.line ?? 0) - (y.line ?? 0) || (x.column ?? 0) - (y.column ?? 0));
  return { parents, externalBases, finalBase, parentAt, problems };
}

/**
 * The ARG through which a use names stack image `name`, when imagestack can pass it: the whole
 * text is one declared ARG (`$BASE_IMAGE`: the reference), or the tag is one ARG
 * (`:${BASE_TAG}`: the tag) that is not another stack image's `<NAME>_TAG` and has no digest
 * after it. Undefined otherwise (a fixed tag, a digest, no tag, a tag made of more than one part).
 */
function parentSlot(use: ImageUse, name: string, declared: ReadonlySet<string>, images: readonly string[]): ParentArg | undefined {
  const whole = wholeVariable(use.text.raw);
  if (whole !== undefined && declared.has(whole)) return { name: whole, value: 'reference' };
  const parts = splitRawReference(use.text.raw);
  const tag = wholeVariable(parts.tag);
  if (tag === undefined || parts.digest !== undefined) return undefined;
  if (tag !== tagArgName(name) && images.some((i) => tagArgName(i) === tag)) return undefined;
  return { name: tag, value: 'tag' };
}

const imageSets = new WeakMap<readonly string[], ReadonlySet<string>>();

/**
 * `images` as a set, made once per list (a stack passes one list for all its Dockerfiles):
 * `includes` on the list was O(images) per parent, O(images²) per stack.
 */
function imageSet(images: readonly string[]): ReadonlySet<string> {
  let set = imageSets.get(images);
  if (!set) {
    set = new Set(images);
    imageSets.set(images, set);
  }
  return set;
}

/** Where a use's repository falls under one of the stack's prefixes: the prefix, how the user spells it, and the rest. */
function stackHit(use: ImageUse, prefixes: ReadonlyArray<{ prefix: string; spelled: string }>): { prefix: string; spelled: string; rest: string } | undefined {
  if (use.target.kind !== 'image') return undefined;
  const repository = `${use.target.parsed.registry}/${use.target.parsed.path}`;
  const p = prefixes.find((x) => repository.startsWith(x.prefix));
  return p ? { ...p, rest: repository.slice(p.prefix.length) } : undefined;
}

/**
 * `<registry>/<path>/` of the stack's repositories, normalized the way references are
 * (so `docker.io/library` and a bare namespace compare equal to what `parseReference` gives).
 */
export function stackRepositoryPrefix(registry: string, namespace: string): string {
  const ref = parseReference(`${registry}/${namespace}/x`);
  if (!ref) return `${registry}/${namespace}/`;
  return `${ref.registry}/${ref.path.slice(0, -'x'.length)}`;
}

/** Levenshtein distance and the closest name, shared with the specs loader's suggestions. */
export { closestName, editDistance };
