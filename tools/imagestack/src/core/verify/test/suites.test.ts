import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../errors';
import type { Stack, StackImage } from '../../graph/types';
import { parseSpecs } from '../../specs/load';
import { checkTestSettings, finalBaseChain, testSuites } from './suites';

const ROOT = '/ws';

/**
 * base ← python ← scipy; base ← gcc ← gcc-assert; toolbox: final stage FROM base, a build
 * stage FROM gcc and files from python. Test folders exist for the images in `folders`.
 */
function stack(tests: string, folders: string[] = []): { stack: Stack; exists: (p: string) => boolean } {
  const specs = parseSpecs(
    `registry: r.example\nnamespace: ns\nversions: { "1": {} }\n${tests}`,
    'specs.yml',
    ROOT,
  );
  const finalBases: Record<string, string | undefined> = { base: undefined, python: 'base', scipy: 'python', gcc: 'base', 'gcc-assert': 'gcc', toolbox: 'base' };
  const parents: Record<string, string[]> = { base: [], python: ['base'], scipy: ['python'], gcc: ['base'], 'gcc-assert': ['gcc'], toolbox: ['gcc', 'python', 'base'] };
  const images = new Map<string, StackImage>(
    specs.images.map((spec) => [
      spec.name,
      {
        name: spec.name,
        spec,
        dockerfile: `images/${spec.name}/Dockerfile`,
        parents: parents[spec.name].map((image) => ({ image, instruction: 'FROM' as const, line: 1, tagArg: 'X_TAG' })),
        externalBases: [],
        finalBase: finalBases[spec.name] ? { image: finalBases[spec.name]! } : { reference: 'debian:bookworm-slim', raw: 'debian:bookworm-slim' },
      },
    ]),
  );
  const order = ['base', 'python', 'scipy', 'gcc', 'gcc-assert', 'toolbox'];
  const s: Stack = {
    specs,
    images,
    order,
    waves: new Map(),
    ancestors: () => [],
    descendants: () => [],
  };
  const existing = new Set(folders.map((f) => path.join(ROOT, f)));
  return { stack: s, exists: (p) => existing.has(p) };
}

const ALL = `images:
  base: { test: { command: "sh /imagestack/test/run.sh", inherit: true, timeout: 60 } }
  python: { test: { command: "sh /imagestack/test/run.sh", inherit: true } }
  scipy: { test: { command: "sh /imagestack/test/run.sh" } }
  gcc: { test: { command: "sh /imagestack/test/run.sh", inherit: true } }
  gcc-assert: { test: { command: "sh /imagestack/test/run.sh" } }
  toolbox: { test: { command: "sh /imagestack/test/run.sh" } }
`;
const FOLDERS = ['images/base/test', 'images/python/test', 'images/scipy/test', 'images/gcc/test', 'images/gcc-assert/test', 'images/toolbox/test'];

describe('finalBaseChain', () => {
  it('follows final-stage bases only, nearest first', () => {
    const { stack: s } = stack(ALL);
    expect(finalBaseChain(s, 'scipy')).toEqual(['python', 'base']);
    expect(finalBaseChain(s, 'toolbox')).toEqual(['base']);
    expect(finalBaseChain(s, 'base')).toEqual([]);
  });
});

