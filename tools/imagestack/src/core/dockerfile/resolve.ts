/**
 * Resolving the image texts of a parsed Dockerfile (./parse.ts) with build args the way
 * Docker does: which stage, image or `scratch` each `FROM`, `COPY --from=` and
 * `RUN --mount=…,from=` names. No I/O.
 *
 * Scoping, from the Dockerfile reference ("Understand how ARG and FROM interact", "Scope"):
 * - `FROM` may only use ARGs declared before the first `FROM` (global ARGs). A build arg
 *   given on the command line only overrides a global ARG's default when that ARG is
 *   declared; an undeclared variable becomes an empty string.
 * - The automatic platform ARGs (`BUILDPLATFORM`, `TARGETARCH`, …, "Automatic platform
 *   ARGs in the global scope") are available to `FROM` without a declaration.
 * - `FROM <name>` names an earlier stage when `<name>` equals that stage's `AS` name
 *   (stage names are case-insensitive); otherwise it names an image. `FROM scratch` is the
 *   empty image.
 * - `COPY --from=<x>` (and `RUN --mount=…,from=<x>`) names a stage by `AS` name or by
 *   0-based index, otherwise an image.
 *   Note: BuildKit (moby/buildkit `dockerfile2llb/convert.go`, `toCommand`) rejects
 *   variables in `--from` ("variable expansion is not supported for --from"); we still
 *   resolve them with the global ARGs so the edge is known.
 */
import type { Problem } from '../errors';
import type { BuildArgs } from '../specs/types';
import { parseReference, isTag, isPathComponent, type Reference } from '../reference/reference';
import { expandWord, splitRawReference, type Expansion } from './expand';
import type { ImageText, ParsedDockerfile } from './types';

/**
 * Values the automatic platform ARGs take while resolving image names. They are only
 * known at build time; for naming images any consistent value does (a stack image's
 * repository must not depend on the platform anyway).
 */
export const AUTOMATIC_PLATFORM_ARGS: Readonly<Record<string, string>> = {
  BUILDPLATFORM: 'linux/amd64',
  BUILDOS: 'linux',
  BUILDARCH: 'amd64',
  BUILDVARIANT: '',
  TARGETPLATFORM: 'linux/amd64',
  TARGETOS: 'linux',
  TARGETARCH: 'amd64',
  TARGETVARIANT: '',
};

/** What an image text resolves to. */
export type ResolvedTarget =
  /** A stage of the same Dockerfile. */
  | { kind: 'stage'; stage: number }
  /** `FROM scratch`: the empty image. */
  | { kind: 'scratch' }
  /** An image: `reference` is the substituted text (not normalized), `parsed` its parts. */
  | { kind: 'image'; reference: string; parsed: Reference }
  /** Could not be resolved or is not a valid reference; a problem says why. */
  | { kind: 'error' };

/** One image text with its expansion and what it names. */
export interface ImageUse {
  text: ImageText;
  expansion: Expansion;
  target: ResolvedTarget;
  /**
   * Problems of variables that had no value but were given a placeholder (see
   * {@link ResolveOptions.placeholder}); not in {@link ResolvedDockerfile.problems}. The
   * caller reports them, or not (e.g. for an unknown stack image, whose tag arg nobody
   * passes, the unknown name is the problem to report).
   */
  deferredProblems: Problem[];
  /** The variable each of {@link deferredProblems} is about (same order). */
  deferredVariables: string[];
}

/** The result of {@link resolveDockerfile}. */
export interface ResolvedDockerfile {
  /** Every image text in document order, resolved. */
  uses: ImageUse[];
  /**
   * The use the final stage is built on, after following `FROM <stage>` chains: never of
   * kind `stage`. Undefined when there is no stage.
   */
  finalBase?: ImageUse;
  /** Problems found (no FROM, undeclared or unresolvable variables, invalid references). */
  problems: Problem[];
}

/** Options of {@link resolveDockerfile}. */
export interface ResolveOptions {
  /** The Dockerfile's path as shown to the user (workspace-relative). */
  file: string;
  /**
   * Build args imagestack passes (REGISTRY, the parents' tags, the version's and the
   * image's args). They override global ARG defaults, as `--build-arg` does.
   */
  provided: BuildArgs;
  /**
   * A value for a variable that has none (undeclared and not provided, or declared with no
   * default and not provided), or undefined to leave it unresolved. When every variable
   * missing in a text has a placeholder, the text is resolved with them and the variables'
   * problems go to {@link ImageUse.deferredProblems} instead of `problems`.
   */
  placeholder?: (name: string) => string | undefined;
}

