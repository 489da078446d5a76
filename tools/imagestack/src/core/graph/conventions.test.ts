/**
 * Plan-level tests of the parent conventions (README, "How a Dockerfile names its parents") on
 * the fixture stacks of test/fixtures/stacks/: the real specs loader and `readStack` on real
 * files, no fake. Each bad-input case copies a fixture to a temporary folder and changes one
 * line, then asserts the file, line, column, message and fix.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeDockerfile } from '../dockerfile/analyze';
import { InputError, type Problem } from '../errors';
import { loadSpecs } from '../specs/load';
import { readStack, resolutionArgs } from './read-stack';
import { stackArgs } from './types';

const STACKS = path.resolve(__dirname, '../../../test/fixtures/stacks');
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of fixture `name` with `edits` (workspace-relative file → replace [from, to] pairs, or whole text). */
function copyOf(name: string, edits: Record<string, Array<[string, string]> | string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), `imagestack-conventions-${name}-`));
  temps.push(dir);
  cpSync(path.join(STACKS, name), dir, { recursive: true });
  for (const [rel, edit] of Object.entries(edits)) {
    const file = path.join(dir, rel);
    let text = typeof edit === 'string' ? edit : readFileSync(file, 'utf8');
    if (typeof edit !== 'string') {
      for (const [from, to] of edit) {
        expect(text).toContain(from);
        text = text.replace(from, to);
      }
    }
    writeFileSync(file, text);
  }
  return dir;
}

async function stackOf(dir: string) {
  return readStack(await loadSpecs(path.join(dir, 'specs.yml')));
}

