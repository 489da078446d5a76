import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, type Problem } from '../errors';
import type { BuildArgs, ImageSpec, Specs, VersionSpec } from '../specs/types';
import { readStack, resolutionArgs, TAG_PLACEHOLDER } from './read-stack';

const FIXTURES = path.join(__dirname, '__fixtures__');

interface ImageInput {
  name: string;
  skip?: string[];
  args?: BuildArgs;
  versionArgs?: Record<string, BuildArgs>;
  dockerfile?: string;
}

/**
 * Builds validated {@link Specs} for a fixture case by hand (the loader is not ours). Lines
 * come from the case's specs.yml when it has one (the key `  <name>:`), else 100 + index.
 */
function fixtureSpecs(
  name: string,
  images: Array<string | ImageInput>,
  versions: Array<{ name: string; args?: BuildArgs }> = [],
): Specs {
  const root = path.join(FIXTURES, name);
  const file = path.join(root, 'specs.yml');
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
  const lineOf = (key: string, fallback: number) => {
    const i = lines.findIndex((l) => new RegExp(`^\\s+${key.replace(/\./g, '\\.')}:`).test(l));
    return i >= 0 ? i + 1 : fallback;
  };
  return {
    file,
    root,
    registry: '127.0.0.1:5000',
    namespace: 'imagestack-test',
    inputs: [],
    versions: versions.map((v, i): VersionSpec => ({ name: v.name, args: v.args ?? {}, line: lineOf(v.name, 50 + i) })),
    images: images.map((input, i): ImageSpec => {
      const im = typeof input === 'string' ? { name: input } : input;
      return {
        name: im.name,
        context: `images/${im.name}`,
        dockerfile: im.dockerfile ?? 'Dockerfile',
        args: im.args ?? {},
        versionArgs: im.versionArgs ?? {},
        skip: im.skip ?? [],
        inputs: [],
        line: lineOf(im.name, 100 + i),
        raw: {},
      };
    }),
    raw: {},
  };
}

/** Runs readStack, expecting an InputError, and returns its problems. */
async function problemsOf(specs: Specs): Promise<readonly Problem[]> {
  const error = await readStack(specs).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return (error as InputError).problems;
}

describe('readStack: a six-image stack', () => {
  const specs = () =>
    fixtureSpecs('six-images', ['scipy', 'toolbox', 'gcc-assert', 'python', 'gcc', 'base'], [
      { name: '2025.1', args: { DEBIAN_VERSION: 'bullseye' } },
      { name: '2026.1' },
    ]);

  it('orders, waves and traverses deterministically', async () => {
    const stack = await readStack(specs());
    expect(stack.order).toEqual(['base', 'python', 'scipy', 'gcc', 'toolbox', 'gcc-assert']);
    expect(Object.fromEntries(stack.waves)).toEqual({ base: 0, python: 1, gcc: 1, scipy: 2, 'gcc-assert': 2, toolbox: 3 });
    expect(stack.ancestors('toolbox')).toEqual(['base', 'python', 'scipy', 'gcc']);
    expect(stack.ancestors('gcc-assert')).toEqual(['base', 'gcc']);
    expect(stack.descendants('base')).toEqual(['python', 'scipy', 'gcc', 'toolbox', 'gcc-assert']);
    expect(stack.descendants('python')).toEqual(['scipy', 'toolbox']);
    expect(stack.descendants('toolbox')).toEqual([]);
    expect([...stack.images.keys()]).toEqual(['scipy', 'toolbox', 'gcc-assert', 'python', 'gcc', 'base']);
  });

  it('finds FROM (with --platform) image edges, not stage edges', async () => {
    const toolbox = (await readStack(specs())).images.get('toolbox')!;
    expect(toolbox.dockerfile).toBe('images/toolbox/Dockerfile');
    expect(toolbox.parents).toEqual([
      { image: 'gcc', instruction: 'FROM', line: 6, tagArg: 'GCC_TAG', args: [{ name: 'GCC_TAG', value: 'tag' }], aliases: [] },
      { image: 'python', instruction: 'FROM', line: 8, tagArg: 'PYTHON_TAG', args: [{ name: 'PYTHON_TAG', value: 'tag' }], aliases: [] },
      { image: 'scipy', instruction: 'FROM', line: 10, tagArg: 'SCIPY_TAG', args: [{ name: 'SCIPY_TAG', value: 'tag' }], aliases: [] },
    ]);
    expect(toolbox.externalBases).toEqual([{ reference: 'busybox:1.36', raw: 'busybox:1.36', line: 14 }]);
    expect(toolbox.finalBase).toEqual({ image: 'python' });
  });

  it("resolves ARG-templated FROMs with each version's args (unions external bases)", async () => {
    const stack = await readStack(specs());
    const base = stack.images.get('base')!;
    expect(base.externalBases).toEqual([
      { reference: 'debian:bullseye-slim', raw: 'debian:${DEBIAN_VERSION}-slim', line: 3 },
      { reference: 'debian:bookworm-slim', raw: 'debian:${DEBIAN_VERSION}-slim', line: 3 },
    ]);
    expect(base.finalBase).toEqual({ reference: 'debian:bullseye-slim', raw: 'debian:${DEBIAN_VERSION}-slim' });
    expect(stack.images.get('scipy')!.parents.map((p) => p.image)).toEqual(['python']);
  });
});

