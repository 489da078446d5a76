import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import type { Problem } from '../errors';
import { loadSpecs, parseSpecs } from './load';
import type { SpecsOverrides } from './load';
import type { Specs } from './types';

const FIXTURES = path.join(__dirname, '__fixtures__');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

/** A valid head to which tests append their `images:` (or other) sections. */
const HEAD = `registry: 127.0.0.1:5000
namespace: imagestack-example
versions:
  "2026.1":
  "2026.2":
`;

function problems(text: string, overrides?: SpecsOverrides): Problem[] {
  try {
    parseSpecs(text, 'specs.yml', '/ws', overrides);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return [...(err as InputError).problems];
  }
  throw new Error('expected an InputError');
}

/** The single problem of `text`. */
/** 1-based line of the first line of `text` containing `needle`. */
function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

function problem(text: string, overrides?: SpecsOverrides): Problem {
  const list = problems(text, overrides);
  expect(list, JSON.stringify(list, null, 2)).toHaveLength(1);
  return list[0];
}

function withoutLines(specs: Specs): unknown {
  return {
    ...specs,
    versions: specs.versions.map(({ line: _l, ...v }) => v),
    images: specs.images.map(({ line: _l, ...i }) => i),
  };
}

describe('parseSpecs: a good file', () => {
  it('normalizes every field', () => {
    const specs = parseSpecs(fixture('good.yml'), 'specs.yml', '/ws');
    const python = {
      dockerfile: 'Dockerfile',
      args: { PIP_NO_CACHE_DIR: '1', PY: '3.10', STRICT: 'true' },
      versions: { '2026.2': { args: { EXTRA: 'x' } } },
      skip: ['2026.1'],
      inputs: ['scripts/py/*.sh'],
      manifest: {},
      checks: [],
      test: {},
    };
    expect(specs).toEqual({
      file: '/ws/specs.yml',
      root: '/ws',
      registry: '127.0.0.1:5000',
      namespace: 'imagestack-example',
      source: 'https://github.com/org/repo',
      inputs: ['scripts/common/**'],
      versions: [
        { name: '2026.1', args: { DEBIAN_RELEASE: 'bookworm' }, line: 8 },
        { name: '2026.2', args: { DEBIAN_RELEASE: 'bookworm', PY_OPT: '-O' }, line: 10 },
      ],
      images: [
        {
          name: 'base',
          context: 'images/base',
          dockerfile: 'Dockerfile',
          args: {},
          versionArgs: {},
          skip: [],
          inputs: [],
          line: 15,
          raw: {},
        },
        {
          name: 'python',
          context: 'images/python',
          dockerfile: 'Dockerfile',
          args: { PIP_NO_CACHE_DIR: '1', PY: '3.10', STRICT: 'true' },
          versionArgs: { '2026.2': { EXTRA: 'x' } },
          skip: ['2026.1'],
          inputs: ['scripts/py/*.sh'],
          line: 16,
          raw: python,
        },
      ],
      raw: {
        registry: '127.0.0.1:5000',
        namespace: 'imagestack-example',
        source: 'https://github.com/org/repo',
        inputs: ['scripts/common/**'],
        versions: {
          '2026.1': { args: { DEBIAN_RELEASE: 'bookworm' } },
          '2026.2': { args: { DEBIAN_RELEASE: 'bookworm', PY_OPT: '-O' } },
        },
        defaults: { manifest: { commands: [{ name: 'packages', command: 'dpkg -l' }] } },
        images: { base: {}, python },
      },
    });
  });

  it('is not changed by comments, key order or quoting', () => {
    const a = parseSpecs(fixture('good.yml'), 'specs.yml', '/ws');
    const b = parseSpecs(fixture('reordered.yml'), 'specs.yml', '/ws');
    expect(withoutLines(b)).toEqual(withoutLines(a));
    expect(b.images.map((i) => i.line)).toEqual([2, 3]);
  });

  it('reads an empty image entry as all defaults', () => {
    const specs = parseSpecs(`${HEAD}images:\n  base:\n  tools: ~\n  gcc: {}\n`, 'specs.yml', '/ws');
    for (const image of specs.images) {
      expect(image).toEqual({
        name: image.name,
        context: `images/${image.name}`,
        dockerfile: 'Dockerfile',
        args: {},
        versionArgs: {},
        skip: [],
        inputs: [],
        line: image.line,
        raw: {},
      });
    }
    expect(specs.images.map((i) => [i.name, i.line])).toEqual([
      ['base', 7],
      ['tools', 8],
      ['gcc', 9],
    ]);
    expect(specs.versions).toEqual([
      { name: '2026.1', args: {}, line: 4 },
      { name: '2026.2', args: {}, line: 5 },
    ]);
    expect(specs.source).toBeUndefined();
    expect(specs.inputs).toEqual([]);
  });

  it('keeps build arg values as written', () => {
    const specs = parseSpecs(
      `${HEAD}images:\n  py:\n    args: { A: 1.10, B: 0x1F, C: true, D: 1e3, E: "01", F: 007, G: -0.0, H: "", I: yes }\n`,
      'specs.yml',
      '/ws',
    );
    expect(specs.images[0].args).toEqual({ A: '1.10', B: '0x1F', C: 'true', D: '1e3', E: '01', F: '007', G: '-0.0', H: '', I: 'yes' });
    expect(specs.images[0].raw).toEqual({ args: specs.images[0].args });
  });

  it('keeps versions and images in file order, numeric names included', () => {
    const specs = parseSpecs(
      'registry: ghcr.io\nnamespace: org\nversions:\n  "2": {}\n  "10": {}\n  "1": {}\nimages:\n  zz:\n  "9":\n  aa:\n',
      'specs.yml',
      '/ws',
    );
    expect(specs.versions.map((v) => v.name)).toEqual(['2', '10', '1']);
    expect(specs.images.map((i) => i.name)).toEqual(['zz', '9', 'aa']);
  });

  it('follows YAML anchors and aliases', () => {
    const specs = parseSpecs(
      'registry: ghcr.io\nnamespace: org\nversions:\n  "a": { args: &common { X: 1.0 } }\n  "b": { args: *common }\nimages:\n  base:\n',
      'specs.yml',
      '/ws',
    );
    expect(specs.versions.map((v) => v.args)).toEqual([{ X: '1.0' }, { X: '1.0' }]);
  });

  it('normalizes a leading ./ of input globs', () => {
    const specs = parseSpecs(`${HEAD}inputs: [./scripts/**]\nimages:\n  base: { inputs: [./a/*.sh] }\n`, 'specs.yml', '/ws');
    expect(specs.inputs).toEqual(['scripts/**']);
    expect(specs.images[0].inputs).toEqual(['a/*.sh']);
  });

  it('keeps the manifest, checks and test sections as written', () => {
    const specs = parseSpecs(
      `${HEAD}defaults: { manifest: { timeout: 60 } }\nimages:\n  base:\n    manifest: { commands: [{ name: tini, command: tini --version }] }\n    checks: [{ name: os, command: cat /etc/os-release, match: bookworm }]\n    test: { command: sh run.sh, timeout: 30 }\n`,
      'specs.yml',
      '/ws',
    );
    expect(specs.images[0].raw).toEqual({
      manifest: { commands: [{ name: 'tini', command: 'tini --version' }] },
      checks: [{ name: 'os', command: 'cat /etc/os-release', match: 'bookworm' }],
      test: { command: 'sh run.sh', timeout: 30 },
    });
  });

  it('refuses bad manifest and checks settings before anything is built (promise 6)', () => {
    const bad = `${HEAD}images:\n  base:\n    manifest: { commands: [dpkg -l] }\n    checks: [{ run: x }]\n`;
    const found = problems(bad);
    expect(found.map((p) => [p.file, p.line, p.message])).toEqual([
      ['specs.yml', lineOf(bad, 'manifest:'), 'a manifest command must be a mapping'],
      ['specs.yml', lineOf(bad, 'checks:'), 'check #1 needs a name'],
    ]);
    for (const p of found) expect(p.fix).not.toBe('');
  });

  it('resolves file and root to absolute paths', () => {
    const specs = parseSpecs(`${HEAD}images:\n  base:\n`, 'specs.yml', 'relative/ws');
    expect(specs.root).toBe(path.resolve('relative/ws'));
    expect(specs.file).toBe(path.resolve('relative/ws/specs.yml'));
  });
});