async function problemsOf(dir: string): Promise<readonly Problem[]> {
  const error = await stackOf(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return (error as InputError).problems;
}

describe('the Jupyter convention: ARG BASE_IMAGE=$REGISTRY/$OWNER/<parent>, FROM $BASE_IMAGE', () => {
  it('reads every parent, with BASE_IMAGE carrying the whole reference', async () => {
    const stack = await stackOf(path.join(STACKS, 'jupyter-style'));
    expect(stack.order).toEqual(['foundation', 'base-notebook', 'minimal-notebook', 'scipy-notebook']);
    expect(Object.fromEntries(stack.waves)).toEqual({ foundation: 0, 'base-notebook': 1, 'minimal-notebook': 2, 'scipy-notebook': 3 });
    const parent = (image: string) => stack.images.get(image)!.parents;
    expect(parent('base-notebook')).toEqual([
      { image: 'foundation', instruction: 'FROM', line: 5, tagArg: 'FOUNDATION_TAG', args: [{ name: 'BASE_IMAGE', value: 'reference' }], aliases: [] },
    ]);
    expect(parent('minimal-notebook').map((p) => [p.image, p.args])).toEqual([['base-notebook', [{ name: 'BASE_IMAGE', value: 'reference' }]]]);
    // The default names a tag (`minimal-notebook:latest`): the whole reference is replaced anyway.
    expect(parent('scipy-notebook').map((p) => [p.image, p.args])).toEqual([['minimal-notebook', [{ name: 'BASE_IMAGE', value: 'reference' }]]]);
    expect(stack.images.get('scipy-notebook')!.finalBase).toEqual({ image: 'minimal-notebook' });
    expect(stack.images.get('scipy-notebook')!.externalBases).toEqual([]);
    expect(stack.images.get('foundation')!.externalBases).toEqual([{ reference: 'debian:bookworm-slim', raw: '$ROOT_IMAGE', line: 3 }]);
  });

  it('passes REGISTRY = the host and OWNER = the namespace (references.args), not <registry>/<namespace>', async () => {
    const specs = await loadSpecs(path.join(STACKS, 'jupyter-style', 'specs.yml'));
    expect(specs.references).toEqual({ registry: 'quay.io', namespace: 'jupyter', args: { registry: 'REGISTRY', namespace: 'OWNER' } });
    expect(stackArgs(specs)).toEqual({ REGISTRY: '127.0.0.1:5000', OWNER: 'jupyter-style' });
    expect(resolutionArgs(specs, specs.images[1], specs.versions[0])).toMatchObject({ REGISTRY: '127.0.0.1:5000', OWNER: 'jupyter-style' });
  });

  it('without references.args, REGISTRY=<registry>/<namespace> puts "jupyter/" in the path: refused, never external', async () => {
    const dir = copyOf('jupyter-style', { 'specs.yml': [['  args: { registry: REGISTRY, namespace: OWNER }\n', '']] });
    const problems = await problemsOf(dir);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toEqual({
      file: 'images/base-notebook/Dockerfile',
      line: 5,
      column: 6,
      message:
        'FROM names "$BASE_IMAGE" (resolved: "127.0.0.1:5000/jupyter-style/jupyter/foundation"): "jupyter/" stands between the stack\'s ' +
        '127.0.0.1:5000/jupyter-style/ and its image "foundation", so it names no image of the stack (imagestack passes REGISTRY=127.0.0.1:5000/jupyter-style)',
      fix:
        'tell imagestack how the Dockerfiles spell the stack, in specs.yml: `references: { registry: <host the Dockerfiles name>, ' +
        'namespace: <namespace they name>, args: { registry: <their registry ARG>, namespace: <their namespace ARG> } }` ' +
        '(e.g. `args: { registry: REGISTRY, namespace: OWNER }`)',
    });
  });

  it('with no references: at all (the stack as found), the same refusal: 0 of 4 images silently external', async () => {
    const dir = copyOf('jupyter-style', { 'specs.yml': [['references:\n  registry: quay.io\n  namespace: jupyter\n  args: { registry: REGISTRY, namespace: OWNER }\n', '']] });
    const problems = await problemsOf(dir);
    expect(problems.map((p) => `${p.file}:${p.line}`)).toEqual([
      'images/base-notebook/Dockerfile:5',
      'images/minimal-notebook/Dockerfile:5',
      'images/scipy-notebook/Dockerfile:6',
    ]);
    expect(problems.every((p) => p.fix.includes('references:'))).toBe(true);
  });

  it('an unknown image under the references spelling is refused with "did you mean"', async () => {
    const dir = copyOf('jupyter-style', { 'images/base-notebook/Dockerfile': [['$OWNER/foundation', '$OWNER/foundaton']] });
    const [p, ...rest] = await problemsOf(dir);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ file: 'images/base-notebook/Dockerfile', line: 5, column: 6 });
    expect(p.message).toBe(
      'FROM names "$BASE_IMAGE" (resolved: "127.0.0.1:5000/jupyter-style/foundaton"), a repository of this stack (127.0.0.1:5000/jupyter-style), ' +
        'but "foundaton" is not an image of specs.yml (images: foundation, base-notebook, minimal-notebook, scipy-notebook); did you mean "foundation"?',
    );
    expect(p.fix).toBe('correct the name to "foundation", or add "foundaton" to specs.yml `images:`');
  });
});

