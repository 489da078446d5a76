import { describe, expect, it } from 'vitest';
import { analyzeDockerfile, closestName, editDistance, stackRepositoryPrefix, type StackContext } from './analyze';

const images = ['base', 'python', 'gcc', 'gcc-assert'];
const ctx: StackContext = {
  file: 'images/x/Dockerfile',
  registry: '127.0.0.1:5000',
  namespace: 'imagestack-test',
  images,
  provided: {
    REGISTRY: '127.0.0.1:5000/imagestack-test',
    BASE_TAG: 't',
    PYTHON_TAG: 't',
    GCC_TAG: 't',
    GCC_ASSERT_TAG: 't',
  },
};
const analyze = (text: string, over: Partial<StackContext> = {}) => analyzeDockerfile(text, { ...ctx, ...over });

describe('analyzeDockerfile: edges', () => {
  it('finds an ARG-templated FROM parent', () => {
    const a = analyze('ARG REGISTRY\nARG PYTHON_TAG\nFROM ${REGISTRY}/python:${PYTHON_TAG}\n');
    expect(a.problems).toEqual([]);
    expect(a.parents).toEqual([{ image: 'python', instruction: 'FROM', line: 3, tagArg: 'PYTHON_TAG', args: [{ name: 'PYTHON_TAG', value: 'tag' }], aliases: [] }]);
    expect(a.externalBases).toEqual([]);
    expect(a.finalBase).toEqual({ image: 'python' });
  });

  it('finds a COPY --from= image parent and keeps external COPY --from images', () => {
    const a = analyze(
      [
        'ARG REGISTRY',
        'ARG GCC_ASSERT_TAG',
        'FROM debian:bookworm-slim',
        'COPY --from=${REGISTRY}/gcc-assert:${GCC_ASSERT_TAG} /usr/bin/gcc /usr/bin/gcc',
        'COPY --from=busybox:1.36 /bin/busybox /bin/',
      ].join('\n'),
    );
    // The edge is found, and the line is refused: the engine does not expand build args in --from.
    expect(a.problems).toHaveLength(1);
    expect(a.problems[0]).toMatchObject({ line: 4, column: 13 });
    expect(a.problems[0].message).toContain('does not expand build args in COPY --from');
    expect(a.problems[0].fix).toBe(
      'add a stage `FROM ${REGISTRY}/gcc-assert:${GCC_ASSERT_TAG} AS gcc-assert` before this line and write `COPY --from=gcc-assert …`',
    );
    expect(a.parents).toEqual([{ image: 'gcc-assert', instruction: 'COPY --from', line: 4, tagArg: 'GCC_ASSERT_TAG', args: [{ name: 'GCC_ASSERT_TAG', value: 'tag' }], aliases: [] }]);
    expect(a.externalBases).toEqual([
      { reference: 'debian:bookworm-slim', raw: 'debian:bookworm-slim', line: 3 },
      { reference: 'busybox:1.36', raw: 'busybox:1.36', line: 5 },
    ]);
    expect(a.finalBase).toEqual({ reference: 'debian:bookworm-slim', raw: 'debian:bookworm-slim' });
  });

  it('ignores --platform, follows stages, deduplicates parents (first occurrence)', () => {
    const a = analyze(
      [
        'ARG REGISTRY',
        'ARG GCC_TAG',
        'ARG BASE_TAG',
        'FROM --platform=$BUILDPLATFORM ${REGISTRY}/gcc:${GCC_TAG} AS build',
        'FROM ${REGISTRY}/base:${BASE_TAG} AS runtime',
        'COPY --from=build /out /usr/local/bin',
        'COPY --from=$REGISTRY/gcc:$GCC_TAG /lib /lib',
        'FROM runtime',
      ].join('\n'),
    );
    expect(a.problems.map((p) => p.line)).toEqual([7]); // build args in --from: refused, edge kept
    expect(a.parents.map((p) => [p.image, p.instruction, p.line])).toEqual([
      ['gcc', 'FROM', 4],
      ['base', 'FROM', 5],
    ]);
    expect(a.finalBase).toEqual({ image: 'base' });
  });

  it('does not take a stage named like a stack image for that image', () => {
    const a = analyze('FROM alpine AS python\nFROM python\nCOPY --from=python / /');
    expect(a.parents).toEqual([]);
    expect(a.finalBase).toEqual({ reference: 'alpine', raw: 'alpine' });
  });

  it('treats FROM scratch as an external base with no repository', () => {
    const a = analyze('FROM scratch\nCOPY app /app');
    expect(a.externalBases).toEqual([{ reference: 'scratch', raw: 'scratch', line: 1 }]);
    expect(a.finalBase).toEqual({ reference: 'scratch', raw: 'scratch' });
  });

  it('names a parent whose repository comes from spec args; other namespaces are external', () => {
    const a = analyze('ARG REGISTRY\nARG FLAVOR\nARG BASE_TAG\nFROM ${REGISTRY}/${FLAVOR}:${BASE_TAG}\nFROM 127.0.0.1:5000/other/base:1', {
      provided: { ...ctx.provided, FLAVOR: 'base' },
    });
    expect(a.problems).toEqual([]);
    expect(a.parents.map((p) => p.image)).toEqual(['base']);
    expect(a.externalBases.map((e) => e.reference)).toEqual(['127.0.0.1:5000/other/base:1']);
  });
});