describe('parseSpecs: version names are the text written', () => {
  it('keeps an unquoted 2026.10 as "2026.10", beside 2026.1', () => {
    const specs = parseSpecs(
      `registry: ghcr.io
namespace: org
versions:
  2026.1:
  2026.10:
    args: { V: 2026.10 }
images:
  a:
    skip: [2026.1]
    versions:
      2026.10: { args: { X: 1 } }
  b:
    skip:
      - 2026.10
`,
      'specs.yml',
      '/ws',
    );
    expect(specs.versions).toEqual([
      { name: '2026.1', args: {}, line: 4 },
      { name: '2026.10', args: { V: '2026.10' }, line: 5 },
    ]);
    expect(specs.images[0].skip).toEqual(['2026.1']);
    expect(specs.images[0].versionArgs).toEqual({ '2026.10': { X: '1' } });
    expect(specs.images[1].skip).toEqual(['2026.10']);
    expect(specs.raw.versions).toEqual({ '2026.1': {}, '2026.10': { args: { V: '2026.10' } } });
  });

  it('does not take an unquoted 2026.10 for a declared "2026.1"', () => {
    const p = problem(`registry: ghcr.io\nnamespace: org\nversions:\n  "2026.1":\nimages:\n  a: { skip: [2026.10] }\n`);
    expect(p).toEqual({
      file: 'specs.yml',
      line: 6,
      column: 15,
      message: 'image "a" skips "2026.10", which is not a declared version',
      fix: 'did you mean "2026.1"? The declared versions are "2026.1"',
    });
  });

  it('reports "2026.1" and 2026.1 as the same key twice', () => {
    const p = problem(`registry: ghcr.io\nnamespace: org\nversions:\n  "2026.1":\n  2026.1:\nimages:\n  a:\n`);
    expect(p).toMatchObject({ line: 5, column: 3, message: 'key "2026.1" appears more than once in the same mapping' });
    expect(p.fix).toContain('"2026.1" and 2026.1 are the same key');
  });
});

