/**
 * PRIVATE to ./parse.ts: its fast path, kept because the bench proves it is needed (import
 * `parseDockerfile` from ./parse.ts, never this). On the goal row of `plan-scale`
 * (1,000 images × 10,000 commits), `plan --offline --json` with every Dockerfile parsed by
 * `dockerfile-ast` took ~210 ms more CPU of a ~2.8 s run on a loaded 2-core machine
 * (measured 2026-12-07 with tools/bench/plan-ab.mjs): `dockerfile-ast` costs ~280 ms on
 * the first 1,000 Dockerfiles of a process (loading and warming up), this ~9 ms. Memoising
 * by content cannot replace it there: a plan parses each Dockerfile once.
 *
 * Reads the stages, global ARGs and
 * image texts of a *plain* Dockerfile line by line, without building a syntax tree. On the
 * Dockerfiles of a large stack this is ~10× cheaper than `dockerfile-ast` (and spares
 * loading it), and the answer is the same: anything this scanner is not sure to read
 * exactly as `dockerfile-ast` does makes it answer `undefined`, and the caller parses
 * with `dockerfile-ast` (parse.test.ts compares both on every shape it accepts).
 *
 * Plain means, conservatively:
 * - no backslash, backtick, `<<`, carriage return, tab or byte order mark anywhere (so no
 *   line continuation, escape directive or heredoc: every line is one instruction or a
 *   comment), and no `ONBUILD` anywhere (case-insensitive);
 * - `FROM`, `ARG` and `COPY` written in capitals;
 * - `FROM <image>` or `FROM <image> AS <name>` (no flags), with no quote in the line;
 * - a global `ARG` (before the first `FROM`) declares one name, `NAME` or `NAME=value`,
 *   with no quote in the line;
 * - a `COPY` with `--from` has it as one of its leading flags, as `--from=<value>` with a
 *   non-empty value, and no quote in its flags;
 * - `RUN` and `ADD` written in capitals, with no quote in their leading flags (which are
 *   read for the BuildKit-only ones, as `COPY`'s are); a `RUN --mount=` whose options are
 *   plain comma-separated `key=value` pairs (its `from=` names an image or stage);
 * - the first line is not a comment with a `=` (a possible parser directive, `# syntax=`).
 * Other instructions are not looked at beyond their keyword.
 */
import { BUILDKIT_FLAGS } from './capabilities';
import type { BuildkitFeature, GlobalArg, ImageText, ParsedDockerfile, DockerfileStage } from './types';

const UNSAFE = /[\\`\r\t\uFEFF]|<<|onbuild/i;
/** A first line that may be a parser directive (`# syntax=…`): left to dockerfile-ast. */
const DIRECTIVE = /^ *#[^\n]*=/;
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SP = 32;

/** The words of `line` from `from`: `[text, offset]` pairs, split on runs of spaces. */
function words(line: string, from: number): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  let i = from;
  const n = line.length;
  while (i < n) {
    while (i < n && line.charCodeAt(i) === SP) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && line.charCodeAt(i) !== SP) i++;
    out.push([line.slice(start, i), start]);
  }
  return out;
}

const hasQuote = (s: string) => s.includes('"') || s.includes("'");

/**
 * The structure of a plain Dockerfile (see the module comment), exactly as
 * `parseDockerfile` gives it; `undefined` when `text` is not plain.
 */