/**
 * Resolves every image text of a parsed Dockerfile with the given build args: global ARG
 * values are the provided value when there is one, else the ARG's default (itself
 * expanded with the ARGs before it). Reports, as {@link Problem}s located in `file`:
 * - a Dockerfile with no `FROM` (line 1), and a `FROM` with no image;
 * - a variable used in `FROM`/`COPY --from=` that is not declared as a global ARG (Docker
 *   substitutes an empty string), once per variable;
 * - a variable with no value (no default, not provided), once per variable;
 * - a resolved text that is not a valid reference, and a `COPY --from=<n>` with no stage n.
 *
 * Undeclared variables that are provided are still substituted, so the caller can name
 * the image and report everything at once. Never throws.
 */
export function resolveDockerfile(parsed: ParsedDockerfile, options: ResolveOptions): ResolvedDockerfile {
  const { file, provided } = options;
  const problems: Problem[] = [];
  if (parsed.stages.length === 0 && parsed.emptyFroms.length === 0) {
    problems.push({
      file,
      line: 1,
      column: 1,
      message: 'the Dockerfile has no FROM instruction, so there is nothing to build',
      fix: 'add `FROM <base>` (e.g. `FROM debian:bookworm-slim`, or `FROM ${REGISTRY}/<parent>:${<PARENT>_TAG}` for a stack parent) before the other instructions',
    });
  }
  for (const at of parsed.emptyFroms) {
    problems.push({
      file,
      ...at,
      message: 'FROM names no image',
      fix: 'write `FROM <base>`, e.g. `FROM debian:bookworm-slim`',
    });
  }

  const declared = new Map(parsed.globalArgs.map((a) => [a.name, a]));
  const scope = new Map<string, string | undefined>();
  for (const arg of parsed.globalArgs) {
    if (Object.prototype.hasOwnProperty.call(provided, arg.name)) scope.set(arg.name, provided[arg.name]);
    else if (arg.rawDefault !== undefined) {
      scope.set(arg.name, expandWord(arg.rawDefault, (n) => lookupIn(scope, n), parsed.escapeChar).value);
    } else scope.set(arg.name, undefined);
  }
  const lookup = (name: string): string | undefined => {
    if (scope.has(name)) return scope.get(name);
    if (Object.prototype.hasOwnProperty.call(provided, name)) return provided[name];
    return AUTOMATIC_PLATFORM_ARGS[name];
  };

  const reported = new Set<string>();
  const uses: ImageUse[] = [];
  for (const text of parsed.imageTexts) {
    let expansion = expandWord(text.raw, lookup, parsed.escapeChar);
    // Problems of variables without a value make the text unresolvable ("fatal"); an
    // undeclared but provided variable is reported yet still substituted.
    const fatal: Array<{ name: string; problem: Problem }> = [];
    const unresolved = new Set(expansion.unresolved);
    for (const v of expansion.variables) {
      if (declared.has(v.name) || v.name in AUTOMATIC_PLATFORM_ARGS) continue;
      const isProvided = Object.prototype.hasOwnProperty.call(provided, v.name);
      // Undeclared and not provided but with a default in the expression (`${X:-d}`): Docker
      // uses the default too, nothing to report.
      if (!isProvided && !unresolved.has(v)) continue;
      unresolved.delete(v);
      const problem = undeclaredProblem(file, text, v, isProvided);
      if (!isProvided) fatal.push({ name: v.name, problem });
      else if (!reported.has(v.name)) {
        reported.add(v.name);
        problems.push(problem);
      }
    }
    for (const v of unresolved) {
      fatal.push({
        name: v.name,
        problem: {
          file,
          line: text.line,
          column: text.column + v.offset,
          message: `${text.instruction} uses \${${v.name}}, which has no value: \`ARG ${v.name}\` declares no default and specs.yml does not set it`,
          fix: `declare \`ARG ${v.name}=<default>\` before the first FROM, or set ${v.name} in specs.yml \`args:\``,
        },
      });
    }
    const placeholders = new Map(fatal.map((f) => [f.name, options.placeholder?.(f.name)]));
    const deferred = fatal.length > 0 && [...placeholders.values()].every((v) => v !== undefined);
    const deferredProblems: Problem[] = [];
    const deferredVariables: string[] = [];
    for (const f of fatal) {
      if (deferred) {
        deferredProblems.push(f.problem);
        deferredVariables.push(f.name);
      } else if (!reported.has(f.name)) {
        reported.add(f.name);
        problems.push(f.problem);
      }
    }
    if (deferred) {
      expansion = expandWord(text.raw, (n) => (placeholders.has(n) ? placeholders.get(n) : lookup(n)), parsed.escapeChar);
    }
    const target: ResolvedTarget =
      fatal.length > 0 && !deferred ? { kind: 'error' } : classify(parsed, text, expansion.value, file, problems);
    uses.push({ text, expansion, target, deferredProblems, deferredVariables });
  }

  let finalBase: ImageUse | undefined;
  const last = parsed.stages[parsed.stages.length - 1];
  if (last) {
    const byBase = new Map(uses.filter((u) => u.text.instruction === 'FROM').map((u) => [u.text.stage, u]));
    let use = byBase.get(last.index);
    // FROM <stage> only names earlier stages, so this terminates.
    while (use && use.target.kind === 'stage') use = byBase.get(use.target.stage);
    finalBase = use;
  }
  return { uses, finalBase, problems };
}