describe('readStack: stages', () => {
  it('follows stage chains, knows scratch and does not take stage names for images', async () => {
    const stack = await readStack(fixtureSpecs('stages', ['base', 'python', 'chain', 'tiny', 'shadow']));
    const chain = stack.images.get('chain')!;
    expect(chain.parents).toEqual([]);
    expect(chain.finalBase).toEqual({ reference: 'golang:1.22', raw: 'golang:${GO_VERSION}' });
    expect(chain.externalBases.map((e) => e.reference)).toEqual(['golang:1.22', 'scratch']);
    const tiny = stack.images.get('tiny')!;
    expect(tiny.externalBases.map((e) => e.reference)).toEqual(['scratch', 'busybox:1.36']);
    expect(tiny.finalBase).toEqual({ reference: 'scratch', raw: 'scratch' });
    const shadow = stack.images.get('shadow')!;
    expect(shadow.parents.map((p) => p.image)).toEqual(['base']);
    expect(shadow.finalBase).toEqual({ image: 'base' });
    expect(stack.order).toEqual(['base', 'python', 'chain', 'tiny', 'shadow']);
    expect(stack.waves.get('shadow')).toBe(1);
  });
});

describe('readStack: missing files', () => {
  it('reports a missing context folder, a missing Dockerfile and a Dockerfile with no FROM', async () => {
    const specs = fixtureSpecs('missing-files', [
      'ghost',
      'nodockerfile',
      { name: 'custom', dockerfile: 'build/Dockerfile' },
      'nofrom',
    ]);
    expect(await problemsOf(specs)).toEqual([
      {
        file: 'specs.yml',
        line: 4,
        column: 3,
        message: 'image "ghost" has no context folder: images/ghost/ does not exist',
        fix: 'create images/ghost/ with a Dockerfile, or remove "ghost" from specs.yml `images:`',
      },
      {
        file: 'specs.yml',
        line: 5,
        column: 3,
        message: 'image "nodockerfile" has no Dockerfile: images/nodockerfile/Dockerfile does not exist',
        fix: 'create images/nodockerfile/Dockerfile (starting with `FROM <base>`)',
      },
      {
        file: 'specs.yml',
        line: 6,
        column: 3,
        message: 'image "custom" has no Dockerfile: images/custom/build/Dockerfile does not exist',
        fix: 'create images/custom/build/Dockerfile (starting with `FROM <base>`), or correct `dockerfile: build/Dockerfile` in specs.yml',
      },
      {
        file: 'images/nofrom/Dockerfile',
        line: 1,
        column: 1,
        message: 'the Dockerfile has no FROM instruction, so there is nothing to build',
        fix: 'add `FROM <base>` (e.g. `FROM debian:bookworm-slim`, or `FROM ${REGISTRY}/<parent>:${<PARENT>_TAG}` for a stack parent) before the other instructions',
      },
    ]);
  });
});

