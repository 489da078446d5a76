import { describe, expect, it } from 'vitest';
import { explainInvalidReference, parseDockerfile, resolveDockerfile } from './parse';

const file = 'images/x/Dockerfile';

function resolve(text: string, provided: Record<string, string> = {}) {
  return resolveDockerfile(parseDockerfile(text), { file, provided });
}

describe('parseDockerfile', () => {
  it('reads global ARGs, stages (names lower-cased) and every image text with positions', () => {
    const parsed = parseDockerfile(
      [
        'ARG REGISTRY',
        'ARG A=1 B="x y"',
        'FROM --platform=$BUILDPLATFORM ${REGISTRY}/gcc:${GCC_TAG} AS Build',
        'ARG LATE=1',
        'FROM \\',
        '  debian:bookworm',
        'COPY --chown=1:1 --from=build /out /out',
        'ONBUILD COPY --from=ignored /a /b',
      ].join('\n'),
    );
    expect(parsed.globalArgs.map((a) => [a.name, a.rawDefault])).toEqual([
      ['REGISTRY', undefined],
      ['A', '1'],
      ['B', '"x y"'],
    ]);
    expect(parsed.stages.map((s) => [s.index, s.name, s.base.raw])).toEqual([
      [0, 'build', '${REGISTRY}/gcc:${GCC_TAG}'],
      [1, undefined, 'debian:bookworm'],
    ]);
    expect(parsed.imageTexts.map((t) => [t.instruction, t.raw, t.instructionLine, t.line, t.column, t.stage])).toEqual([
      ['FROM', '${REGISTRY}/gcc:${GCC_TAG}', 3, 3, 32, 0],
      ['FROM', 'debian:bookworm', 5, 6, 3, 1],
      ['COPY --from', 'build', 7, 7, 25, 1],
    ]);
  });

  it('gives no stages for a Dockerfile without FROM', () => {
    expect(parseDockerfile('# nothing\nRUN true\n').stages).toEqual([]);
    expect(parseDockerfile('').stages).toEqual([]);
  });
});