describe('the datahub convention: FROM ghcr.io/org/<parent>:${BASE_TAG}', () => {
  it('reads every parent, BASE_TAG carrying the tag, and the spelling the build needs as an alias', async () => {
    const stack = await stackOf(path.join(STACKS, 'datahub-style'));
    expect(Object.fromEntries(stack.waves)).toEqual({ 'base-notebook': 0, 'datascience-notebook': 1, 'r-notebook': 2 });
    expect(stack.images.get('datascience-notebook')!.parents).toEqual([
      {
        image: 'base-notebook',
        instruction: 'FROM',
        line: 2,
        tagArg: 'BASE_NOTEBOOK_TAG',
        args: [{ name: 'BASE_TAG', value: 'tag' }],
        aliases: ['ghcr.io/example-university/base-notebook'],
      },
    ]);
    // `$BASE_TAG` without braces is the same convention.
    expect(stack.images.get('r-notebook')!.parents.map((p) => [p.image, p.args, p.aliases])).toEqual([
      ['datascience-notebook', [{ name: 'BASE_TAG', value: 'tag' }], ['ghcr.io/example-university/datascience-notebook']],
    ]);
    expect(stack.images.get('r-notebook')!.externalBases).toEqual([]);
  });

  it('when the Dockerfiles name the registry imagestack pushes to, any tag ARG works and no alias is needed', async () => {
    const dir = copyOf('datahub-style', {
      'specs.yml': [['references:\n  registry: ghcr.io\n  namespace: example-university\n', '']],
      'images/datascience-notebook/Dockerfile': [['ghcr.io/example-university/', '127.0.0.1:5000/datahub-style/']],
      'images/r-notebook/Dockerfile': [['ghcr.io/example-university/', '127.0.0.1:5000/datahub-style/']],
    });
    const stack = await stackOf(dir);
    expect(stack.images.get('r-notebook')!.parents.map((p) => [p.image, p.args, p.aliases])).toEqual([
      ['datascience-notebook', [{ name: 'BASE_TAG', value: 'tag' }], []],
    ]);
  });

  it('a fixed tag under the stack is refused, with the line to write', async () => {
    const dir = copyOf('datahub-style', { 'images/datascience-notebook/Dockerfile': [[':${BASE_TAG}', ':2024.01']] });
    const problems = await problemsOf(dir);
    expect(problems).toEqual([
      {
        file: 'images/datascience-notebook/Dockerfile',
        line: 2,
        column: 6,
        message:
          'FROM names stack image "base-notebook" with tag "2024.01"; a parent\'s tag must be the build arg ${BASE_NOTEBOOK_TAG}, ' +
          'which imagestack sets to the tag it builds or finds for "base-notebook"',
        fix: 'write `FROM ghcr.io/example-university/base-notebook:${BASE_NOTEBOOK_TAG}` and declare `ARG BASE_NOTEBOOK_TAG` before the first FROM',
      },
    ]);
  });

  it('no tag says "no tag", and a digest says the digest', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const dir = copyOf('datahub-style', {
      'images/datascience-notebook/Dockerfile': [[':${BASE_TAG}', '']],
      'images/r-notebook/Dockerfile': [[':$BASE_TAG', `@${digest}`]],
    });
    const problems = await problemsOf(dir);
    expect(problems.map((p) => [p.file, p.line, p.message.split(';')[0]])).toEqual([
      ['images/datascience-notebook/Dockerfile', 2, 'FROM names stack image "base-notebook" with no tag (Docker would use "latest")'],
      ['images/r-notebook/Dockerfile', 2, `FROM names stack image "datascience-notebook" with digest "@${digest}"`],
    ]);
  });

  it('a tag ARG that is another stack image\'s <NAME>_TAG is refused', async () => {
    const dir = copyOf('datahub-style', { 'images/r-notebook/Dockerfile': 'ARG BASE_NOTEBOOK_TAG\nFROM ghcr.io/example-university/datascience-notebook:${BASE_NOTEBOOK_TAG}\n' });
    const [p] = await problemsOf(dir);
    expect(p).toMatchObject({ file: 'images/r-notebook/Dockerfile', line: 2, column: 6 });
    expect(p.message).toContain('with tag "${BASE_NOTEBOOK_TAG}"');
    expect(p.fix).toBe(
      'write `FROM ghcr.io/example-university/datascience-notebook:${DATASCIENCE_NOTEBOOK_TAG}` and declare `ARG DATASCIENCE_NOTEBOOK_TAG` before the first FROM',
    );
  });

  it('one ARG carrying two parents is refused', async () => {
    const dir = copyOf('datahub-style', {
      'images/r-notebook/Dockerfile':
        'ARG BASE_TAG=latest\nFROM ghcr.io/example-university/base-notebook:${BASE_TAG} AS base\nFROM ghcr.io/example-university/datascience-notebook:${BASE_TAG}\nCOPY --from=base /layers.txt /base-layers.txt\n',
    });
    const [p, ...rest] = await problemsOf(dir);
    expect(rest).toEqual([]);
    expect(p).toEqual({
      file: 'images/r-notebook/Dockerfile',
      line: 3,
      column: 6,
      message: 'ARG BASE_TAG carries the tag of "datascience-notebook" here, and the tag of "base-notebook" on line 2; imagestack passes one value per build arg',
      fix: 'give this reference its own ARG, e.g. `:${DATASCIENCE_NOTEBOOK_TAG}` (declared before the first FROM)',
    });
  });

  it('a tag ARG that is not declared is refused (Docker would substitute an empty tag)', async () => {
    const dir = copyOf('datahub-style', { 'images/r-notebook/Dockerfile': [['ARG BASE_TAG=latest\n', '']] });
    const [p] = await problemsOf(dir);
    expect(p).toMatchObject({ file: 'images/r-notebook/Dockerfile', line: 1, column: 54 });
    expect(p.message).toBe('FROM uses ${BASE_TAG} but `ARG BASE_TAG` is not declared before the first FROM, so Docker substitutes an empty string');
  });
});