describe('parseSpecs: YAML errors', () => {
  it('reports a syntax error with its position', () => {
    const p = problems(`${HEAD}images:\n  base: { args: [a }\n`)[0];
    expect(p.file).toBe('specs.yml');
    expect(p.line).toBe(7);
    expect(p.message).toMatch(/^YAML syntax error: /);
    expect(p.fix).not.toBe('');
  });

  it('reports an unclosed quote', () => {
    const p = problem(`registry: "ghcr.io\nnamespace: org\n`);
    expect(p.message).toBe('YAML syntax error: Missing closing "quote');
    expect(p.fix).toBe('add the missing character');
  });

  it('reports tabs used for indentation', () => {
    const list = problems(`${HEAD}images:\n\tbase:\n`);
    expect(list[0]).toMatchObject({ line: 7, column: 1, message: 'YAML syntax error: Tabs are not allowed as indentation', fix: 'indent with spaces, not tabs' });
  });

  it('reports a duplicate key at its second occurrence', () => {
    const p = problem(`${HEAD}images:\n  base:\n  python:\n  base: {}\n`);
    expect(p).toEqual({
      file: 'specs.yml',
      line: 9,
      column: 3,
      message: 'key "base" appears more than once in the same mapping',
      fix: 'remove one of the entries or merge them; YAML does not allow a key twice (note that "2026.1" and 2026.1 are the same key)',
    });
  });

  /** A "billion laughs" document: `levels` anchors, each a list of 9 aliases of the one before. */
  const aliasBomb = (levels: number) => {
    let t = `${HEAD}images:\n  base:\nx0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n`;
    for (let i = 1; i <= levels; i++) t += `x${i}: &x${i} [${Array(9).fill(`*x${i - 1}`).join(', ')}]\n`;
    return t;
  };

  it('refuses a deep alias bomb at once, at its first alias, without expanding it', () => {
    // 9 levels stand for 9^10 (3.5 billion) values: expanding them hung imagestack for minutes.
    const text = aliasBomb(9);
    const p = problem(text);
    expect(p).toMatchObject({ file: 'specs.yml', line: lineOf(text, '*x0'), column: 10 });
    expect(p.message).toMatch(/YAML aliases .* expand to more than 10,000 values/);
    expect(p.fix).toMatch(/write the values out/);
  });

  it('refuses aliases that expand beyond the bound, and keeps those within it', () => {
    expect(problem(aliasBomb(5)).message).toMatch(/alias bomb/); // 9^6 = 531,441 values
    expect(problems(aliasBomb(3)).map((p) => p.message)).not.toContainEqual(expect.stringMatching(/alias/)); // 9^4 = 6,561
  });

  it('reports a second document', () => {
    const list = problems(`${HEAD}images:\n  base:\n---\nregistry: x\n`);
    expect(list[0]).toMatchObject({ line: 8, column: 1, message: 'YAML syntax error: the file holds more than one YAML document' });
    expect(list[0].fix).toMatch(/"---"/);
  });
});

