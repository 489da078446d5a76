/**
 * What parsing a Dockerfile gives ({@link ParsedDockerfile}): its global ARGs, its stages
 * and the texts naming images, before any variable is resolved. Shared by ./parse.ts and
 * its private fast path ./scan.ts (kept apart so that neither imports the other's module
 * for types).
 */

/** An ARG declared before the first `FROM` (a global ARG). */
export interface GlobalArg {
  name: string;
  /** The default as written after `=` (quotes and variables not yet processed), if any. */
  rawDefault?: string;
  /** 1-based line of the name. */
  line: number;
  /** 1-based column of the name. */
  column: number;
}

/** The instructions that name an image or stage, as shown in messages. */
export type ImageInstruction = 'FROM' | 'COPY --from' | 'RUN --mount';

/**
 * The text naming an image or stage: a `FROM`'s image, a `COPY --from=` value or the `from=`
 * option of a `RUN --mount=` (BuildKit; "RUN --mount", option `from`: "build stage, context,
 * or image name for the root of the source").
 */
export interface ImageText {
  /** The text exactly as written, e.g. `${REGISTRY}/python:${PYTHON_TAG}`. */
  raw: string;
  /** Which instruction it belongs to. */
  instruction: ImageInstruction;
  /** 1-based line of the instruction (its keyword). */
  instructionLine: number;
  /** 1-based line where `raw` starts. */
  line: number;
  /** 1-based column where `raw` starts. */
  column: number;
  /** The whole source line `raw` starts on (used to show a corrected line). */
  lineText: string;
  /** 0-based index of the stage the instruction is in. */
  stage: number;
}

/** One build stage: a `FROM` and what follows up to the next `FROM`. */
export interface DockerfileStage {
  /** 0-based index (what `COPY --from=<index>` refers to). */
  index: number;
  /** The `AS` name, lower-cased (Docker compares stage names case-insensitively). */
  name?: string;
  /** The stage's base: the `FROM`'s image text. */
  base: ImageText;
}

/**
 * A use of a Dockerfile feature only BuildKit builds (Docker's legacy builder fails on it):
 * a heredoc in `RUN`/`COPY`/`ADD`, a BuildKit-only flag (`COPY`/`ADD --link`, `--chmod`;
 * `RUN --mount`, `--network`, `--security`; `COPY --parents`, `--exclude`) or a `# syntax=` /
 * `# check=` parser directive.
 */
export interface BuildkitFeature {
  /** `heredoc`, `flag`, or a parser directive: `syntax` or `check`. */
  kind: 'heredoc' | 'flag' | 'syntax' | 'check';
  /**
   * The feature as written: the heredoc's opening word (`<<EOF`), the flag's name with its
   * dashes and without its value (`--mount`), or the directive's name (`syntax`, `check`).
   */
  text: string;
  /**
   * A flag's value as written after `=` (`type=cache,target=/root/.cache`), a directive's
   * value (`docker/dockerfile:1`); absent for a heredoc and a flag without `=`.
   */
  value?: string;
  /** The instruction it is in, upper-case; absent for the directive. */
  instruction?: 'RUN' | 'COPY' | 'ADD';
  /** 1-based line of `text`. */
  line: number;
  /** 1-based column of `text`. */
  column: number;
}

/** A Dockerfile's structure, before any variable is resolved. Produced by {@link parseDockerfile}. */
export interface ParsedDockerfile {
  /** The escape character (`\`, or `` ` `` with `# escape=` ``). */
  escapeChar: string;
  /** ARGs declared before the first `FROM`, in order. */
  globalArgs: GlobalArg[];
  /** Stages in order; empty when the Dockerfile has no usable `FROM`. */
  stages: DockerfileStage[];
  /** Every image text in document order: each stage's base, each `COPY --from=` and each `RUN --mount=…,from=`. */
  imageTexts: ImageText[];
  /** `FROM` instructions with no image (1-based positions), which Docker rejects. */
  emptyFroms: Array<{ line: number; column: number }>;
  /** Uses of features only BuildKit builds, in document order (at most one heredoc per instruction). */
  buildkitFeatures: BuildkitFeature[];
}