function lookupIn(scope: Map<string, string | undefined>, name: string): string | undefined {
  return scope.has(name) ? scope.get(name) : AUTOMATIC_PLATFORM_ARGS[name];
}

function undeclaredProblem(file: string, text: ImageText, v: { name: string; offset: number }, isProvided: boolean): Problem {
  return {
    file,
    line: text.line,
    column: text.column + v.offset,
    message:
      `${text.instruction} uses \${${v.name}} but \`ARG ${v.name}\` is not declared before the first FROM, ` +
      (isProvided ? 'so Docker ignores the build arg and substitutes an empty string' : 'so Docker substitutes an empty string'),
    fix: isProvided
      ? `add \`ARG ${v.name}\` at the top of the Dockerfile, before the first FROM`
      : `add \`ARG ${v.name}=<default>\` at the top of the Dockerfile, before the first FROM (or \`ARG ${v.name}\` and set ${v.name} in specs.yml \`args:\`)`,
  };
}

/** Decides whether a resolved text names a stage, scratch or an image; reports invalid ones. */
function classify(parsed: ParsedDockerfile, text: ImageText, value: string, file: string, problems: Problem[]): ResolvedTarget {
  const lower = value.toLowerCase();
  if (text.instruction === 'FROM') {
    const stage = parsed.stages.find((s) => s.index < text.stage && s.name === lower);
    if (stage) return { kind: 'stage', stage: stage.index };
    if (value === 'scratch') return { kind: 'scratch' };
  } else {
    if (/^[0-9]+$/.test(value)) {
      const index = Number(value);
      if (index < parsed.stages.length) return { kind: 'stage', stage: index };
      problems.push({
        file,
        line: text.line,
        column: text.column,
        message: `${text.instruction === 'COPY --from' ? 'COPY --from=' : 'RUN --mount=…,from='}${value} refers to stage ${index}, but the Dockerfile has ${parsed.stages.length} stage(s) (numbered from 0)`,
        fix: `use the index or \`AS\` name of an existing stage`,
      });
      return { kind: 'error' };
    }
    const stage = parsed.stages.find((s) => s.name === lower);
    if (stage) return { kind: 'stage', stage: stage.index };
  }
  const ref = parseReference(value);
  if (ref) return { kind: 'image', reference: value, parsed: ref };
  const why = explainInvalidReference(value);
  const shown = value === text.raw ? `"${value}"` : `"${text.raw}" (resolved: "${value}")`;
  problems.push({
    file,
    line: text.line,
    column: text.column,
    message: `${text.instruction} names ${shown}, which is not a valid image reference: ${why.reason}`,
    fix: why.fix,
  });
  return { kind: 'error' };
}

/** Why a string is not a valid reference, and how to fix it, in the user's words. */
export function explainInvalidReference(value: string): { reason: string; fix: string } {
  if (value === '') {
    return { reason: 'it is empty', fix: 'write an image reference such as `debian:bookworm-slim`' };
  }
  const { repository, tag, digest } = splitRawReference(value);
  if (digest !== undefined && !parseReference(`x@${digest}`)) {
    return { reason: `"${digest}" is not a digest`, fix: 'write the digest as `sha256:` followed by 64 lowercase hex digits' };
  }
  if (tag !== undefined && !isTag(tag)) {
    return {
      reason: `the tag "${tag}" may contain only letters, digits, "_", "." and "-", must not start with "." or "-", and is at most 128 characters`,
      fix: 'correct the tag (or the build arg that sets it)',
    };
  }
  const parts = repository.split('/');
  const path = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]) ? parts.slice(1) : parts;
  if (repository !== repository.toLowerCase() && path.some((p) => p !== p.toLowerCase())) {
    return {
      reason: `the repository "${repository}" has uppercase letters`,
      fix: `write the repository in lowercase: "${parts.length > path.length ? parts[0] + '/' : ''}${path.join('/').toLowerCase()}"`,
    };
  }
  const bad = path.find((p) => !isPathComponent(p));
  if (bad !== undefined) {
    return {
      reason: `"${bad}" is not a repository path component (lowercase letters and digits, separated by ".", "_", "__" or "-")`,
      fix: 'correct the repository name (or the build arg that sets it)',
    };
  }
  return { reason: 'it does not match `[registry/]path[:tag][@digest]`', fix: 'correct the reference (or the build arg that sets it)' };
}