describe('parseSpecs: schema violations in plain English', () => {
  it('reports an empty file', () => {
    expect(problem('# nothing yet\n')).toEqual({
      file: 'specs.yml',
      line: 1,
      column: 1,
      message: 'specs.yml is empty',
      fix: 'write the stack definition: registry, namespace, versions and images (see specs.schema.json)',
    });
  });

  it('reports a document that is not a mapping', () => {
    expect(problem('- base\n- python\n')).toMatchObject({ line: 1, column: 1, message: 'specs.yml must be a mapping, but it is a list' });
  });

  it('reports every missing required key', () => {
    const list = problems('source: https://example.org/x\n');
    expect(list.map((p) => [p.line, p.column, p.message])).toEqual([
      [1, 1, 'specs.yml has no "registry"'],
      [1, 1, 'specs.yml has no "namespace"'],
      [1, 1, 'specs.yml has no "versions"'],
      [1, 1, 'specs.yml has no "images"'],
    ]);
    expect(list[0].fix).toBe('add the registry host images are pushed to, e.g. "registry: ghcr.io" or "registry: 127.0.0.1:5000"');
  });

  it('points at an unknown key and suggests the close one', () => {
    const p = problem(`registry: ghcr.io\nnamespace: org\nversions: { "1": {} }\nimages:\n  python:\n    dockerfle: Dockerfile.py\n`);
    expect(p).toEqual({
      file: 'specs.yml',
      line: 6,
      column: 5,
      message: 'unknown key "dockerfle" in images.python',
      fix: 'did you mean "dockerfile"? Rename the key; the keys allowed in images.python are "context", "dockerfile", "args", "versions", "skip", "inputs", "platforms", "manifest", "checks", "test", "secrets" and "taggers"',
    });
  });

  it('suggests a top-level key', () => {
    const list = problems(`regsitry: ghcr.io\nnamespace: org\nversions: { "1": {} }\nimages: { a: }\n`);
    expect(list.map((p) => [p.line, p.column, p.message])).toEqual([
      [1, 1, 'specs.yml has no "registry"'],
      [1, 1, 'unknown key "regsitry" in the document'],
    ]);
    expect(list[1].fix).toMatch(/^did you mean "registry"\?/);
  });

  it('lists the allowed keys when none is close', () => {
    const p = problem(`${HEAD}images:\n  base:\n    colour: linux/arm64\n`);
    expect(p.message).toBe('unknown key "colour" in images.base');
    expect(p.fix).toBe(
      'remove it; the keys allowed in images.base are "context", "dockerfile", "args", "versions", "skip", "inputs", "platforms", "manifest", "checks", "test", "secrets" and "taggers"',
    );
    expect([p.line, p.column]).toEqual([8, 5]);
  });

  it('suggests "platforms" for "platform" (the key was added by issue 14; before, "platform" had no close key)', () => {
    const p = problem(`${HEAD}images:\n  base:\n    platform: linux/arm64\n`);
    expect(p.message).toBe('unknown key "platform" in images.base');
    expect(p.fix).toMatch(/^did you mean "platforms"\? Rename the key/);
    expect([p.line, p.column]).toEqual([8, 5]);
  });

  it('tells that build args go under args:', () => {
    const p = problem(`registry: ghcr.io\nnamespace: org\nversions:\n  "2026.1":\n    DEBIAN_RELEASE: bookworm\nimages: { a: }\n`);
    expect(p).toEqual({
      file: 'specs.yml',
      line: 5,
      column: 5,
      message: 'unknown key "DEBIAN_RELEASE" in versions."2026.1"',
      fix: 'build args go under "args:", e.g. args: { DEBIAN_RELEASE: ... }; the keys allowed in versions."2026.1" are "args"',
    });
  });

  it('reports wrong types, naming what was found', () => {
    const list = problems(
      `${HEAD}inputs: scripts/**\nimages:\n  base:\n    args: [A=1]\n    skip: "2026.1"\n    dockerfile: 3\n    checks: {}\n  python:\n    args: { A: { nested: 1 }, B: }\n`,
    );
    expect(list.map((p) => [p.line, p.column, p.message])).toEqual([
      [6, 9, 'inputs must be a list, but it is the string "scripts/**"'],
      [9, 11, 'images.base.args must be a mapping, but it is a list'],
      [10, 11, 'images.base.skip must be a list, but it is the string "2026.1"'],
      [11, 17, 'images.base.dockerfile must be a string, but it is the number 3'],
      [12, 13, 'images.base.checks must be a list, but it is a mapping'],
      [14, 16, 'images.python.args.A must be a string, a number or a boolean, but it is a mapping'],
      [14, 31, 'images.python.args.B must be a string, a number or a boolean, but it is empty'],
    ]);
    expect(list[1].fix).toBe('write a mapping instead, e.g. args: { DEBIAN_RELEASE: bookworm }');
    expect(list[2].fix).toBe('write a list instead, e.g. skip: [ "2026.1" ]');
    expect(list[6].fix).toBe('give it a value, or remove the key');
  });

  it('reports images written as a list', () => {
    expect(problem(`${HEAD}images: [base, python]\n`)).toEqual({
      file: 'specs.yml',
      line: 6,
      column: 9,
      message: 'images must be a mapping, but it is a list',
      fix: 'write a mapping instead, e.g. images: { base: {}, python: { args: { PIP_NO_CACHE_DIR: "1" } } }',
    });
  });

  it('reports empty versions and images', () => {
    const list = problems('registry: ghcr.io\nnamespace: org\nversions: {}\nimages: {}\n');
    expect(list.map((p) => [p.line, p.column, p.message])).toEqual([
      [3, 1, 'versions has no entries'],
      [4, 1, 'images has no entries'],
    ]);
    expect(list[0].fix).toBe('declare at least one, e.g. versions: { "2026.1": { args: { DEBIAN_RELEASE: bookworm } } }');
  });

  it('reports an empty versions section', () => {
    expect(problem('registry: ghcr.io\nnamespace: org\nversions:\nimages: { a: }\n')).toMatchObject({
      line: 3,
      column: 1,
      message: 'versions must be a mapping, but it is empty',
    });
  });

  it('reports a source that is not a URL', () => {
    expect(problem(`${HEAD}source: github.com/org/repo\nimages: { a: }\n`)).toEqual({
      file: 'specs.yml',
      line: 6,
      column: 9,
      message: 'source "github.com/org/repo" is not a URL',
      fix: 'write the URL of the source repository with its scheme, e.g. "source: https://github.com/org/repo"',
    });
  });

  it('reports a skip item listed twice', () => {
    expect(problem(`${HEAD}images:\n  a: { skip: ["2026.1", 2026.1] }\n`)).toMatchObject({
      line: 7,
      column: 25,
      message: 'images.a.skip lists "2026.1" more than once',
    });
  });
});