describe('resolveDockerfile', () => {
  it('resolves with provided values first, then ARG defaults (expanded in order)', () => {
    const r = resolve('ARG V=bookworm\nARG IMG=debian:${V}-slim\nARG REGISTRY=ignored\nFROM ${IMG}\nFROM ${REGISTRY}/x:1', {
      REGISTRY: 'r.io/ns',
    });
    expect(r.problems).toEqual([]);
    expect(r.uses.map((u) => u.target.kind === 'image' && u.target.reference)).toEqual(['debian:bookworm-slim', 'r.io/ns/x:1']);
  });

  it('ignores --platform and the automatic platform ARGs need no declaration', () => {
    const r = resolve('FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nFROM --platform=${TARGETPLATFORM} alpine');
    expect(r.problems).toEqual([]);
    expect(r.uses.map((u) => u.target)).toMatchObject([
      { kind: 'image', reference: 'golang:1.22' },
      { kind: 'image', reference: 'alpine' },
    ]);
  });

  it('tells stages from images: FROM <earlier stage>, COPY --from=<name|index>, scratch', () => {
    const r = resolve(
      [
        'FROM build AS first', // "build" is not yet a stage here: an image
        'FROM golang AS Build',
        'FROM BUILD AS test',
        'FROM scratch',
        'COPY --from=test /a /a',
        'COPY --from=0 /b /b',
        'COPY --from=alpine:3 /c /c',
      ].join('\n'),
    );
    expect(r.problems).toEqual([]);
    expect(r.uses.map((u) => u.target)).toMatchObject([
      { kind: 'image', reference: 'build' },
      { kind: 'image', reference: 'golang' },
      { kind: 'stage', stage: 1 },
      { kind: 'scratch' },
      { kind: 'stage', stage: 2 },
      { kind: 'stage', stage: 0 },
      { kind: 'image', reference: 'alpine:3' },
    ]);
  });

  it('follows FROM <stage> chains to the final base', () => {
    const r = resolve('FROM golang:1.22 AS build\nFROM build AS test\nFROM scratch AS other\nFROM test\n');
    expect(r.finalBase?.target).toMatchObject({ kind: 'image', reference: 'golang:1.22' });
    expect(resolve('FROM alpine AS a\nFROM scratch\nCOPY --from=a / /').finalBase?.target).toEqual({ kind: 'scratch' });
  });

  it('reports a Dockerfile with no FROM at line 1', () => {
    expect(resolve('# syntax=docker/dockerfile:1\nRUN true\n').problems).toEqual([
      {
        file,
        line: 1,
        column: 1,
        message: 'the Dockerfile has no FROM instruction, so there is nothing to build',
        fix: expect.stringContaining('add `FROM <base>`'),
      },
    ]);
  });

  it('reports a variable not declared before the first FROM, once, at its column', () => {
    const r = resolve('ARG REGISTRY\nFROM ${REGISTRY}/base:${BASE_TAG}\nARG BASE_TAG\nCOPY --from=${REGISTRY}/base:${BASE_TAG} / /', {
      REGISTRY: 'r.io/ns',
      BASE_TAG: 't',
    });
    expect(r.problems).toEqual([
      {
        file,
        line: 2,
        column: 23,
        message:
          'FROM uses ${BASE_TAG} but `ARG BASE_TAG` is not declared before the first FROM, so Docker ignores the build arg and substitutes an empty string',
        fix: 'add `ARG BASE_TAG` at the top of the Dockerfile, before the first FROM',
      },
    ]);
    // Still resolved with the provided value, so the image can be named.
    expect(r.uses[0].target).toMatchObject({ kind: 'image', reference: 'r.io/ns/base:t' });
  });

  it('accepts an undeclared variable with a default in the expression', () => {
    const r = resolve('FROM debian:${DEBIAN_VERSION:-bookworm}');
    expect(r.problems).toEqual([]);
    expect(r.uses[0].target).toMatchObject({ reference: 'debian:bookworm' });
  });

  it('reports a variable with no value', () => {
    const declared = resolve('ARG V\nFROM debian:${V}');
    expect(declared.problems).toEqual([
      {
        file,
        line: 2,
        column: 13,
        message: 'FROM uses ${V}, which has no value: `ARG V` declares no default and specs.yml does not set it',
        fix: 'declare `ARG V=<default>` before the first FROM, or set V in specs.yml `args:`',
      },
    ]);
    expect(declared.uses[0].target).toEqual({ kind: 'error' });
    const undeclared = resolve('FROM debian:$V');
    expect(undeclared.problems).toHaveLength(1);
    expect(undeclared.problems[0].fix).toBe(
      'add `ARG V=<default>` at the top of the Dockerfile, before the first FROM (or `ARG V` and set V in specs.yml `args:`)',
    );
  });

  it('reports invalid references and COPY --from with no such stage index', () => {
    const r = resolve('ARG IMG=Debian:12\nFROM ${IMG}\nFROM debian:bad!tag\nCOPY --from=3 / /');
    expect(r.problems).toEqual([
      {
        file,
        line: 2,
        column: 6,
        message: 'FROM names "${IMG}" (resolved: "Debian:12"), which is not a valid image reference: the repository "Debian" has uppercase letters',
        fix: 'write the repository in lowercase: "debian"',
      },
      {
        file,
        line: 3,
        column: 6,
        message: expect.stringMatching(/^FROM names "debian:bad!tag", which is not a valid image reference: the tag "bad!tag" may contain only/),
        fix: 'correct the tag (or the build arg that sets it)',
      },
      {
        file,
        line: 4,
        column: 13,
        message: 'COPY --from=3 refers to stage 3, but the Dockerfile has 2 stage(s) (numbered from 0)',
        fix: 'use the index or `AS` name of an existing stage',
      },
    ]);
  });
});

describe('explainInvalidReference', () => {
  it('names the broken part', () => {
    expect(explainInvalidReference('').reason).toBe('it is empty');
    expect(explainInvalidReference('ghcr.io/My/Img').fix).toBe('write the repository in lowercase: "ghcr.io/my/img"');
    expect(explainInvalidReference('a__-b').reason).toContain('"a__-b" is not a repository path component');
    expect(explainInvalidReference('debian@sha256:xyz').reason).toBe('"sha256:xyz" is not a digest');
  });
});
