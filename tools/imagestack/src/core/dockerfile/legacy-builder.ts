/**
 * What Docker's legacy builder (the one imagestack builds with) cannot build, and the
 * problems that refuse it at plan time (DESIGN.md promise 6: bad input is refused before
 * anything is built). ./parse.ts and its fast path ./scan.ts find the uses
 * ({@link BuildkitFeature}); ./analyze.ts reports them.
 *
 * The legacy builder fails on a heredoc (`unknown instruction` on its first line), on
 * `COPY --link` (`Unknown flag: link`), `--chmod` and the `RUN` flags (they require
 * BuildKit), and ignores a `# syntax=` directive (it selects a BuildKit frontend). When
 * imagestack gains a BuildKit builder (issue 13), that builder narrows this set.
 */
import type { Problem } from '../errors';
import type { BuildkitFeature } from './types';

/**
 * The flags only BuildKit knows, by instruction, as their names are written (Docker
 * compares flag names case-sensitively).
 */
export const BUILDKIT_FLAGS: Readonly<Record<'RUN' | 'COPY' | 'ADD', ReadonlySet<string>>> = {
  RUN: new Set(['mount', 'network', 'security']),
  COPY: new Set(['link', 'chmod']),
  ADD: new Set(['link', 'chmod']),
};

/**
 * Whether one word of a `RUN`/`COPY`/`ADD` opens a heredoc: `<<NAME`, `<<-NAME`, with an
 * optional file descriptor before and the name optionally quoted (BuildKit's
 * `parser.ParseHeredoc`: `^(\d*)<<(-?)([^<]*)$` with a non-empty name). `<<<` (a here
 * string) and `$((1<<2))` are not heredocs.
 */
export function isHeredoc(word: string): boolean {
  const m = /^\d*<<-?([^<]*)$/.exec(word);
  return m !== null && m[1].replace(/["']/g, '') !== '';
}

const WHY = 'the legacy builder imagestack uses cannot do it (BuildKit support is issue 13)';

const FIX: Record<string, string> = {
  'heredoc RUN': 'write the commands on the RUN line (joined with `&&`), or COPY a script from the build context and RUN it',
  'heredoc COPY': 'put the content in a file in the build context and COPY that file',
  '--link': 'remove `--link` (a plain COPY copies the same files)',
  '--chmod': 'remove `--chmod=…` and set the mode with a separate `RUN chmod <mode> <path>`',
  '--mount': 'remove `--mount=…`: COPY what the command needs, and without a cache mount clean up in the same RUN',
  '--network': 'remove `--network=…` (the step then uses the build\'s network)',
  '--security': 'remove `--security=…` (the step then runs in the default sandbox)',
  syntax: 'remove the `# syntax=` line',
};

/**
 * One problem per use in `features`, at its line and column: what it is, why it is
 * refused, and how to write the Dockerfile without it.
 *
 * @param features the uses, as `ParsedDockerfile.buildkitFeatures` gives them
 * @param file the Dockerfile's path as shown to the user
 */
export function legacyBuilderProblems(features: readonly BuildkitFeature[], file: string): Problem[] {
  return features.map((f) => ({
    file,
    line: f.line,
    column: f.column,
    message:
      f.kind === 'heredoc'
        ? `${f.instruction} uses a heredoc (${f.text}): ${WHY}`
        : f.kind === 'flag'
          ? `${f.instruction} ${f.text} needs BuildKit: ${WHY}`
          : `the \`# syntax=\` parser directive selects a BuildKit frontend: ${WHY}`,
    fix: FIX[f.kind === 'flag' ? f.text : f.kind === 'heredoc' ? `heredoc ${f.instruction === 'RUN' ? 'RUN' : 'COPY'}` : f.kind],
  }));
}