describe('parseSpecs: rules', () => {
  it('rejects a registry with a scheme', () => {
    expect(problem(`registry: https://ghcr.io/\nnamespace: org\nversions: { "1": }\nimages: { a: }\n`)).toEqual({
      file: 'specs.yml',
      line: 1,
      column: 11,
      message: 'registry "https://ghcr.io/" is not a registry host',
      fix: 'remove the scheme: write "ghcr.io"',
    });
  });

  it('rejects a registry with a path', () => {
    expect(problem(`registry: ghcr.io/my-org\nnamespace: images\nversions: { "1": }\nimages: { a: }\n`).fix).toBe(
      'the registry is the host only: write "ghcr.io" and put "my-org" into the namespace',
    );
  });

  it('rejects a registry that is no host', () => {
    expect(problem(`registry: "my registry"\nnamespace: images\nversions: { "1": }\nimages: { a: }\n`)).toMatchObject({
      line: 1,
      column: 11,
      message: 'registry "my registry" is not a registry host',
      fix: 'write a host name or IP address with an optional port and nothing else, e.g. "ghcr.io" or "127.0.0.1:5000"',
    });
  });

  it('rejects an invalid namespace and suggests a valid one', () => {
    expect(problem(`registry: ghcr.io\nnamespace: My_Org/Images/\nversions: { "1": }\nimages: { a: }\n`)).toEqual({
      file: 'specs.yml',
      line: 2,
      column: 12,
      message: 'namespace "My_Org/Images/" is not a repository path',
      fix: 'use path components of lowercase letters and digits, separated by ".", "_", "__" or "-", joined by "/", e.g. "my_org/images"',
    });
  });

  it('rejects version names that cannot be tags', () => {
    const long = 'v'.repeat(101);
    const ok = 'v'.repeat(100);
    const list = problems(`registry: ghcr.io\nnamespace: org\nversions:\n  "2026 1":\n  ".hidden":\n  ${long}:\n  ${ok}:\nimages: { a: }\n`);
    expect(list).toEqual([
      {
        file: 'specs.yml',
        line: 4,
        column: 3,
        message: 'version name "2026 1" cannot start a tag (tags are <version>-<sha7>)',
        fix: 'use only letters, digits, "_", "." and "-", not starting with "." or "-", e.g. "2026-1"',
      },
      {
        file: 'specs.yml',
        line: 5,
        column: 3,
        message: 'version name ".hidden" cannot start a tag (tags are <version>-<sha7>)',
        fix: 'use only letters, digits, "_", "." and "-", not starting with "." or "-", e.g. "hidden"',
      },
      {
        file: 'specs.yml',
        line: 6,
        column: 3,
        message: 'version name "vvvvvvvvvvvvvvvvvvvv…" is 101 characters long, more than 100',
        fix: 'shorten it to at most 100 characters, so that its tags (<version>-<sha7>, <version>-dirty-<12 hex>) fit in 128',
      },
    ]);
  });

  it('rejects image names that are not path components', () => {
    const list = problems(`${HEAD}images:\n  Python:\n  gcc/assert:\n  -x:\n`);
    expect(list.map((p) => [p.line, p.column, p.message])).toEqual([
      [7, 3, 'image name "Python" is not a valid repository name component'],
      [8, 3, 'image name "gcc/assert" is not a valid repository name component'],
      [9, 3, 'image name "-x" is not a valid repository name component'],
    ]);
    expect(list[0].fix).toBe(
      'use lowercase letters and digits, separated by ".", "_", "__" or "-", e.g. "python", and name the folder images/<name>/ the same',
    );
    expect(list[1].fix).toContain('e.g. "gcc-assert"');
  });

  it('rejects a repository name longer than 255 characters', () => {
    const name = 'a'.repeat(230);
    const p = problem(`${HEAD}images:\n  ok:\n  ${name}:\n`);
    // 127.0.0.1:5000/imagestack-example/ is 34 characters
    expect(p).toMatchObject({
      line: 8,
      column: 3,
      message: `repository name "127.0.0.1:5000/imagestack-example/${name}" is 264 characters long, more than 255`,
      fix: 'shorten the image name, the namespace or the registry by 9 characters',
    });
  });

  it('rejects two images that would get the same tag build arg', () => {
    expect(problem(`${HEAD}images:\n  gcc-assert:\n  gcc.assert:\n`)).toEqual({
      file: 'specs.yml',
      line: 8,
      column: 3,
      message: 'images "gcc-assert" and "gcc.assert" would both get the build arg GCC_ASSERT_TAG',
      fix: 'rename one of them so that their names differ in more than ".", "_" and "-"',
    });
  });

  it('rejects invalid and reserved build arg names everywhere', () => {
    const list = problems(`registry: ghcr.io
namespace: org
versions:
  "2026.1": { args: { REGISTRY: x, 1ST: y } }
images:
  gcc-assert:
    args: { "my-arg": 1, GCC_ASSERT_TAG: latest }
  python:
    versions:
      "2026.1": { args: { PYTHON_TAG: x, python_tag: ok } }
`);
    expect(list).toEqual([
      {
        file: 'specs.yml',
        line: 4,
        column: 23,
        message: 'build arg REGISTRY is reserved: imagestack passes REGISTRY to every build itself',
        fix: 'remove REGISTRY from "args"',
      },
      {
        file: 'specs.yml',
        line: 4,
        column: 36,
        message: 'build arg name "1ST" is not valid',
        fix: 'use letters, digits and "_", not starting with a digit, e.g. "_1ST"',
      },
      {
        file: 'specs.yml',
        line: 7,
        column: 13,
        message: 'build arg name "my-arg" is not valid',
        fix: 'use letters, digits and "_", not starting with a digit, e.g. "my_arg"',
      },
      {
        file: 'specs.yml',
        line: 7,
        column: 26,
        message: 'build arg GCC_ASSERT_TAG is reserved: imagestack passes GCC_ASSERT_TAG, the tag of image "gcc-assert", to every build itself',
        fix: 'remove GCC_ASSERT_TAG from "args"',
      },
      {
        file: 'specs.yml',
        line: 10,
        column: 27,
        message: 'build arg PYTHON_TAG is reserved: imagestack passes PYTHON_TAG, the tag of image "python", to every build itself',
        fix: 'remove PYTHON_TAG from "args"',
      },
    ]);
  });

  it('rejects undeclared versions in skip and per-image sections, suggesting the closest', () => {
    const list = problems(`${HEAD}images:\n  a:\n    skip: ["2025.1", "nightly"]\n    versions:\n      "2026.3": {}\n`);
    expect(list).toEqual([
      {
        file: 'specs.yml',
        line: 8,
        column: 12,
        message: 'image "a" skips "2025.1", which is not a declared version',
        fix: 'did you mean "2026.1"? The declared versions are "2026.1" and "2026.2"',
      },
      {
        file: 'specs.yml',
        line: 8,
        column: 22,
        message: 'image "a" skips "nightly", which is not a declared version',
        fix: 'remove it, or declare it under "versions"; the declared versions are "2026.1" and "2026.2"',
      },
      {
        file: 'specs.yml',
        line: 10,
        column: 7,
        message: 'image "a" has a section for version "2026.3", which is not a declared version',
        fix: 'did you mean "2026.1"? The declared versions are "2026.1" and "2026.2"',
      },
    ]);
  });

  it('rejects an image that skips every version', () => {
    expect(problem(`${HEAD}images:\n  a:\n  b:\n    skip: [2026.2, "2026.1"]\n`)).toEqual({
      file: 'specs.yml',
      line: 9,
      column: 5,
      message: 'image "b" skips every version ("2026.1" and "2026.2"), so it is never built',
      fix: 'remove at least one version from "skip", or remove the image',
    });
  });

  it('rejects input globs that are empty, absolute or reach outside', () => {
    const list = problems(`${HEAD}inputs: ["", "/etc/**"]\nimages:\n  a:\n    inputs:\n      - scripts/../../x\n      - " "\n`);
    expect(list).toEqual([
      { file: 'specs.yml', line: 6, column: 10, message: 'inputs[0] is an empty string', fix: 'write a value, or remove it' },
      {
        file: 'specs.yml',
        line: 6,
        column: 14,
        message: 'input glob "/etc/**" is an absolute path',
        fix: 'write it relative to the folder of specs.yml, e.g. "etc/**"',
      },
      {
        file: 'specs.yml',
        line: 10,
        column: 9,
        message: 'input glob "scripts/../../x" reaches outside the folder of specs.yml',
        fix: 'remove the ".." segments: inputs must be files inside the folder of specs.yml',
      },
      {
        file: 'specs.yml',
        line: 11,
        column: 9,
        message: 'input glob " " is blank',
        fix: 'write a glob such as "scripts/common/**", or remove the item',
      },
    ]);
  });

  it('rejects a context that is absolute, outside the workspace or the workspace itself', () => {
    const fix = (image: string) => `write a folder relative to the folder of specs.yml, e.g. "images/${image}" (the default)`;
    expect(problem(`${HEAD}images:\n  a: { context: /srv/images/a }\n`)).toEqual({
      file: 'specs.yml', line: 7, column: 17, message: 'context "/srv/images/a" of image "a" is an absolute path', fix: fix('a'),
    });
    expect(problem(`${HEAD}images:\n  a: { context: images/../../a }\n`)).toMatchObject({
      line: 7, message: 'context "images/../../a" of image "a" reaches outside the folder of specs.yml', fix: fix('a'),
    });
    expect(problem(`${HEAD}images:\n  a: { context: ./ }\n`)).toMatchObject({
      line: 7, message: 'context "./" of image "a" is the whole workspace: every file would be its input', fix: fix('a'),
    });
    expect(problem(`${HEAD}images:\n  a: { context: "" }\n`).message).toMatch(/images\.a\.context/);
  });

  it('normalizes a context and names it in the dockerfile problem', () => {
    const specs = parseSpecs(`${HEAD}images:\n  a: { context: ./images/a/variant/ }\n  b: {}\n`, 'specs.yml', '/ws');
    expect(specs.images.map((i) => i.context)).toEqual(['images/a/variant', 'images/b']);
    expect(problem(`${HEAD}images:\n  a: { context: images/a/variant, dockerfile: ../Dockerfile }\n`)).toMatchObject({
      message: 'dockerfile "../Dockerfile" of image "a" is outside its context images/a/variant/',
      fix: 'move the Dockerfile into images/a/variant/ and write its path relative to that folder, e.g. "Dockerfile"',
    });
  });

  it('rejects a dockerfile outside the context', () => {
    expect(problem(`${HEAD}images:\n  a: { dockerfile: ../common/Dockerfile }\n`)).toEqual({
      file: 'specs.yml',
      line: 7,
      column: 20,
      message: 'dockerfile "../common/Dockerfile" of image "a" is outside its context images/a/',
      fix: 'move the Dockerfile into images/a/ and write its path relative to that folder, e.g. "Dockerfile"',
    });
  });
});