describe('RUN --mount=…,from=<stack image> is an edge', () => {
  const analyse = (image: string) => {
    const file = `images/${image}/Dockerfile`;
    const text = readFileSync(path.join(STACKS, 'mount-from', file), 'utf8');
    return analyzeDockerfile(text, {
      file,
      registry: '127.0.0.1:5000',
      namespace: 'mount-from',
      images: ['tools', 'app', 'seeded'],
      provided: { REGISTRY: '127.0.0.1:5000/mount-from', TOOLS_TAG: 't', APP_TAG: 't', SEEDED_TAG: 't' },
    });
  };

  it('type=bind and type=cache name the parent, its tag ARG is passed', () => {
    for (const [image, line] of [['app', 4], ['seeded', 8]] as const) {
      const a = analyse(image);
      expect(a.parents).toEqual([{ image: 'tools', instruction: 'RUN --mount', line, tagArg: 'TOOLS_TAG', args: [{ name: 'TOOLS_TAG', value: 'tag' }], aliases: [] }]);
      expect(a.finalBase).toEqual({ reference: 'debian:bookworm-slim', raw: 'debian:bookworm-slim' });
      // The only problem is the legacy builder's refusal of RUN --mount (the BuildKit builder, issue 13, lifts it).
      expect(a.problems.map((p) => p.message)).toEqual(['RUN --mount needs BuildKit: the legacy builder imagestack uses cannot do it (builder: classic)']);
    }
    // A stage named in from= is no edge; the stage's FROM is an external base.
    expect(analyse('seeded').externalBases.map((e) => e.line)).toEqual([3, 6]);
  });

  it('a fixed tag in from= is refused like one in FROM', () => {
    const a = analyzeDockerfile('FROM debian:bookworm-slim\nRUN --mount=type=bind,from=127.0.0.1:5000/mount-from/tools:latest,target=/t true\n', {
      file: 'images/app/Dockerfile',
      registry: '127.0.0.1:5000',
      namespace: 'mount-from',
      images: ['tools', 'app'],
      provided: {},
    });
    const p = a.problems.find((x) => x.message.startsWith('RUN --mount names'))!;
    expect(p).toMatchObject({ line: 2, column: 28 });
    expect(p.message.split(';')[0]).toBe('RUN --mount names stack image "tools" with tag "latest"');
    expect(p.fix).toBe('write `RUN --mount=type=bind,from=127.0.0.1:5000/mount-from/tools:${TOOLS_TAG},target=/t true` and declare `ARG TOOLS_TAG` before the first FROM');
  });
});

describe('a parent ARG also set in specs.yml', () => {
  it('is refused at the image in specs.yml: imagestack passes the parent there', async () => {
    const dir = copyOf('datahub-style', { 'specs.yml': [['  r-notebook: {}', '  r-notebook:\n    args: { BASE_TAG: "2024.01" }']] });
    expect(await problemsOf(dir)).toEqual([
      {
        file: 'specs.yml',
        line: 23,
        column: 3,
        message:
          'build arg BASE_TAG is set in specs.yml (args of "r-notebook"), but images/r-notebook/Dockerfile names its parent "datascience-notebook" with it, ' +
          "so imagestack passes the parent's tag there",
        fix: 'remove BASE_TAG from args in specs.yml',
      },
    ]);
  });
});
