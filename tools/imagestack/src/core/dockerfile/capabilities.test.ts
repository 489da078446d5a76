/**
 * Features only BuildKit builds are refused at plan time (issue 11: `plan` accepted
 * Dockerfiles the legacy builder then rejected). Each Dockerfile is analysed twice, through
 * `parseDockerfile` (the scanner when the text is plain) and through `dockerfile-ast`, and
 * both must give the same problems.
 */
import { describe, expect, it } from 'vitest';
import { analyzeDockerfile, type StackContext } from './analyze';
import { parseDockerfileWithAst } from './parse';

const file = 'images/x/Dockerfile';
const ctx: StackContext = { file, registry: '127.0.0.1:5000', namespace: 'ns', images: ['base'], provided: {} };
const WHY = 'the legacy builder imagestack uses cannot do it (builder: classic)';

function problems(text: string) {
  const viaParse = analyzeDockerfile(text, ctx).problems;
  expect(analyzeDockerfile(parseDockerfileWithAst(text), ctx).problems).toEqual(viaParse);
  return viaParse;
}

describe('refused for the legacy builder', () => {
  it('a heredoc in RUN, COPY and ADD (one problem per instruction)', () => {
    expect(problems('FROM alpine\nRUN <<EOF\necho hi\nEOF\nCOPY <<EOF /etc/motd\nhello\nEOF\nRUN cat <<-"A" <<B\nA\nB\nADD <<X /x\nX\n')).toEqual([
      {
        file,
        line: 2,
        column: 5,
        message: `RUN uses a heredoc (<<EOF): ${WHY}`,
        fix: 'write the commands on the RUN line (joined with `&&`), or COPY a script from the build context and RUN it',
      },
      { file, line: 5, column: 6, message: `COPY uses a heredoc (<<EOF): ${WHY}`, fix: 'put the content in a file in the build context and COPY that file' },
      { file, line: 8, column: 9, message: `RUN uses a heredoc (<<-"A"): ${WHY}`, fix: expect.stringContaining('RUN line') },
      { file, line: 11, column: 5, message: `ADD uses a heredoc (<<X): ${WHY}`, fix: expect.stringContaining('COPY that file') },
    ]);
  });

  it('COPY --link and ADD --link', () => {
    expect(problems('FROM alpine AS a\nFROM alpine\nCOPY --link --from=a /x /x\nADD --link=true x /x\n')).toEqual([
      { file, line: 3, column: 6, message: `COPY --link needs BuildKit: ${WHY}`, fix: 'remove `--link` (a plain COPY copies the same files)' },
      { file, line: 4, column: 5, message: `ADD --link needs BuildKit: ${WHY}`, fix: 'remove `--link` (a plain COPY copies the same files)' },
    ]);
  });

  it('COPY --chmod and ADD --chmod', () => {
    const fix = 'remove `--chmod=…` and set the mode with a separate `RUN chmod <mode> <path>`';
    expect(problems('FROM alpine\nCOPY --chown=1:1 --chmod=755 run.sh /\nADD --chmod=644 x /x\n')).toEqual([
      { file, line: 2, column: 18, message: `COPY --chmod needs BuildKit: ${WHY}`, fix },
      { file, line: 3, column: 5, message: `ADD --chmod needs BuildKit: ${WHY}`, fix },
    ]);
  });

  it('RUN --mount', () => {
    expect(problems('FROM alpine\nRUN --mount=type=cache,target=/var/cache/apk apk add gcc\n')).toEqual([
      {
        file,
        line: 2,
        column: 5,
        message: `RUN --mount needs BuildKit: ${WHY}`,
        fix: 'remove `--mount=…`: COPY what the command needs, and without a cache mount clean up in the same RUN',
      },
    ]);
  });

  it('RUN --network', () => {
    expect(problems('FROM alpine\nRUN --network=none make test\n')).toEqual([
      { file, line: 2, column: 5, message: `RUN --network needs BuildKit: ${WHY}`, fix: "remove `--network=…` (the step then uses the build's network)" },
    ]);
  });

  it('RUN --security', () => {
    expect(problems('FROM alpine\nRUN --network=host --security=insecure make\n').map((p) => [p.line, p.column, p.message, p.fix])).toEqual([
      [2, 5, `RUN --network needs BuildKit: ${WHY}`, expect.any(String)],
      [2, 20, `RUN --security needs BuildKit: ${WHY}`, 'remove `--security=…` (the step then runs in the default sandbox)'],
    ]);
  });

  it('a # syntax= parser directive', () => {
    expect(problems('# syntax=docker/dockerfile:1\nFROM alpine\n')).toEqual([
      {
        file,
        line: 1,
        column: 3,
        message: `the \`# syntax=\` parser directive selects a BuildKit frontend: ${WHY}`,
        fix: 'remove the `# syntax=` line',
      },
    ]);
    // Also after another directive (itself refused: the legacy builder runs no build checks); a
    // comment line after FROM is no directive.
    expect(problems('# check=error=true\n#  SYNTAX = x\nFROM alpine\n# syntax=x\n').map((p) => [p.line, p.column])).toEqual([[1, 3], [2, 4]]);
  });
});

describe('still accepted', () => {
  it('COPY --chown=, COPY --from=<stage>, and near misses of the refused forms', () => {
    const text = [
      '# a comment, x=1',
      'FROM alpine AS build',
      'RUN echo $((1<<2)) && cat <<<x && echo --mount=x',
      'FROM alpine',
      'COPY --chown=1000:1000 --from=build /out /out',
      'COPY --from=0 a --link b',
    ].join('\n');
    expect(problems(text)).toEqual([]);
    expect(analyzeDockerfile('FROM alpine AS build\nFROM alpine\nCOPY --chown=1:1 --from=build /a /a\n', ctx).problems).toEqual([]);
  });
});
