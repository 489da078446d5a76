/**
 * One Dockerfile seen from the stack: which stack images it uses (its parents), which
 * external images, what its final stage is built on, and whether it follows imagestack's
 * convention for naming a parent:
 *
 * ```Dockerfile
 * ARG REGISTRY
 * ARG PYTHON_TAG
 * FROM ${REGISTRY}/python:${PYTHON_TAG}
 * ```
 *
 * imagestack passes `REGISTRY` = `<registry>/<namespace>` and, per parent, `<NAME>_TAG`
 * (see {@link tagArgName}). No I/O.
 */
import { editDistance } from '../util/suggest';
import type { Problem } from '../errors';
import type { BuildArgs } from '../specs/types';
import { parseReference } from '../reference/reference';
import { tagArgName, REGISTRY_ARG, type ParentRef, type ExternalBase, type StackImage } from '../graph/types';
import { splitRawReference } from './expand';
import { builderProblems, classicCapabilities, type BuilderCapabilities } from './capabilities';
import { parseDockerfile, resolveDockerfile, type ImageUse, type ParsedDockerfile } from './parse';

/**
 * The value a `<NAME>_TAG` variable gets while resolving when nothing gives it one: the
 * real tags are only known when planning, and naming a parent only needs its repository.
 * `readStack` passes it for every stack image's tag arg; a tag arg of an image that is not
 * in the stack (a typo) gets it too, so the typo is what gets reported.
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
  /** Names of the stack's images, in specs.yml order (for "unknown parent" and "did you mean"). */
  images: readonly string[];
  /**
   * Build args to resolve `FROM`/`COPY --from=` with: REGISTRY, every stack image's tag arg
   * (any value that is a valid tag), and the version's and image's args.
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
  /** Stack parents, deduplicated by image name (first occurrence kept), in Dockerfile order. */
  parents: ParentRef[];
  /** External images (`FROM` and `COPY --from=`) in Dockerfile order, `scratch` included. */
  externalBases: ExternalBase[];
  /** What the final stage is built on; undefined when it could not be resolved (a problem says why). */
  finalBase?: StackImage['finalBase'];
  /** Where each parent is first named: 1-based line and column of the reference text, by image name. */
  parentAt: Map<string, { line: number; column: number }>;
  /** Every problem found, in Dockerfile order of the checks (see {@link analyzeDockerfile}). */
  problems: Problem[];
}

/**
 * Analyses one Dockerfile's text for the stack. Accepts a {@link ParsedDockerfile} to
 * avoid parsing again when the same file is analysed once per version.
 *
 * Problems reported (never thrown), each located at the offending text:
 * - everything {@link resolveDockerfile} reports (no FROM, undeclared or valueless
 *   variables, invalid references);
 * - an unknown parent: a reference in `<registry>/<namespace>/` whose name is not an
 *   image of specs.yml (with "did you mean" for a name at edit distance ≤ 2);
 * - a stack parent whose tag is not written `${<NAME>_TAG}` (or `$<NAME>_TAG`): a
 *   hard-coded tag, another image's tag arg, a digest or no tag at all. The fix shows the
 *   line to write;
 * - a feature the builder (`ctx.builder`, default the legacy builder) cannot build (a
 *   heredoc, `COPY --link`, `RUN --mount`, …: see ./capabilities.ts).
 */