export function scanPlainDockerfile(text: string): ParsedDockerfile | undefined {
  if (UNSAFE.test(text) || DIRECTIVE.test(text)) return undefined;
  const lines = text.split('\n');
  const globalArgs: GlobalArg[] = [];
  const stages: DockerfileStage[] = [];
  const imageTexts: ImageText[] = [];
  const buildkitFeatures: BuildkitFeature[] = [];
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln];
    let c = 0;
    while (c < line.length && line.charCodeAt(c) === SP) c++;
    if (c >= line.length || line.charCodeAt(c) === 35 /* # */) continue;
    let k = c;
    while (k < line.length && line.charCodeAt(k) !== SP) k++;
    const keyword = line.slice(c, k);
    const upper = keyword.toUpperCase();
    if (upper !== 'FROM' && upper !== 'ARG' && upper !== 'COPY' && upper !== 'RUN' && upper !== 'ADD') continue;
    if (keyword !== upper) return undefined;
    const lineNo = ln + 1;
    if (upper === 'RUN' || upper === 'ADD') {
      for (const [word, at] of words(line, k)) {
        if (!word.startsWith('--')) break;
        if (hasQuote(word)) return undefined;
        buildkitFlag(upper, word, at, lineNo, buildkitFeatures);
        if (upper === 'RUN' && word.startsWith('--mount=') && stages.length > 0) {
          const from = mountFrom(word);
          if (from === null) return undefined;
          if (from) imageTexts.push({ raw: from[0], instruction: 'RUN --mount', instructionLine: lineNo, line: lineNo, column: at + from[1] + 1, lineText: line, stage: stages.length - 1 });
        }
      }
    } else if (upper === 'FROM') {
      if (hasQuote(line)) return undefined;
      const w = words(line, k);
      let name: string | undefined;
      if (w.length === 3 && w[1][0].toLowerCase() === 'as') name = w[2][0].toLowerCase();
      else if (w.length !== 1) return undefined;
      if (w[0][0].startsWith('-')) return undefined;
      const index = stages.length;
      const base: ImageText = { raw: w[0][0], instruction: 'FROM', instructionLine: lineNo, line: lineNo, column: w[0][1] + 1, lineText: line, stage: index };
      stages.push({ index, name, base });
      imageTexts.push(base);
    } else if (upper === 'ARG') {
      if (stages.length > 0) continue;
      if (hasQuote(line)) return undefined;
      const w = words(line, k);
      if (w.length !== 1) return undefined;
      const [word, at] = w[0];
      const eq = word.indexOf('=');
      const name = eq < 0 ? word : word.slice(0, eq);
      if (!ARG_NAME.test(name)) return undefined;
      globalArgs.push({ name, rawDefault: eq < 0 ? undefined : word.slice(eq + 1), line: lineNo, column: at + 1 });
    } else {
      const w = words(line, k);
      let from: [string, number] | undefined;
      let flags = true;
      for (const [word, at] of w) {
        const isFlag = word.startsWith('--');
        if (!isFlag) {
          flags = false;
          continue;
        }
        // A `--` word after the arguments, or an odd flag: let dockerfile-ast decide.
        if (!flags || hasQuote(word)) return undefined;
        buildkitFlag('COPY', word, at, lineNo, buildkitFeatures);
        const eq = word.indexOf('=');
        const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
        if (name.toLowerCase() === 'from') {
          if (name !== 'from' || eq < 0 || eq === word.length - 1) return undefined;
          from ??= [word.slice(eq + 1), at + eq + 1];
        }
      }
      if (from && stages.length > 0) {
        imageTexts.push({ raw: from[0], instruction: 'COPY --from', instructionLine: lineNo, line: lineNo, column: from[1] + 1, lineText: line, stage: stages.length - 1 });
      }
    }
  }
  return { escapeChar: '\\', globalArgs, stages, imageTexts, emptyFroms: [], buildkitFeatures };
}

/**
 * The `from=` option of a `--mount=<options>` word, as `[value, offset in word]`; undefined
 * when it has none, null when the options are not plain `key=value` pairs (left to
 * dockerfile-ast).
 */
function mountFrom(word: string): [string, number] | undefined | null {
  let offset = '--mount='.length;
  for (const option of word.slice(offset).split(',')) {
    const eq = option.indexOf('=');
    if (option === '' || eq === 0) return null;
    if (eq > 0 && option.slice(0, eq) === 'from') return eq === option.length - 1 ? null : [option.slice(eq + 1), offset + eq + 1];
    offset += option.length + 1;
  }
  return undefined;
}

/** Adds the flag `word` (at 0-based `at` of line `line`) to `out` when only BuildKit knows it. */
function buildkitFlag(instruction: 'RUN' | 'COPY' | 'ADD', word: string, at: number, line: number, out: BuildkitFeature[]): void {
  const eq = word.indexOf('=');
  const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
  if (BUILDKIT_FLAGS[instruction].has(name)) out.push({ kind: 'flag', text: `--${name}`, instruction, ...(eq < 0 ? {} : { value: word.slice(eq + 1) }), line, column: at + 1 });
}
