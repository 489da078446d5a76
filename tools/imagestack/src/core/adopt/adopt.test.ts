/**
 * `imagestack init` on fixture trees written for these tests (not copies of anyone's files):
 * __fixtures__/jupyter-style (registry/owner ARGs, a whole-reference ARG, a variant in a
 * subfolder, a test folder) and __fixtures__/datahub-style (images/spec.yml with build args,
 * info commands, depend_on and a tag prefix; `<repo>:${BASE_TAG}`; a nested Dockerfile that
 * is no image), plus small trees made in each test for the bad inputs.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { InputError } from '../errors';
import { parseSpecs } from '../specs/load';
import { checkAdoption, initStack } from './adopt';
import { parseDatahubSpec } from './datahub';
import { discoverImages, imageName } from './discover';
import { inferStack, type InferInput } from './infer';

const FIXTURES = path.join(__dirname, '__fixtures__');
const NOW = new Date('2026-12-07T12:00:00Z');
const dirs: string[] = [];

/** A temporary copy of a fixture tree (or an empty folder), removed after the test. */
function workspace(fixture?: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-init-'));
  dirs.push(dir);
  if (fixture) cpSync(path.join(FIXTURES, fixture), dir, { recursive: true });
  return dir;
}

function write(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The stack's JSON Schema, to tell which of the keys init writes it knows yet. */
const schema = JSON.parse(readFileSync(path.join(__dirname, '../../../schemas/specs.schema.json'), 'utf8')) as {
  properties: Record<string, unknown>;
  definitions: { image: { properties: Record<string, unknown> }; test: { properties: Record<string, unknown> } };
};

/**
 * Validates init's specs.yml with the real loader. `references:` (issue 12, helper
 * i12-conventions), an image's `context:` and `test.host` (helper i12-context-host) are removed
 * first while the schema of this branch does not know them yet; once merged, the whole text is
 * validated as written.
 */
function loadWritten(text: string, root: string) {
  const doc = parseDocument(text);
  if (!('references' in schema.properties)) doc.delete('references');
  if (!('context' in schema.definitions.image.properties)) {
    for (const name of Object.keys((doc.toJS() as { images: Record<string, unknown> }).images)) doc.deleteIn(['images', name, 'context']);
  }
  if (!('host' in schema.definitions.test.properties)) {
    for (const [name, image] of Object.entries((doc.toJS() as { images: Record<string, { test?: { host?: string } }> }).images)) {
      if (image?.test?.host !== undefined) doc.deleteIn(['images', name, 'test']);
    }
  }
  return parseSpecs(doc.toString(), 'specs.yml', root);
}

describe('discoverImages', () => {
  it('finds every folder with a Dockerfile under images/, variants in subfolders included', () => {
    const d = discoverImages(path.join(FIXTURES, 'jupyter-style'));
    expect(d.searched).toBe('images');
    expect(d.images).toEqual([
      { name: 'base-notebook', context: 'images/base-notebook', dockerfile: 'Dockerfile' },
      { name: 'foundation', context: 'images/foundation', dockerfile: 'Dockerfile' },
      { name: 'scipy-notebook', context: 'images/scipy-notebook', dockerfile: 'Dockerfile' },
      { name: 'torch-notebook', context: 'images/torch-notebook', dockerfile: 'Dockerfile' },
      { name: 'torch-notebook-cuda12', context: 'images/torch-notebook/cuda12', dockerfile: 'Dockerfile', variantOf: 'torch-notebook' },
    ]);
    expect(d.leftOut).toEqual([]);
  });

  it('searches the whole repository when there is no images/ folder, skipping hidden folders and node_modules', () => {
    const root = workspace();
    write(root, { 'web/Dockerfile': 'FROM nginx\n', '.devcontainer/Dockerfile': 'FROM x\n', 'node_modules/p/Dockerfile': 'FROM x\n', Dockerfile: 'FROM x\n' });
    const d = discoverImages(root);
    expect(d.searched).toBe('.');
    expect(d.images).toEqual([{ name: 'web', context: 'web', dockerfile: 'Dockerfile' }]);
    expect(d.leftOut).toEqual([{ path: './', why: expect.stringMatching(/^a Dockerfile directly in the workspace root: move it into a folder of its own/) }]);
  });

  it('leaves out a folder whose image name is taken, and says by which', () => {
    const root = workspace();
    write(root, { 'images/a-b/Dockerfile': 'FROM x\n', 'images/a/b/Dockerfile': 'FROM x\n', 'images/a/Dockerfile': 'FROM x\n' });
    const d = discoverImages(root);
    expect(d.images.map((i) => i.name)).toEqual(['a', 'a-b']);
    expect(d.leftOut).toEqual([{ path: 'images/a/b/', why: 'its image name "a-b" is already that of images/a-b/: rename one of them' }]);
  });

  it('takes Dockerfile.<x> and <x>.Dockerfile too: alone, the folder\'s image; beside a Dockerfile, a variant with the same context', () => {
    const root = workspace();
    write(root, {
      'images/nb/Dockerfile': 'FROM x\n',
      'images/nb/Dockerfile.slim': 'FROM x\n',
      'images/nb/Dockerfile.dockerignore': '*\n',
      'images/nb/cuda11/cuda.Dockerfile': 'FROM x\n',
      'images/nb/cuda11/cuda.Dockerfile.dockerignore': '*\n',
      'images/nb/notes.txt': 'Dockerfile\n',
    });
    expect(discoverImages(root).images).toEqual([
      { name: 'nb', context: 'images/nb', dockerfile: 'Dockerfile' },
      { name: 'nb-slim', context: 'images/nb', dockerfile: 'Dockerfile.slim', variantOf: 'nb' },
      { name: 'nb-cuda11', context: 'images/nb/cuda11', dockerfile: 'cuda.Dockerfile', variantOf: 'nb' },
    ]);
  });

  it('makes a valid repository path component of any folder name', () => {
    expect(imageName('PyTorch_Notebook/CUDA 12')).toBe('pytorch_notebook-cuda-12');
    expect(imageName('a../b')).toBe('a-b');
    expect(imageName('__')).toBe('');
  });
});

/** The inputs of {@link inferStack} for some Dockerfiles under images/<name>/. */
function inputs(files: Record<string, string>, args: Record<string, Record<string, string>> = {}): InferInput[] {
  return Object.entries(files).map(([name, text]) => ({ name, context: `images/${name}`, dockerfile: 'Dockerfile', text, args: args[name] ?? {} }));
}

describe('inferStack', () => {
  it('reads the Jupyter convention: the registry/owner ARGs, and a whole-reference ARG per edge, explained', () => {
    const inf = inferStack(
      inputs({
        foundation: 'ARG ROOT_IMAGE=debian:bookworm-slim\nFROM $ROOT_IMAGE\n',
        base: 'ARG REGISTRY=quay.io\nARG OWNER=jupyter\nARG BASE_IMAGE=$REGISTRY/$OWNER/foundation\nFROM $BASE_IMAGE\n',
      }),
    );
    expect(inf.references).toEqual({ registry: 'quay.io', namespace: 'jupyter', args: { registry: 'REGISTRY', namespace: 'OWNER' } });
    expect(inf.ownConvention).toBe(false);
    expect(inf.images.get('base')?.edges).toEqual([
      {
        parent: 'foundation',
        file: 'images/base/Dockerfile',
        line: 4,
        instruction: 'FROM',
        raw: '$BASE_IMAGE',
        resolved: 'quay.io/jupyter/foundation',
        form: 'whole-reference',
        arg: 'BASE_IMAGE',
        via: 'BASE_IMAGE=$REGISTRY/$OWNER/foundation, REGISTRY=quay.io, OWNER=jupyter',
      },
    ]);
    expect(inf.images.get('foundation')).toEqual({ edges: [], externals: [{ reference: 'debian:bookworm-slim', line: 2 }] });
    expect(inf.decisions).toEqual([]);
  });

  it('reads the datahub convention <repo>:${ANY}, with build args, and never takes a same-named image elsewhere for a stack image', () => {
    const inf = inferStack(
      inputs(
        {
          notebook: 'ARG PYTHON_VERSION=python-3.9\nFROM jupyter/notebook:$PYTHON_VERSION\n',
          rstudio: 'ARG BASE_TAG=latest\nFROM ghcr.io/org/notebook:${BASE_TAG}\n',
        },
        { notebook: { PYTHON_VERSION: 'python-3.11.9' } },
      ),
    );
    expect(inf.references).toEqual({ registry: 'ghcr.io', namespace: 'org' });
    expect(inf.images.get('rstudio')?.edges).toMatchObject([{ parent: 'notebook', form: 'tag-arg', arg: 'BASE_TAG', line: 2, resolved: 'ghcr.io/org/notebook:latest' }]);
    expect(inf.images.get('notebook')).toEqual({
      edges: [],
      externals: [{ reference: 'jupyter/notebook:python-3.11.9', line: 2, note: 'named like this image itself, but not under ghcr.io/org: read as an external base' }],
    });
  });

  it('spells Docker Hub references with docker.io', () => {
    const inf = inferStack(inputs({ base: 'FROM debian\n', app: 'ARG T=1\nFROM myorg/base:${T}\n' }));
    expect(inf.references).toEqual({ registry: 'docker.io', namespace: 'myorg' });
    expect(inf.images.get('app')?.edges).toMatchObject([{ parent: 'base', form: 'tag-arg', arg: 'T', resolved: 'myorg/base:1' }]);
  });

  it('recognises imagestack\'s own convention and needs no references', () => {
    const inf = inferStack(inputs({ base: 'FROM debian\n', py: 'ARG REGISTRY\nARG BASE_TAG\nFROM ${REGISTRY}/base:${BASE_TAG}\n' }));
    expect(inf.references).toBeUndefined();
    expect(inf.ownConvention).toBe(true);
    expect(inf.images.get('py')?.edges).toMatchObject([{ parent: 'base', form: 'tag-arg-own', arg: 'BASE_TAG' }]);
  });

  it('edges through COPY --from and stages too, one edge per parent', () => {
    const inf = inferStack(
      inputs({
        base: 'FROM debian\n',
        tools: 'FROM debian\n',
        app: 'ARG TAG=1\nFROM ghcr.io/org/base:${TAG} AS b\nFROM b\nCOPY --from=ghcr.io/org/tools:1 /x /x\nCOPY --from=ghcr.io/org/base:1 /y /y\n',
      }),
    );
    expect(inf.images.get('app')?.edges.map((e) => [e.parent, e.instruction, e.form, e.line])).toEqual([
      ['base', 'FROM', 'tag-arg', 2],
      ['tools', 'COPY --from', 'fixed', 4],
    ]);
  });

  it('a stack parent with a fixed tag is a decision naming the file, line and the line to write', () => {
    const inf = inferStack(inputs({ base: 'FROM debian\n', child: '# c\nFROM ghcr.io/org/base:2024.1\n', other: 'FROM ghcr.io/org/base\n' }));
    expect(inf.decisions).toEqual([
      {
        image: 'child',
        at: 'images/child/Dockerfile:2',
        message:
          'FROM ghcr.io/org/base:2024.1 names stack image "base" with tag "2024.1", which imagestack cannot replace by the tag it builds: write `FROM ghcr.io/org/base:${BASE_TAG}` and declare `ARG BASE_TAG=2024.1` before the first FROM',
      },
      {
        image: 'other',
        at: 'images/other/Dockerfile:1',
        message: expect.stringContaining('with no tag (latest), which imagestack cannot replace by the tag it builds: write `FROM ghcr.io/org/base:${BASE_TAG}` and declare `ARG BASE_TAG=latest`'),
      },
    ]);
  });

  it('a FROM it cannot resolve, and an image naming itself, are decisions with file and line', () => {
    const inf = inferStack(inputs({ a: 'FROM debian\n', b: 'ARG BASE_IMAGE\nFROM $BASE_IMAGE\n', c: 'FROM ghcr.io/org/a\nFROM ghcr.io/org/c\n' }));
    expect(inf.decisions).toEqual([
      expect.objectContaining({ image: 'b', at: 'images/b/Dockerfile:2', message: expect.stringMatching(/^FROM uses \$\{BASE_IMAGE\}, which has no value.*init cannot tell what it names/) }),
      expect.objectContaining({ image: 'c', at: 'images/c/Dockerfile:1', message: expect.stringContaining('names stack image "a" with no tag') }),
      { image: 'c', at: 'images/c/Dockerfile:2', message: 'FROM ghcr.io/org/c names this image itself (ghcr.io/org/c): an image cannot be its own parent; name its real base there' },
    ]);
  });

  it('ARGs carrying the registry under different names are a decision; the most used is kept', () => {
    const jup = (owner: string, parent: string) => `ARG REGISTRY=quay.io\nARG ${owner}=jupyter\nARG BASE_IMAGE=$REGISTRY/$${owner}/${parent}\nFROM $BASE_IMAGE\n`;
    const inf = inferStack(inputs({ a: 'FROM debian\n', b: jup('OWNER', 'a'), c: jup('OWNER', 'b'), d: jup('ORG', 'c') }));
    expect(inf.references?.args).toEqual({ registry: 'REGISTRY', namespace: 'OWNER' });
    expect(inf.decisions).toEqual([{ message: 'the Dockerfiles carry the namespace in different ARGs (OWNER, ORG); references.args names OWNER, the most used: rename the others to it' }]);
  });
});

describe('parseDatahubSpec', () => {
  it('reads build args as written, info commands through all_info_cmds, depend_on and the tag prefix', () => {
    const spec = parseDatahubSpec(readFileSync(path.join(FIXTURES, 'datahub-style/images/spec.yml'), 'utf8'));
    expect(spec.tagPrefix).toBe('2024.10');
    expect(spec.images.get('base-notebook')).toEqual({
      imageName: 'ghcr.io/example-org/base-notebook',
      args: { PYTHON_VERSION: 'python-3.11.9', PY_VER_SHORT: '3.10' },
      dependOn: [],
      manifest: [
        { name: 'py-ver', description: 'Python Version', command: 'python --version' },
        { name: 'pip-list', description: 'pip Packages', command: 'pip list' },
      ],
      integrationTests: false,
    });
    expect(spec.images.get('rstudio')).toMatchObject({ dependOn: ['base-notebook'], integrationTests: true });
  });

  it('refuses an info_cmds item missing from all_info_cmds, and a YAML error, with file and line', () => {
    const bad = 'images:\n  a:\n    info_cmds: [PY_VER, NOPE]\nall_info_cmds:\n  PY_VER: { command: python --version }\n';
    expect(() => parseDatahubSpec(bad)).toThrow(InputError);
    try {
      parseDatahubSpec(bad);
    } catch (e) {
      expect((e as InputError).problems).toEqual([
        {
          file: 'images/spec.yml',
          line: 3,
          column: 25,
          message: 'info_cmds item "NOPE" of image "a" is not a key of all_info_cmds with a command',
          fix: 'add "NOPE: { description: …, command: … }" under all_info_cmds, or remove the item',
        },
      ]);
    }
    expect(() => parseDatahubSpec('images:\n  a: [\n')).toThrow(/images\/spec\.yml:\d+:\d+: error: YAML syntax error/);
    expect(() => parseDatahubSpec('images:\n  a:\n    build_args: [X]\n')).toThrow(/images\/spec\.yml:3:17: error: images\.a\.build_args is not a mapping/);
  });
});

describe('initStack', () => {
  it('writes a commented specs.yml for the Jupyter-style stack that the loader accepts', () => {
    const root = workspace('jupyter-style');
    const r = initStack({ root, now: NOW });
    expect(r.replaced).toBe(false);
    const text = readFileSync(path.join(root, 'specs.yml'), 'utf8');
    expect(text).toBe(r.text);
    expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=.*tools\/imagestack\/schemas\/specs\.schema\.json$/);
    expect(text).toContain('references:');
    expect(text).toContain('  args: { registry: REGISTRY, namespace: OWNER }');
    expect(text).toContain('  torch-notebook-cuda12:\n    context: images/torch-notebook/cuda12\n');
    expect(text).toContain('  # parent scipy-notebook: FROM $BASE_IMAGE (line 5), BASE_IMAGE=$REGISTRY/$OWNER/scipy-notebook, REGISTRY=quay.io, OWNER=jupyter; imagestack passes BASE_IMAGE=<scipy-notebook\'s repository>:<tag>\n  torch-notebook: {}');
    expect(text).toContain(
      '  # decide: pytest files in images/scipy-notebook/test/, run on the host after the build; IMAGESTACK_IMAGE names the image\n' +
        '  scipy-notebook:\n    test: { host: "python3 -m pytest -q images/scipy-notebook/test" }\n',
    );
    const specs = loadWritten(text, root);
    expect(specs.registry).toBe('quay.io');
    expect(specs.namespace).toBe('jupyter');
    expect(specs.versions.map((v) => v.name)).toEqual(['2026.1']);
    // Build order: parents first.
    expect(specs.images.map((i) => i.name)).toEqual(['foundation', 'base-notebook', 'scipy-notebook', 'torch-notebook', 'torch-notebook-cuda12']);
    expect(r.adoption.references).toEqual({ registry: 'quay.io', namespace: 'jupyter', args: { registry: 'REGISTRY', namespace: 'OWNER' } });
  });

  it('carries a datahub images/spec.yml over: build args, manifest commands (shared ones as defaults), version; leaves out what it does not list', () => {
    const root = workspace('datahub-style');
    const r = initStack({ root, now: NOW, registry: '127.0.0.1:5000', namespace: 'datahub' });
    const specs = loadWritten(r.text, root);
    expect(specs.registry).toBe('127.0.0.1:5000');
    expect(specs.namespace).toBe('datahub');
    expect(r.adoption.references).toEqual({ registry: 'ghcr.io', namespace: 'example-org' });
    expect(specs.versions.map((v) => v.name)).toEqual(['2024.10']);
    expect(specs.images.map((i) => i.name)).toEqual(['base-notebook', 'ml-notebook', 'rstudio']);
    expect(specs.images[0].args).toEqual({ PYTHON_VERSION: 'python-3.11.9', PY_VER_SHORT: '3.10' });
    expect(specs.raw.defaults).toEqual({
      manifest: {
        commands: [
          { name: 'py-ver', description: 'Python Version', command: 'python --version' },
          { name: 'pip-list', description: 'pip Packages', command: 'pip list' },
        ],
      },
    });
    expect(specs.images[2].raw.manifest).toEqual({ commands: [{ name: 'r-ver', description: 'R Version', command: 'R --version' }] });
    expect(r.adoption.leftOut).toEqual([{ path: 'images/ml-notebook/grpc/', why: 'not an image of images/spec.yml' }]);
    expect(r.text).toContain('# Dockerfiles that are not images of this file:\n#   images/ml-notebook/grpc/: not an image of images/spec.yml');
    expect(r.adoption.decisions.map((d) => d.message)).toEqual([
      'push registry: 127.0.0.1:5000/datahub, from the --registry/--namespace given to init; imagestack pushes there unless --registry/--namespace (or IMAGESTACK_REGISTRY/IMAGESTACK_NAMESPACE) say otherwise at run time; the Dockerfiles keep referring to ghcr.io/example-org (references:)',
      'integration_tests: true in images/spec.yml: give it a test: command in specs.yml to have its tests gate the push',
      "images/ml-notebook/test/ holds pytest files: written as test.host (run on this machine after the build, the image's reference in IMAGESTACK_IMAGE); check that the suite reads the image from there",
    ]);
  });

  it('does not carry over a build arg imagestack passes itself (a parent\'s tag arg, the namespace ARG)', () => {
    const root = workspace();
    write(root, {
      'images/spec.yml': 'images:\n  a: {}\n  b:\n    depend_on: a\n    build_args: { BASE_TAG: "2024.1", OWNER: org, KEEP: "1" }\n',
      'images/a/Dockerfile': 'FROM debian\n',
      'images/b/Dockerfile': 'ARG OWNER=org\nARG BASE_TAG=latest\nFROM ghcr.io/$OWNER/a:${BASE_TAG}\n',
    });
    const r = initStack({ root, now: NOW });
    expect(r.adoption.references).toEqual({ registry: 'ghcr.io', namespace: 'org', args: { namespace: 'OWNER' } });
    expect(r.adoption.images.find((i) => i.name === 'b')?.args).toEqual({ KEEP: '1' });
    expect(r.adoption.decisions.filter((d) => d.image === 'b').map((d) => d.message)).toEqual([
      'build_args BASE_TAG is not carried over: imagestack passes BASE_TAG itself (it names the parent, or carries the registry or namespace)',
      'build_args OWNER is not carried over: imagestack passes OWNER itself (it names the parent, or carries the registry or namespace)',
    ]);
  });

  it('says where depend_on and the Dockerfiles disagree', () => {
    const root = workspace();
    write(root, {
      'images/spec.yml': 'images:\n  a: {}\n  b:\n    depend_on: a\n  c:\n    depend_on: [a]\n',
      'images/a/Dockerfile': 'FROM debian\n',
      'images/b/Dockerfile': 'FROM debian\n',
      'images/c/Dockerfile': 'ARG T=1\nFROM ghcr.io/org/b:$T\n',
    });
    const r = initStack({ root, now: NOW });
    expect(r.adoption.decisions.filter((d) => d.at === 'images/spec.yml').map((d) => d.message)).toEqual([
      'depend_on names a, but images/b/Dockerfile does not build on it: imagestack takes parents from the Dockerfiles only',
      'depend_on names a, but images/c/Dockerfile does not build on it: imagestack takes parents from the Dockerfiles only',
      'images/c/Dockerfile builds on b, which depend_on does not name: imagestack builds it first anyway',
    ]);
  });

  it('never replaces an existing specs.yml unless forced', () => {
    const root = workspace('jupyter-style');
    write(root, { 'specs.yml': '# mine\n' });
    expect(() => initStack({ root, now: NOW })).toThrow(InputError);
    expect(() => initStack({ root, now: NOW })).toThrow(/specs\.yml: error: specs\.yml already exists; imagestack init never replaces it\n {2}fix: run `imagestack plan` to use it, or `imagestack init --force`/);
    expect(readFileSync(path.join(root, 'specs.yml'), 'utf8')).toBe('# mine\n');
    expect(initStack({ root, now: NOW, force: true }).replaced).toBe(true);
    expect(readFileSync(path.join(root, 'specs.yml'), 'utf8')).toMatch(/^# yaml-language-server/);
  });

  it('writes a test command for every test folder (imagestack refuses a test folder without one), failing when it cannot tell how the tests run', () => {
    const root = workspace();
    write(root, { 'images/app/Dockerfile': 'FROM debian\n', 'images/app/test/a.bats': 'x\n', 'images/app/test/b.bats': 'x\n' });
    const r = initStack({ root, now: NOW });
    expect(r.text).toContain(
      '  # decide: how the tests in images/app/test/ run; until then this test fails and nothing is pushed\n' +
        '  app:\n    test: { command: "echo \\"write how images/app/test/ runs: specs.yml test.command (in the image) or test.host (on the host)\\" >&2; exit 1" }\n',
    );
    expect(loadWritten(r.text, root).images[0].raw.test).toEqual({ command: 'echo "write how images/app/test/ runs: specs.yml test.command (in the image) or test.host (on the host)" >&2; exit 1' });
    expect(r.adoption.decisions.map((d) => d.message)).toContain('images/app/test/ holds tests init cannot tell how to run: written as a test.command that fails (so nothing is pushed untested) until you write the real one');
  });

  it('refuses a repository with no Dockerfile folder, writing nothing', () => {
    const root = workspace();
    write(root, { 'images/README.md': 'x\n' });
    expect(() => initStack({ root, now: NOW })).toThrow(/images\/: error: no folder with a Dockerfile was found under images\//);
    expect(existsSync(path.join(root, 'specs.yml'))).toBe(false);
  });

  it('writes a default registry and a namespace from the folder when nothing names one', () => {
    const root = workspace();
    write(root, { 'images/app/Dockerfile': 'FROM debian\n', 'images/app/test/run.sh': 'true\n' });
    const r = initStack({ root, now: NOW });
    expect(r.text).toContain('  # decide: images/app/test/run.sh, run inside a container of the image\n  app:\n    test: { command: "sh /imagestack/test/run.sh" }\n');
    const specs = loadWritten(r.text, root);
    expect(specs.registry).toBe('127.0.0.1:5000');
    expect(specs.namespace).toBe(path.basename(root).toLowerCase().replace(/[^a-z0-9._-]+/g, '-'));
    expect(r.text).not.toContain('references:');
  });
});

/** True once the schema knows both keys init writes for other conventions (issue 12's other parts merged). */
const conventionsMerged = 'references' in schema.properties && 'context' in schema.definitions.image.properties;

describe('checkAdoption (init, then read back as plan does: loadSpecs + readStack)', () => {
  it('finds the same parents for a stack in imagestack\'s own convention, multi-stage and COPY --from included', async () => {
    const root = workspace();
    write(root, {
      'images/base/Dockerfile': 'FROM debian:bookworm-slim\n',
      'images/py/Dockerfile': 'ARG REGISTRY\nARG BASE_TAG\nFROM ${REGISTRY}/base:${BASE_TAG}\n',
      'images/tool/Dockerfile': 'ARG REGISTRY\nARG PY_TAG\nARG BASE_TAG\nFROM ${REGISTRY}/py:${PY_TAG} AS build\nFROM ${REGISTRY}/base:${BASE_TAG}\nCOPY --from=build /x /x\n',
    });
    const r = initStack({ root, now: NOW });
    expect(r.adoption.references).toBeUndefined();
    expect(r.adoption.images.map((i) => [i.name, i.edges.map((e) => e.parent)])).toEqual([
      ['base', []],
      ['py', ['base']],
      ['tool', ['py', 'base']],
    ]);
    expect(await checkAdoption(r.file, r.adoption)).toEqual([]);
  });

  it('says where imagestack reads other parents than init inferred, and what does not load', async () => {
    const root = workspace();
    write(root, { 'images/base/Dockerfile': 'FROM debian:bookworm-slim\n', 'images/py/Dockerfile': 'ARG REGISTRY\nARG BASE_TAG\nFROM ${REGISTRY}/base:${BASE_TAG}\n' });
    const r = initStack({ root, now: NOW });
    const wrong = { ...r.adoption, images: r.adoption.images.map((i) => ({ ...i, edges: [] })) };
    expect(await checkAdoption(r.file, wrong)).toEqual(['py: init inferred parents [], imagestack reads [base]']);
    write(root, { 'images/py/test/run.sh': 'true\n' });
    expect(await checkAdoption(r.file, r.adoption)).toEqual([expect.stringMatching(/^specs\.yml:\d+: images\/py\/test\/ holds tests, but images\.py\.test has no command to run them/)]);
    writeFileSync(r.file, `${r.text}  bad: { agrs: {} }\n`);
    expect(await checkAdoption(r.file, r.adoption)).toEqual([expect.stringMatching(/^specs\.yml:\d+: unknown key "agrs" in images\.bad/)]);
  });

  // Runs once `references:` (conventions) and `context:` (variants) are in the schema.
  it.runIf(conventionsMerged)('finds the same parents for the Jupyter-style and datahub-style fixtures', async () => {
    for (const fixture of ['jupyter-style', 'datahub-style']) {
      const root = workspace(fixture);
      const r = initStack({ root, now: NOW });
      expect(await checkAdoption(r.file, r.adoption)).toEqual([]);
    }
  });
});