describe('analyzeDockerfile: problems', () => {
  it('reports an unknown parent with the stack images and a suggestion', () => {
    // PYHTON_TAG has no value (nobody passes it): the unknown name is what gets reported.
    const a = analyze('ARG REGISTRY\nARG PYHTON_TAG\nFROM ${REGISTRY}/pyhton:${PYHTON_TAG}');
    expect(a.parents).toEqual([]);
    expect(a.problems).toEqual([
      {
        file: 'images/x/Dockerfile',
        line: 3,
        column: 6,
        message:
          'FROM names "${REGISTRY}/pyhton:${PYHTON_TAG}" (resolved: "127.0.0.1:5000/imagestack-test/pyhton:imagestack-tag"), a repository of this stack (127.0.0.1:5000/imagestack-test), but "pyhton" is not an image of specs.yml (images: base, python, gcc, gcc-assert); did you mean "python"?',
        fix: 'correct the name to "python", or add "pyhton" to specs.yml `images:`',
      },
    ]);
  });

  it('reports a hard-coded tag with the exact line to write', () => {
    const a = analyze('ARG REGISTRY\nARG BASE_TAG\nFROM --platform=linux/amd64 ${REGISTRY}/base:latest AS b');
    expect(a.parents.map((p) => p.image)).toEqual(['base']);
    expect(a.problems).toEqual([
      {
        file: 'images/x/Dockerfile',
        line: 3,
        column: 29,
        message:
          'FROM names stack image "base" with tag "latest"; a parent\'s tag must be the build arg ${BASE_TAG}, which imagestack sets to the tag it builds or finds for "base"',
        fix: 'write `FROM --platform=linux/amd64 ${REGISTRY}/base:${BASE_TAG} AS b`',
      },
    ]);
  });

  it("reports another image's tag arg, a digest, and says which ARGs to declare", () => {
    const a = analyze(
      'ARG REGISTRY\nARG PYTHON_TAG\nFROM ${REGISTRY}/base:${PYTHON_TAG}\nCOPY --from=${REGISTRY}/gcc@sha256:' + 'a'.repeat(64) + ' / /',
    );
    expect(a.problems.map((p) => [p.line, p.message.split(';')[0], p.fix])).toEqual([
      [3, 'FROM names stack image "base" with tag "${PYTHON_TAG}"', 'write `FROM ${REGISTRY}/base:${BASE_TAG}` and declare `ARG BASE_TAG` before the first FROM'],
      [
        4,
        `COPY --from names stack image "gcc" with digest "@sha256:${'a'.repeat(64)}"`,
        'write `COPY --from=${REGISTRY}/gcc:${GCC_TAG} / /` and declare `ARG GCC_TAG` before the first FROM',
      ],
    ]);
  });

  it('reports undeclared REGISTRY and tag ARGs but still finds the parent', () => {
    const a = analyze('FROM ${REGISTRY}/python:${PYTHON_TAG}');
    expect(a.parents.map((p) => p.image)).toEqual(['python']);
    expect(a.problems.map((p) => [p.column, p.fix])).toEqual([
      [6, 'add `ARG REGISTRY` at the top of the Dockerfile, before the first FROM'],
      [25, 'add `ARG PYTHON_TAG` at the top of the Dockerfile, before the first FROM'],
    ]);
  });

  it('still reports a *_TAG with no value outside the stack', () => {
    const a = analyze('ARG DEBIAN_TAG\nFROM debian:${DEBIAN_TAG}');
    expect(a.externalBases).toEqual([]);
    expect(a.problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [2, 13, 'FROM uses ${DEBIAN_TAG}, which has no value: `ARG DEBIAN_TAG` declares no default and specs.yml does not set it'],
    ]);
  });
});

describe('helpers', () => {
  it('normalizes the stack prefix like references', () => {
    expect(stackRepositoryPrefix('127.0.0.1:5000', 'ns/sub')).toBe('127.0.0.1:5000/ns/sub/');
    expect(stackRepositoryPrefix('docker.io', 'myorg')).toBe('docker.io/myorg/');
  });

  it('suggests names within edit distance 2', () => {
    expect(editDistance('pyhton', 'python')).toBe(2);
    expect(closestName('pyhton', images)).toBe('python');
    expect(closestName('gcc-asert', images)).toBe('gcc-assert');
    expect(closestName('nodejs', images)).toBeUndefined();
  });
});