describe('readStack: references', () => {
  it('reports every reference problem with file, line, column and fix', async () => {
    const specs = fixtureSpecs('references', [
      'base',
      'python',
      'typo',
      'stranger',
      'latest',
      'othertag',
      'undeclared',
      'noregistry',
      'unresolved',
      'invalid',
    ]);
    const problems = await problemsOf(specs);
    expect(problems.map((p) => `${p.file}:${p.line}:${p.column}`)).toEqual([
      'images/typo/Dockerfile:3:6',
      'images/stranger/Dockerfile:3:13',
      'images/latest/Dockerfile:3:29',
      'images/othertag/Dockerfile:3:6',
      'images/undeclared/Dockerfile:2:23',
      'images/noregistry/Dockerfile:2:6',
      'images/unresolved/Dockerfile:2:13',
      'images/invalid/Dockerfile:2:6',
      'images/invalid/Dockerfile:3:6',
    ]);
    const [typo, stranger, latest, othertag, undeclared, noregistry, unresolved, upper, badTag] = problems;
    expect(typo.message).toBe(
      'FROM names "${REGISTRY}/pyhton:${PYHTON_TAG}" (resolved: "127.0.0.1:5000/imagestack-test/pyhton:imagestack-tag"), a repository of this stack (127.0.0.1:5000/imagestack-test), but "pyhton" is not an image of specs.yml (images: base, python, typo, stranger, latest, othertag, undeclared, noregistry, unresolved, invalid); did you mean "python"?',
    );
    expect(typo.fix).toBe('correct the name to "python", or add "pyhton" to specs.yml `images:`');
    expect(stranger.message).toContain('but "nodejs" is not an image of specs.yml (images: base,');
    expect(stranger.message).not.toContain('did you mean');
    expect(stranger.fix).toBe('add "nodejs" to specs.yml `images:`, or correct the name');
    expect(latest.message).toBe(
      'FROM names stack image "base" with tag "latest"; a parent\'s tag must be the build arg ${BASE_TAG}, which imagestack sets to the tag it builds or finds for "base"',
    );
    expect(latest.fix).toBe('write `FROM --platform=linux/amd64 ${REGISTRY}/base:${BASE_TAG} AS b`');
    expect(othertag.fix).toBe('write `FROM ${REGISTRY}/base:${BASE_TAG}` and declare `ARG BASE_TAG` before the first FROM');
    expect(undeclared.message).toBe(
      'FROM uses ${BASE_TAG} but `ARG BASE_TAG` is not declared before the first FROM, so Docker ignores the build arg and substitutes an empty string',
    );
    expect(undeclared.fix).toBe('add `ARG BASE_TAG` at the top of the Dockerfile, before the first FROM');
    expect(noregistry.fix).toBe('add `ARG REGISTRY` at the top of the Dockerfile, before the first FROM');
    expect(unresolved.fix).toBe('declare `ARG DEBIAN_VERSION=<default>` before the first FROM, or set DEBIAN_VERSION in specs.yml `args:`');
    expect(upper.message).toBe(
      'FROM names "${BASE_IMAGE}" (resolved: "Debian:bookworm"), which is not a valid image reference: the repository "Debian" has uppercase letters',
    );
    expect(upper.fix).toBe('write the repository in lowercase: "debian"');
    expect(badTag.message).toContain('the tag "bad!tag" may contain only letters, digits');
  });

  it('resolves with spec args, so setting a missing value in specs.yml fixes it', async () => {
    const specs = fixtureSpecs('references', ['base', 'python', { name: 'unresolved', args: { DEBIAN_VERSION: 'trixie' } }]);
    const stack = await readStack(specs);
    expect(stack.images.get('unresolved')!.externalBases.map((e) => e.reference)).toEqual(['debian:trixie']);
  });
});

