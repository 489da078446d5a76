/**
 * Reading one Dockerfile: its global ARGs, its stages and every image it pulls (each
 * stage's `FROM`, every `COPY --from=` and every `RUN --mount=…,from=`). No I/O, no knowledge of the stack: naming stack
 * images is {@link ./analyze}'s job; resolving the image texts with build args is
 * ./resolve.ts's (re-exported here).
 *
 * Parsing uses `dockerfile-ast` (a real parser with source ranges), so continuation
 * lines, comments, parser directives (`# escape=`) and flags are handled as Docker does;
 * plain Dockerfiles take a private fast path (./scan.ts) to the same answer. Both also
 * note the uses of features only BuildKit builds (./capabilities.ts).
 */
import type { From, Flag } from 'dockerfile-ast';
import { scanPlainDockerfile } from './scan';
import { BUILDKIT_FLAGS, isHeredoc } from './capabilities';
import type { BuildkitFeature, DockerfileStage, GlobalArg, ImageText, ParsedDockerfile } from './types';

export type { BuildkitFeature, DockerfileStage, GlobalArg, ImageInstruction, ImageText, ParsedDockerfile } from './types';
export * from './resolve';

/** A source range as dockerfile-ast gives it (0-based lines and characters). */
type Range = NonNullable<ReturnType<From['getImageRange']>>;

/**
 * Parses a Dockerfile's stages, global ARGs and image texts. Never throws: a Dockerfile
 * with no `FROM` gives `stages: []`. Plain Dockerfiles (see ./scan.ts) are read by a
 * line scanner, the others by `dockerfile-ast`; both give the same answer.
 *
 * @param text the Dockerfile's content
 */
export function parseDockerfile(text: string): ParsedDockerfile {
  return scanPlainDockerfile(text) ?? parseDockerfileWithAst(text);
}

/**
 * {@link parseDockerfile} with `dockerfile-ast` for every Dockerfile (exported for the
 * tests that compare it with the scanner). `dockerfile-ast` is required on first use.
 */
export function parseDockerfileWithAst(text: string): ParsedDockerfile {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DockerfileParser, From, Copy, Add, Run } = require('dockerfile-ast') as typeof import('dockerfile-ast');
  const df = DockerfileParser.parse(text);
  const lines = text.split(/\r?\n/);
  const escapeChar = df.getEscapeCharacter();
  const globalArgs: GlobalArg[] = [];
  for (const arg of df.getInitialARGs()) {
    for (const p of arg.getProperties()) {
      const start = p.getNameRange().start;
      const raw = p.getUnescapedValue();
      globalArgs.push({
        name: p.getName(),
        rawDefault: raw === null ? undefined : raw,
        line: start.line + 1,
        column: start.character + 1,
      });
    }
  }
  const stages: DockerfileStage[] = [];
  const imageTexts: ImageText[] = [];
  const emptyFroms: ParsedDockerfile['emptyFroms'] = [];
  const buildkitFeatures: BuildkitFeature[] = [];
  for (const d of df.getDirectives()) {
    const name = d.getName().toLowerCase();
    if (name !== 'syntax' && name !== 'check') continue;
    const start = d.getNameRange().start;
    buildkitFeatures.push({ kind: name, text: name, value: d.getValue(), line: start.line + 1, column: start.character + 1 });
  }
  const textAt = (raw: string, range: Range, instruction: ImageText['instruction'], instructionLine: number, stage: number): ImageText => ({
    raw,
    instruction,
    instructionLine,
    line: range.start.line + 1,
    column: range.start.character + 1,
    lineText: lines[range.start.line] ?? '',
    stage,
  });
  for (const ins of df.getInstructions()) {
    const instructionLine = ins.getRange().start.line + 1;
    if (ins instanceof Run || ins instanceof Copy || ins instanceof Add) {
      const instruction = ins instanceof Run ? 'RUN' : ins instanceof Copy ? 'COPY' : 'ADD';
      for (const f of ins.getFlags()) {
        if (!BUILDKIT_FLAGS[instruction].has(f.getName())) continue;
        const start = f.getRange().start;
        const value = f.getValue();
        buildkitFeatures.push({ kind: 'flag', text: `--${f.getName()}`, instruction, ...(value !== null ? { value } : {}), line: start.line + 1, column: start.character + 1 });
      }
      if (ins instanceof Run && stages.length > 0) {
        for (const f of ins.getFlags()) {
          if (f.getName() !== 'mount') continue;
          const from = f.getOptions().find((o) => o.getName() === 'from');
          const value = from?.getValue();
          const range = from?.getValueRange();
          if (value && range) imageTexts.push(textAt(value, range, 'RUN --mount', instructionLine, stages.length - 1));
        }
      }
      const heredoc = ins.getArguments().find((a) => isHeredoc(a.getValue()));
      if (heredoc) {
        const start = heredoc.getRange().start;
        buildkitFeatures.push({ kind: 'heredoc', text: heredoc.getValue(), instruction, line: start.line + 1, column: start.character + 1 });
      }
    }
    if (ins instanceof From) {
      const image = ins.getImage();
      const range = ins.getImageRange();
      if (image === null || range === null) {
        const start = ins.getInstructionRange().start;
        emptyFroms.push({ line: start.line + 1, column: start.character + 1 });
        continue;
      }
      const name = ins.getBuildStage();
      const index = stages.length;
      const base = textAt(image, range, 'FROM', instructionLine, index);
      stages.push({ index, name: name === null ? undefined : name.toLowerCase(), base });
      imageTexts.push(base);
    } else if (ins instanceof Copy && stages.length > 0) {
      // getFromFlag() only answers when --from is the sole flag; look at all of them.
      const flag: Flag | undefined = ins.getFlags().find((f) => f.getName() === 'from');
      const value = flag?.getValue();
      const range = flag?.getValueRange();
      if (value && range) imageTexts.push(textAt(value, range, 'COPY --from', instructionLine, stages.length - 1));
    }
  }
  return { escapeChar, globalArgs, stages, imageTexts, emptyFroms, buildkitFeatures };
}
