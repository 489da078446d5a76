import { describe, expect, it } from 'vitest';
import { parseDockerfileWithAst } from './parse';
import { scanPlainDockerfile } from './scan';

/**
 * Lines the fuzzing below joins: plain shapes the scanner reads (BuildKit-only flags included),
 * and near misses it must leave to dockerfile-ast.
 */
const PIECES = [
  'FROM a', 'FROM  a:1  AS  B', 'FROM a as b', 'FROM a As b c', 'from a', 'From a', 'FROM', 'FROM --platform=x a',
  'FROM ${R}/p:${T}', 'FROM "a"', 'ARG A', 'ARG A=', 'ARG A=1', 'ARG A=${B}', 'ARG A=1 B=2', 'ARG 1A', "ARG A='x'",
  'arg A', '  ARG  X=y ', 'COPY --from=b a c', 'COPY --chown=1 --from=0 a b', 'COPY a --from=b c', 'COPY --from b a c',
  'COPY --from= a b', 'COPY --FROM=b a b', 'COPY --from=a --from=b x y', 'COPY --link --from=st a b', 'copy --from=b a c',
  'RUN echo "x"', 'RUN --mount=type=cache echo', '# comment', '#', '', '   ', '# syntax=docker/dockerfile:1', '# escape=`',
  'ENV A=b', 'COPY ["a", "b"]', 'COPY --from=b ["a", "b"]', 'ADD --from=x a b', 'FROM a AS', 'FROM a AS b AS c',
  'FROM a#b', 'RUN x # y', 'RUN a \\', 'EXPOSE 80', 'COPY --from=${X} a b', 'FROM a:${V:-1}', 'ARG A=${B:-c}',
  'ARG A==b', 'ARG A=b=c', 'ARG =b', 'COPY --from=1 a b', 'CMD ["x"]', ' FROM  x ', 'FROM x  ', 'COPY   --from=x   a b  ',
  'RUN <<EOF', 'EOF', 'ONBUILD COPY --from=x a b', 'FROM\tx',
  'ADD --chmod=644 --link a b', 'RUN --network=none  --security=insecure x', 'COPY --chmod=7 --from=b a c', 'run --mount=x y',
  "RUN --mount='x' y", 'RUN echo --link', 'RUN -- --mount=x y', 'COPY <<EOF /x', 'ADD --link=false a b', '#syntax = x',
];

describe('scanPlainDockerfile', () => {
  it('reads a generated stack Dockerfile (the common shape) without dockerfile-ast', () => {
    const text = '# lint986: a generated image\nARG REGISTRY\nARG QT268_TAG\nFROM ${REGISTRY}/qt268:${QT268_TAG}\nCOPY files/ /opt/lint986/\nRUN echo "x" > /y\n';
    const scanned = scanPlainDockerfile(text);
    expect(scanned).toBeDefined();
    expect(scanned).toEqual(parseDockerfileWithAst(text));
  });

  it('leaves continuation lines, heredocs, escape directives, ONBUILD and CRLF to dockerfile-ast', () => {
    for (const text of ['FROM a\nRUN x \\\n  FROM b\n', 'FROM a\nRUN <<EOF\nFROM b\nEOF\n', '# escape=`\nFROM a\n', 'FROM a\nONBUILD COPY --from=b x y\n', 'FROM a\r\nFROM b\r\n']) {
      expect(scanPlainDockerfile(text)).toBeUndefined();
    }
  });

  it('answers exactly what dockerfile-ast gives, whenever it answers (seeded fuzzing over the pieces)', () => {
    let seed = 1;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % k;
    };
    let answered = 0;
    for (let i = 0; i < 4000; i++) {
      const lines = Array.from({ length: 1 + rnd(8) }, () => PIECES[rnd(PIECES.length)]);
      const text = lines.join('\n') + (rnd(2) ? '\n' : '');
      const scanned = scanPlainDockerfile(text);
      if (!scanned) continue;
      answered++;
      expect(scanned, JSON.stringify(text)).toEqual(parseDockerfileWithAst(text));
    }
    expect(answered).toBeGreaterThan(1000);
  });

  it('reads RUN --mount=…,from= as dockerfile-ast does, or leaves it to dockerfile-ast', () => {
    const mounts = [
      'RUN --mount=type=bind,from=${REGISTRY}/tools:${TOOLS_TAG},source=/opt,target=/t cp /t/x /x',
      'RUN --mount=type=cache,target=/c,from=tools cat /c/x',
      'RUN --mount=from=ghcr.io/org/tools:$T,target=/t --network=none true',
      'RUN --mount=type=cache,target=/c true',
      'RUN --mount=type=bind,,from=x,target=/t true',
      'RUN --mount=type=bind,from=,target=/t true',
      'RUN --mount=from true',
      'RUN --mount=type=secret,id=x --mount=from=y,target=/y true',
    ];
    let answered = 0;
    for (const run of mounts) {
      const text = `ARG REGISTRY\nFROM debian AS tools\n${run}\n`;
      const scanned = scanPlainDockerfile(text);
      if (!scanned) continue;
      answered++;
      expect(scanned, text).toEqual(parseDockerfileWithAst(text));
    }
    expect(answered).toBeGreaterThanOrEqual(5);
    const first = parseDockerfileWithAst(`FROM debian\n${mounts[0]}\n`).imageTexts[1];
    expect(first).toMatchObject({ raw: '${REGISTRY}/tools:${TOOLS_TAG}', instruction: 'RUN --mount', instructionLine: 2, line: 2, column: 28 });
  });
});