describe('testSuites', () => {
  it("runs inherited suites root first, then the image's own", () => {
    const { stack: s, exists } = stack(ALL, FOLDERS);
    const suites = testSuites(s, 'scipy', exists);
    expect(suites.map((x) => [x.name, x.owner, x.inherited])).toEqual([
      ['base (inherited)', 'base', true],
      ['python (inherited)', 'python', true],
      ['scipy', 'scipy', false],
    ]);
    expect(suites[0].settings.timeoutSeconds).toBe(60); // the owner's settings
    expect(suites[0].folder).toBe(path.join(ROOT, 'images/base/test'));
    expect(suites[2].argv).toEqual(['sh', '-c', 'sh /imagestack/test/run.sh']);
  });

  it('adds host suites after the in-image suite of the same image, inherited ones too', () => {
    const { stack: s, exists } = stack(
      `images:
  base: { test: { host: "pytest images/base/host", inherit: true } }
  python: { test: { command: "sh /imagestack/test/run.sh", host: "pytest images/python/host" } }
  scipy: { test: { host: "pytest images/scipy/test" } }
  gcc: {}
  gcc-assert: {}
  toolbox: {}
`,
      ['images/python/test', 'images/scipy/test'],
    );
    const suites = testSuites(s, 'python', exists);
    expect(suites.map((x) => [x.name, x.owner, x.inherited, x.host ?? false])).toEqual([
      ['base (host, inherited)', 'base', true, true],
      ['python', 'python', false, false],
      ['python (host)', 'python', false, true],
    ]);
    expect(suites[2].argv).toEqual(['sh', '-c', 'pytest images/python/host']);
    // scipy's test folder is its host suite's: no "holds tests, but no command" problem, nothing copied in.
    expect(testSuites(s, 'scipy', exists).map((x) => x.name)).toEqual(['base (host, inherited)', 'scipy (host)']);
    expect(checkTestSettings(s, exists)).toEqual([]);
  });

  it('does not inherit from build-stage parents or COPY --from sources', () => {
    const { stack: s, exists } = stack(ALL, FOLDERS);
    // toolbox: a build stage FROM gcc (inherit: true) and files from python (inherit: true); final stage FROM base.
    expect(testSuites(s, 'toolbox', exists).map((x) => x.name)).toEqual(['base (inherited)', 'toolbox']);
  });

  it('does not inherit suites without inherit: true', () => {
    const { stack: s, exists } = stack(ALL, FOLDERS);
    expect(testSuites(s, 'gcc-assert', exists).map((x) => x.name)).toEqual(['base (inherited)', 'gcc (inherited)', 'gcc-assert']);
    const { stack: s2, exists: e2 } = stack(ALL.replace(/inherit: true/g, 'inherit: false'), FOLDERS);
    expect(testSuites(s2, 'scipy', e2).map((x) => x.name)).toEqual(['scipy']);
  });

  it('has no tests without a command and without a folder', () => {
    const { stack: s, exists } = stack('images: { base: {}, python: {}, scipy: {}, gcc: {}, gcc-assert: {}, toolbox: {} }');
    expect(testSuites(s, 'scipy', exists)).toEqual([]);
  });

  it('runs a command-only suite (no folder) and copies nothing', () => {
    const { stack: s, exists } = stack('images: { base: {}, python: { test: { command: "python3 -c 1" } }, scipy: {}, gcc: {}, gcc-assert: {}, toolbox: {} }');
    const [suite] = testSuites(s, 'python', exists);
    expect(suite.folder).toBeUndefined();
    expect(suite.argv).toEqual(['sh', '-c', 'python3 -c 1']);
  });

  it('runs the default command only in images with a test folder', () => {
    const { stack: s, exists } = stack(
      'defaults: { test: { command: "sh /imagestack/test/run.sh" } }\nimages: { base: {}, python: {}, scipy: {}, gcc: {}, gcc-assert: {}, toolbox: {} }',
      ['images/python/test'],
    );
    expect(testSuites(s, 'python', exists).map((x) => x.name)).toEqual(['python']);
    expect(testSuites(s, 'gcc', exists)).toEqual([]);
  });

  it('uses a declared folder relative to the context', () => {
    const { stack: s, exists } = stack(
      'images: { base: { test: { command: "x", folder: spec/unit } }, python: {}, scipy: {}, gcc: {}, gcc-assert: {}, toolbox: {} }',
      ['images/base/spec/unit'],
    );
    expect(testSuites(s, 'base', exists)[0].folder).toBe(path.join(ROOT, 'images/base/spec/unit'));
  });

  it('throws one InputError listing the problems of the image and its chain', () => {
    // A bad setting (timeout: "1m") now stops when specs.yml is loaded (schema: definition
    // `test`); the stack's own problems (folders and commands) are found here, as before.
    const settings = `images:
  base: { test: { inherit: true, timeout: "1m" } }
  python: { test: { folder: nope, command: "x" } }
  scipy: {}
  gcc: {}
  gcc-assert: {}
  toolbox: {}
`;
    expect(loadProblems(settings)).toEqual(['images.base.test.timeout must be a positive number of seconds']);
    const { stack: s, exists } = stack(settings.replace('timeout: "1m"', 'timeout: 60'), ['images/base/test']);
    let err: unknown;
    try {
      testSuites(s, 'python', exists);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems.map((p) => p.message)).toEqual([
      'images/base/test/ holds tests, but images.base.test has no command to run them',
      'images.python.test.folder is nope, but images/python/nope/ does not exist',
    ]);
  });
});

/** The messages of the problems parseSpecs finds in `tests` (after the stack's head). */
function loadProblems(tests: string): string[] {
  try {
    stack(tests);
  } catch (e) {
    return (e as InputError).problems.map((p) => p.message);
  }
  return [];
}

describe('checkTestSettings', () => {
  it('finds every problem of the stack once', () => {
    // The unknown key stops at load time (once, at its line); the folder without a command is the stack's.
    const images = 'images: { base: {}, python: {}, scipy: {}, gcc: {}, gcc-assert: {}, toolbox: {} }';
    expect(loadProblems(`defaults: { test: { comand: x } }\n${images}`)).toEqual(['unknown key "comand" in defaults.test']);
    const { stack: s, exists } = stack(`defaults: { test: {} }\n${images}`, ['images/gcc/test']);
    expect(checkTestSettings(s, exists).map((p) => p.message)).toEqual(['images/gcc/test/ holds tests, but images.gcc.test has no command to run them']);
  });

  it('finds nothing wrong in a valid stack', () => {
    const { stack: s, exists } = stack(ALL, FOLDERS);
    expect(checkTestSettings(s, exists)).toEqual([]);
  });
});