describe('parseSpecs: every problem at once', () => {
  it('reports schema and rule problems together, in file order', () => {
    const text = `registry: ghcr.io/x
namespace: org
versions:
  "2026.1":
    args: { REGISTRY: r }
images:
  Base:
    skp: ["2026.1"]
  python:
    skip: ["2026.9"]
    inputs: [/abs]
`;
    const list = problems(text);
    expect(list.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
      '1:11 registry "ghcr.io/x" is not a registry host',
      '5:13 build arg REGISTRY is reserved: imagestack passes REGISTRY to every build itself',
      '7:3 image name "Base" is not a valid repository name component',
      '8:5 unknown key "skp" in images.Base',
      '10:12 image "python" skips "2026.9", which is not a declared version',
      '11:14 input glob "/abs" is an absolute path',
    ]);
    let err: unknown;
    try {
      parseSpecs(text, 'specs.yml', '/ws');
    } catch (e) {
      err = e;
    }
    expect((err as InputError).message).toContain('specs.yml:1:11: error: registry "ghcr.io/x" is not a registry host\n  fix: the registry is the host only');
    expect((err as InputError).message.split('\n')).toHaveLength(12);
  });

  it('reports YAML errors and invalid overrides together', () => {
    const list = problems('registry: [\n', { namespace: 'Bad' });
    expect(list[0]).toEqual({
      file: '--namespace',
      message: 'namespace "Bad" is not a repository path (from --namespace)',
      fix: 'use path components of lowercase letters and digits, separated by ".", "_", "__" or "-", joined by "/", e.g. "bad"',
    });
    expect(list[1].message).toMatch(/^YAML syntax error/);
  });
});