export function analyzeDockerfile(dockerfile: string | ParsedDockerfile, ctx: StackContext): DockerfileAnalysis {
  const parsed = typeof dockerfile === 'string' ? parseDockerfile(dockerfile) : dockerfile;
  const resolved = resolveDockerfile(parsed, {
    file: ctx.file,
    provided: ctx.provided,
    placeholder: (name) => (name.endsWith('_TAG') ? TAG_PLACEHOLDER : undefined),
  });
  const features = ctx.builder === null ? [] : builderProblems(ctx.builder ?? classicCapabilities(), parsed.buildkitFeatures, ctx.file);
  const problems = [...resolved.problems, ...features];
  const stackPrefix = ctx.stackPrefix ?? stackRepositoryPrefix(ctx.registry, ctx.namespace);
  const declared = new Set(parsed.globalArgs.map((a) => a.name));
  const parents: ParentRef[] = [];
  const externalBases: ExternalBase[] = [];
  const named = new Map<ImageUse, string>();
  const parentAt = new Map<string, { line: number; column: number }>();

  for (const use of resolved.uses) {
    const { target, text } = use;
    const name = stackName(use, stackPrefix);
    if (use.deferredProblems.length > 0 && name === undefined) {
      // A `*_TAG` with no value outside the stack: report it, the reference is unknown.
      problems.push(...use.deferredProblems);
      continue;
    }
    if (target.kind === 'scratch') {
      externalBases.push({ reference: 'scratch', raw: text.raw, line: text.instructionLine });
      continue;
    }
    if (target.kind !== 'image') continue;
    if (name === undefined) {
      externalBases.push({ reference: target.reference, raw: text.raw, line: text.instructionLine });
      continue;
    }
    if (!ctx.images.includes(name)) {
      problems.push(unknownParentProblem(ctx, use, name));
      continue;
    }
    named.set(use, name);
    const tagArg = tagArgName(name);
    const parts = splitRawReference(text.raw);
    if ((parts.tag !== `\${${tagArg}}` && parts.tag !== `$${tagArg}`) || parts.digest !== undefined) {
      problems.push(tagProblem(ctx, use, name, declared));
    } else if (text.instruction === 'COPY --from' && text.raw.includes('$')) {
      problems.push(copyFromVariableProblem(ctx, use, name));
    }
    if (!parentAt.has(name)) {
      parents.push({ image: name, instruction: text.instruction, line: text.instructionLine, tagArg });
      parentAt.set(name, { line: text.line, column: text.column });
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

/** The stack image name a use's repository is, when it is `<registry>/<namespace>/<name>`. */
function stackName(use: ImageUse, stackPrefix: string): string | undefined {
  if (use.target.kind !== 'image') return undefined;
  const repository = `${use.target.parsed.registry}/${use.target.parsed.path}`;
  if (!repository.startsWith(stackPrefix)) return undefined;
  const name = repository.slice(stackPrefix.length);
  return name.includes('/') ? undefined : name;
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

function unknownParentProblem(ctx: StackContext, use: ImageUse, name: string): Problem {
  const closest = closestName(name, ctx.images);
  const shown = use.text.raw === use.expansion.value ? `"${use.text.raw}"` : `"${use.text.raw}" (resolved: "${use.expansion.value}")`;
  return {
    file: ctx.file,
    line: use.text.line,
    column: use.text.column,
    message:
      `${use.text.instruction} names ${shown}, a repository of this stack (${ctx.registry}/${ctx.namespace}), ` +
      `but "${name}" is not an image of specs.yml (images: ${ctx.images.join(', ') || 'none'})` +
      (closest ? `; did you mean "${closest}"?` : ''),
    fix: closest
      ? `correct the name to "${closest}", or add "${name}" to specs.yml \`images:\``
      : `add "${name}" to specs.yml \`images:\`, or correct the name`,
  };
}

function tagProblem(ctx: StackContext, use: ImageUse, name: string, declared: ReadonlySet<string>): Problem {
  const tagArg = tagArgName(name);
  const parts = splitRawReference(use.text.raw);
  const written =
    parts.digest !== undefined
      ? `digest "@${parts.digest}"`
      : parts.tag !== undefined
        ? `tag "${parts.tag}"`
        : 'no tag';
  // Keep the repository as written when it is visibly `<something>/<name>`; otherwise (e.g.
  // the whole reference comes from one variable) write the canonical form.
  const repository = parts.repository.endsWith(`/${name}`) ? parts.repository : `\${${REGISTRY_ARG}}/${name}`;
  const wanted = `${repository}:\${${tagArg}}`;
  const { lineText, column } = use.text;
  const start = column - 1;
  const fixedLine =
    lineText.slice(start, start + use.text.raw.length) === use.text.raw
      ? `${lineText.slice(0, start)}${wanted}${lineText.slice(start + use.text.raw.length)}`.trim()
      : use.text.instruction === 'FROM'
        ? `FROM ${wanted}`
        : `COPY --from=${wanted} …`;
  const missing = [tagArg, ...(wanted.includes(`\${${REGISTRY_ARG}}`) ? [REGISTRY_ARG] : [])].filter((a) => !declared.has(a));
  return {
    file: ctx.file,
    line: use.text.line,
    column: use.text.column,
    message:
      `${use.text.instruction} names stack image "${name}" with ${written}; ` +
      `a parent's tag must be the build arg \${${tagArg}}, which imagestack sets to the tag it builds or finds for "${name}"`,
    fix:
      `write \`${fixedLine}\`` +
      (missing.length ? ` and declare ${missing.map((a) => `\`ARG ${a}\``).join(', ')} before the first FROM` : ''),
  };
}

/**
 * `COPY --from=${REGISTRY}/x:${X_TAG}`: the edge is real, but the Docker engine does not
 * expand build args in `--from` (the classic builder takes the text literally, BuildKit
 * refuses it: moby/buildkit dockerfile2llb), so the build would fail. The fix is a stage.
 */
function copyFromVariableProblem(ctx: StackContext, use: ImageUse, name: string): Problem {
  const stage = name.replace(/[^a-z0-9]/g, '-');
  return {
    file: ctx.file,
    line: use.text.line,
    column: use.text.column,
    message:
      `COPY --from=${use.text.raw} names stack image "${name}" through build args, ` +
      'but the Docker engine does not expand build args in COPY --from (the build would fail)',
    fix:
      `add a stage \`FROM \${${REGISTRY_ARG}}/${name}:\${${tagArgName(name)}} AS ${stage}\` ` +
      `before this line and write \`COPY --from=${stage} …\``,
  };
}

/** The name in `names` closest to `name` by edit distance, when at most 2 (ties: first in order). */
export function closestName(name: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of names) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, shared with the specs loader's suggestions. */
export { editDistance };
