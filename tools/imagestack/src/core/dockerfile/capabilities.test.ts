/**
 * Features only BuildKit builds are refused at plan time (issue 11: `plan` accepted
 * Dockerfiles the legacy builder then rejected). Each Dockerfile is analysed twice, through
 * `parseDockerfile` (the scanner when the text is plain) and through `dockerfile-ast`, and
 * both must give the same problems.
 */
import { describe, expect, it } from 'vitest';
import { analyzeDockerfile, type StackContext } from './analyze';
import { parseDockerfileWithAst } from './parse';
import { builderProblems, classicCapabilities, embeddedFrontend, type BuilderCapabilities } from './capabilities';

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

describe('BuildKit: refused by the frontend its engine embeds, or by every builder', () => {
  const caps = (frontend: [number, number], reachable: string[] = []): BuilderCapabilities => ({
    builder: 'buildkit',
    frontend,
    description: `BuildKit of Docker Engine x (Dockerfile frontend ${frontend.join('.')})`,
    reachableFrontends: new Set(reachable),
  });
  const text = [
    '# syntax=docker/dockerfile:1.7',
    '# check=error=true',
    'FROM alpine',
    'RUN --mount=type=cache,target=/c --mount=type=secret,id=t --mount=type=tmpfs,target=/t --mount=from=x,target=/x true',
    'COPY --chmod=755 a /a',
    'RUN --mount=type=ssh true',
    'RUN --network=none true',
    'COPY --link b /b',
    'RUN --security=insecure true',
    'COPY --parents c /c/',
    'RUN <<EOF',
    'true',
    'EOF',
  ].join('\n');
  const refused = (c: BuilderCapabilities) => builderProblems(c, parseDockerfileWithAst(text).buildkitFeatures, file).map((p) => `${p.line}:${p.column} ${p.message}`);

  it('frontend 1.2 (Docker Engine 20.10): mounts and --chmod build; heredocs, --link, --network, --parents, # check= and an unreachable # syntax= do not', () => {
    expect(refused(caps([1, 2]))).toEqual([
      '1:3 the `# syntax=` parser directive selects a BuildKit frontend (docker/dockerfile:1.7), which BuildKit must pull before it builds, but it can be neither found in the engine nor reached',
      '2:3 the `# check=` parser directive (build checks) needs Dockerfile frontend 1.8 or later: BuildKit of Docker Engine x (Dockerfile frontend 1.2) cannot do it',
      '6:5 RUN --mount type=ssh: imagestack refuses it with every builder (imagestack forwards no SSH agent to builds)',
      '7:5 RUN --network needs Dockerfile frontend 1.4 or later: BuildKit of Docker Engine x (Dockerfile frontend 1.2) cannot do it',
      '8:6 COPY --link needs Dockerfile frontend 1.4 or later: BuildKit of Docker Engine x (Dockerfile frontend 1.2) cannot do it',
      '9:5 RUN --security: imagestack refuses it with every builder (it needs the labs frontend and the security.insecure entitlement, which imagestack does not grant)',
      '10:6 COPY --parents needs Dockerfile frontend 1.20 or later: BuildKit of Docker Engine x (Dockerfile frontend 1.2) cannot do it',
      '11:5 RUN uses a heredoc (<<EOF) needs Dockerfile frontend 1.4 or later: BuildKit of Docker Engine x (Dockerfile frontend 1.2) cannot do it',
    ]);
  });

  it('a newer embedded frontend builds more; a reachable # syntax= frontend is trusted with its own features', () => {
    expect(refused(caps([1, 14])).map((p) => p.split(' ')[0])).toEqual(['1:3', '6:5', '9:5', '10:6']);
    expect(refused(caps([1, 2], ['docker/dockerfile:1.7'])).map((p) => p.split(' ')[0])).toEqual(['6:5', '9:5']);
  });

  it('variables in --mount options: frontend 1.2 takes them literally (refused, with the stage fix); 1.3 expands them', () => {
    const mount = 'ARG REGISTRY\nARG TOOLS_TAG\nFROM alpine\nRUN --mount=type=bind,from=${REGISTRY}/tools:${TOOLS_TAG},target=/t true\n';
    const features = parseDockerfileWithAst(mount).buildkitFeatures;
    expect(builderProblems(caps([1, 2]), features, file).map((p) => [p.line, p.message, p.fix])).toEqual([
      [
        4,
        'RUN --mount=type=bind,from=${REGISTRY}/tools:${TOOLS_TAG},target=/t uses variables, which Dockerfile frontend 1.3 or later expands: BuildKit of Docker Engine x (Dockerfile frontend 1.2) takes them literally',
        'name the parent in a stage (`FROM ${REGISTRY}/x:${X_TAG} AS x`) and write `from=x`, or write the option\'s value without variables',
      ],
    ]);
    expect(builderProblems(caps([1, 3]), features, file)).toEqual([]);
  });

  it('the legacy builder refuses them all, saying why it is the one in use', () => {
    const problems = builderProblems(classicCapabilities('builder: auto, and no BuildKit client was found: no docker CLI on PATH'), parseDockerfileWithAst('FROM a\nRUN --mount=type=cache,target=/c true\n').buildkitFeatures, file);
    expect(problems.map((p) => p.message)).toEqual(['RUN --mount needs BuildKit: the legacy builder imagestack uses cannot do it (builder: auto, and no BuildKit client was found: no docker CLI on PATH)']);
  });

  it('the engine version gives the embedded frontend', () => {
    expect(embeddedFrontend('20.10.24+dfsg1')).toEqual([1, 2]);
    expect(embeddedFrontend('23.0.1')).toEqual([1, 4]);
    expect(embeddedFrontend('28.2.2')).toEqual([1, 14]);
    expect(embeddedFrontend('19.03.5')).toEqual([1, 0]);
  });
});