describe('parseSpecs: overrides', () => {
  const text = `${HEAD}images:\n  base:\n`;

  it('replace registry and namespace', () => {
    const specs = parseSpecs(text, 'specs.yml', '/ws', { registry: 'ghcr.io', namespace: 'my-org/images' });
    expect([specs.registry, specs.namespace]).toEqual(['ghcr.io', 'my-org/images']);
    expect(specs.raw.registry).toBe('127.0.0.1:5000');
  });

  it('are validated, named by their flag, without a line', () => {
    expect(problems(text, { registry: 'https://ghcr.io', namespace: '' })).toEqual([
      {
        file: '--registry',
        message: 'registry "https://ghcr.io" is not a registry host (from --registry)',
        fix: 'remove the scheme: write "ghcr.io"',
      },
      {
        file: '--namespace',
        message: 'namespace is empty (from --namespace)',
        fix: 'give a repository path such as "my-org/images", or leave it unset to use specs.yml',
      },
    ]);
  });

  it('are named by the environment variable they came from', () => {
    expect(problem(text, { registry: 'a b', registryFrom: 'IMAGESTACK_REGISTRY' })).toMatchObject({
      file: 'IMAGESTACK_REGISTRY',
      message: 'registry "a b" is not a registry host (from IMAGESTACK_REGISTRY)',
    });
  });

  it('count in the repository name length', () => {
    const p = problem(`${HEAD}images:\n  ${'a'.repeat(200)}:\n`, { namespace: `${'n'.repeat(50)}` });
    expect(p.message).toMatch(/is 266 characters long, more than 255$/);
  });
});