describe('readStack: cycles', () => {
  it('reports each cycle once, as the whole path with every edge located', async () => {
    const problems = await problemsOf(fixtureSpecs('cycles', ['a', 'b', 'c', 'd', 'e']));
    expect(problems).toEqual([
      {
        file: 'images/a/Dockerfile',
        line: 5,
        column: 6,
        message:
          'cycle: a → b → c → a (images/a/Dockerfile:5 uses b; images/b/Dockerfile:5 uses c; images/c/Dockerfile:5 uses a)',
        fix: 'remove one of these references: a stack must be acyclic (move what the images share into a common parent)',
      },
      {
        file: 'images/d/Dockerfile',
        line: 5,
        column: 6,
        message: 'cycle: d → d (images/d/Dockerfile:5 uses d)',
        fix: 'an image cannot be built from itself: make images/d/Dockerfile use another base',
      },
    ]);
  });

  it('starts the walk in specs.yml order', async () => {
    const problems = await problemsOf(fixtureSpecs('cycles', ['e', 'c', 'b', 'a', 'd']));
    expect(problems.map((p) => p.message.split(' (')[0])).toEqual(['cycle: a → b → c → a', 'cycle: d → d']);
  });
});

describe('readStack: versions', () => {
  it('reports an image built for a version its parent skips', async () => {
    const specs = fixtureSpecs(
      'versions',
      ['base', 'python', { name: 'modern', skip: ['2024.1'] }, { name: 'old', skip: ['2026.1'] }].map((i) =>
        typeof i === 'string' ? (i === 'base' ? { name: i, skip: ['2024.1'] } : i) : i,
      ),
      [{ name: '2024.1' }, { name: '2025.1' }, { name: '2026.1' }],
    );
    expect(await problemsOf(specs)).toEqual([
      {
        file: 'specs.yml',
        line: 10,
        column: 3,
        message: 'image "python" is built for version 2024.1, but its parent "base" skips 2024.1, so there is no base tag to build it FROM',
        fix: 'add 2024.1 to the `skip:` of "python" in specs.yml, or remove 2024.1 from the `skip:` of "base"',
      },
      {
        file: 'specs.yml',
        line: 13,
        column: 3,
        message: 'image "old" is built for version 2024.1, but its parent "base" skips 2024.1, so there is no base tag to build it FROM',
        fix: 'add 2024.1 to the `skip:` of "old" in specs.yml, or remove 2024.1 from the `skip:` of "base"',
      },
    ]);
  });

  it('resolves with version args, image args and per-version image args, REGISTRY last', () => {
    const specs = fixtureSpecs('versions', [{ name: 'base', args: { A: 'image', B: 'image' }, versionArgs: { '2025.1': { B: 'v' } } }], [
      { name: '2025.1', args: { A: 'version', C: 'version', REGISTRY: 'nope' } },
    ]);
    expect(resolutionArgs(specs, specs.images[0], specs.versions[0])).toEqual({
      BASE_TAG: TAG_PLACEHOLDER,
      A: 'image',
      B: 'v',
      C: 'version',
      REGISTRY: '127.0.0.1:5000/imagestack-test',
    });
  });
});

describe('readStack: many broken images', () => {
  it('reports all problems of all images together, nothing else', async () => {
    const specs = fixtureSpecs('many-broken', ['base', 'python', 'scipy', 'missing', 'empty', 'loop']);
    const error = await readStack(specs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    const problems = (error as InputError).problems;
    expect(problems.map((p) => `${p.file}:${p.line}:${p.column}`)).toEqual([
      'images/python/Dockerfile:3:6',
      'images/scipy/Dockerfile:3:6',
      'specs.yml:7:3',
      'images/empty/Dockerfile:1:1',
      'images/loop/Dockerfile:3:6',
    ]);
    const starts = ['FROM names stack image "base" with tag "latest"', 'FROM names "${REGISTRY}/pyton:${PYTON_TAG}"', 'image "missing" has no context folder', 'the Dockerfile has no FROM', 'cycle: loop → loop'];
    problems.forEach((p, i) => expect(p.message.startsWith(starts[i]), p.message).toBe(true));
    expect(problems[1].message).toContain('did you mean "python"?');
    // The error's message lists every problem, formatted file:line:col.
    const message = (error as InputError).message;
    expect(message.split('\n').filter((l) => l.includes(': error: '))).toHaveLength(5);
    expect(message).toContain('specs.yml:7:3: error: image "missing" has no context folder');
  });
});