describe('parseSpecs: long values in messages', () => {
  it('are cut to 80 characters, saying how long they were (a 10 MB value was once echoed in full)', () => {
    const huge = 'x'.repeat(1_000_000); // 1 MB: enough to show the cut (10 MB took ~30 s of YAML parsing on a loaded 2-core machine)
    const texts = [
      `registry: "https://${huge}"\nnamespace: org\nversions: { "1": {} }\nimages: { base: {} }\n`, // rules.ts
      `registry: r.example\nnamespace: org\nversions: "${huge}"\nimages: { base: {} }\n`, // schema.ts
      `registry: r.example\nnamespace: org\nsource: "${huge}"\nversions: { "1": {} }\nimages: { base: {} }\n`, // schema.ts
      `registry: r.example\nnamespace: org\nversions: { "1": {} }\nimages: { base: { checks: [{ name: "${huge}", command: x, match: y }] } }\n`, // schema-messages.ts
    ];
    for (const text of texts) {
      const list = problems(text);
      expect(list.length).toBeGreaterThan(0);
      for (const p of list) {
        expect(p.message.length + p.fix.length, p.message.slice(0, 200)).toBeLessThan(600);
      }
      expect(list.map((p) => p.message).join('\n')).toMatch(/xxx…"? \(1[0-9,]+ characters\)/);
    }
  });
});

describe('loadSpecs', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'imagestack-specs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file; its folder is the root', async () => {
    const file = path.join(dir, 'specs.yml');
    writeFileSync(file, fixture('good.yml'));
    const specs = await loadSpecs(file, { registry: 'ghcr.io' });
    expect(specs.root).toBe(dir);
    expect(specs.file).toBe(file);
    expect(specs.registry).toBe('ghcr.io');
    expect(specs.images.map((i) => i.name)).toEqual(['base', 'python']);
  });

  it('names the file relative to the root in problems', async () => {
    const file = path.join(dir, 'bad.yml');
    writeFileSync(file, 'registry: ghcr.io\n');
    const err = await loadSpecs(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems.map((p) => p.file)).toEqual(['bad.yml', 'bad.yml', 'bad.yml']);
  });

  it('refuses a check whose schema file does not exist, before anything is built', async () => {
    const file = path.join(dir, 'checks.yml');
    const text = `${HEAD}images:\n  base:\n    checks:\n      - { name: sp, file: /sp.json, schema: schemas/sp.schema.json }\n      - { name: nope, file: /n.json, schema: schemas/nope.json }\n`;
    writeFileSync(file, text);
    mkdirSync(path.join(dir, 'schemas'), { recursive: true });
    writeFileSync(path.join(dir, 'schemas', 'sp.schema.json'), '{"type": "object"}');
    const err = await loadSpecs(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems).toEqual([
      {
        file: 'checks.yml',
        line: lineOf(text, 'nope.json'),
        column: text.split('\n')[lineOf(text, 'nope.json') - 1].indexOf('schemas/nope.json') + 1,
        message: 'check "nope": schema file schemas/nope.json does not exist (or is not a readable file)',
        fix: 'create it, or correct the path (relative to the folder of specs.yml, the workspace root)',
      },
    ]);
  });

  it('reports a missing file', async () => {
    const file = path.join(dir, 'missing', 'specs.yml');
    const err = await loadSpecs(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems).toEqual([
      { file, message: `${file} does not exist`, fix: 'create specs.yml in the workspace root, or give the path of the existing one' },
    ]);
  });
});
