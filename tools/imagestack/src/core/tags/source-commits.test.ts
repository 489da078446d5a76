import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GitError } from '../errors';
import {
  makeStack,
  removeTempDirs,
  specsYaml,
  tempDir,
  testGitEnv,
  TestRepo,
  workspaceFiles,
  type StackDef,
} from '../git/__fixtures__/test-repo';
import { computeSourceCommits } from './source-commits';

afterAll(removeTempDirs);

/** base → python → scipy, base → gcc → gcc-assert, and an unrelated `other`. */
const DEF: StackDef = {
  images: {
    base: {},
    python: { parents: ['base'], args: { PY: '3.11' } },
    scipy: { parents: ['python'] },
    gcc: { parents: ['base'] },
    'gcc-assert': { parents: ['gcc'] },
    other: {},
  },
};
const ALL_IMAGES = Object.keys(DEF.images);
const VERSIONS = ['2026.1', '2026.2'];

/** A repo with DEF committed once; returns the repo and that commit. */
function setup(def: StackDef = DEF) {
  const repo = TestRepo.create();
  const c1 = repo.commit('initial', workspaceFiles(def));
  return { repo, c1, stack: makeStack(repo.dir, def) };
}

/** node key → sha for every version of the given images. */
function expectAt(images: string[], sha: string, versions = VERSIONS): Record<string, string> {
  return Object.fromEntries(images.flatMap((i) => versions.map((v) => [`${i}@${v}`, sha])));
}

async function sources(repo: TestRepo, def: StackDef = DEF, head?: string): Promise<Record<string, string>> {
  const r = await computeSourceCommits(makeStack(repo.dir, def), { head });
  return Object.fromEntries(r.commits);
}

describe('computeSourceCommits', () => {
  it('gives every node the root commit in a one-commit repo', async () => {
    const { repo, c1, stack } = setup();
    const r = await computeSourceCommits(stack);
    expect(r.head).toBe(c1);
    expect(r.commitsRead).toBe(1);
    expect(Object.fromEntries(r.commits)).toEqual(expectAt(ALL_IMAGES, c1));
    // deterministic order: stack.order × versions
    expect([...r.commits.keys()].slice(0, 3)).toEqual(['base@2026.1', 'base@2026.2', 'python@2026.1']);
    void repo;
  });

  it('an unchanged image keeps its source commit across commits', async () => {
    const { repo, c1 } = setup();
    const c2 = repo.commit('gcc', { 'images/gcc/patch.txt': 'x' });
    const first = await sources(repo);
    expect(first['python@2026.1']).toBe(c1);
    expect(first['gcc@2026.1']).toBe(c2);
    const c3 = repo.commit('unrelated', { 'README.md': 'hello' });
    const c4 = repo.commit('python', { 'images/python/req.txt': 'numpy' });
    const second = await sources(repo);
    expect(second).toEqual({
      ...expectAt(['base', 'other'], c1),
      ...expectAt(['gcc', 'gcc-assert'], c2),
      ...expectAt(['python', 'scipy'], c4),
    });
    expect(Object.values(second)).not.toContain(c3);
  });

  it('a changed leaf moves only the leaf', async () => {
    const { repo, c1 } = setup();
    const c2 = repo.commit('leaf', { 'images/scipy/Dockerfile': 'FROM x\nRUN leaf\n' });
    expect(await sources(repo)).toEqual({
      ...expectAt(ALL_IMAGES.filter((i) => i !== 'scipy'), c1),
      ...expectAt(['scipy'], c2),
    });
  });

  it('a changed root image moves every descendant', async () => {
    const { repo, c1 } = setup();
    const c2 = repo.commit('base', { 'images/base/nested/deep/file': 'x' });
    repo.commit('outside', { 'images-other/base/x': 'y', 'images/base.txt': 'not a context', 'x/images/base/y': 'z' });
    expect(await sources(repo)).toEqual({
      ...expectAt(['other'], c1),
      ...expectAt(['base', 'python', 'scipy', 'gcc', 'gcc-assert'], c2),
    });
  });

  it('a deleted file in a context moves the image', async () => {
    const { repo } = setup();
    repo.commit('add', { 'images/gcc/extra': 'x' });
    repo.remove('images/gcc/extra');
    const c3 = repo.commit('delete');
    expect((await sources(repo))['gcc-assert@2026.2']).toBe(c3);
  });

  it('an edit of one image’s specs.yml entry moves that image and its descendants only', async () => {
    const { repo, c1 } = setup();
    const edited: StackDef = { images: { ...DEF.images, python: { parents: ['base'], args: { PY: '3.12' } } } };
    const c2 = repo.commit('py 3.12', { 'specs.yml': specsYaml(edited) });
    expect(await sources(repo, edited)).toEqual({
      ...expectAt(['base', 'gcc', 'gcc-assert', 'other'], c1),
      ...expectAt(['python', 'scipy'], c2),
    });
  });

  it('a comment-only or key-reordering edit of specs.yml moves nothing', async () => {
    const { repo, c1 } = setup();
    repo.commit('comment', { 'specs.yml': `# the stack\n${specsYaml(DEF)}# end\n` });
    // Same document, keys in another order and another quoting style.
    const reordered =
      `images:\n` +
      Object.keys(DEF.images)
        .reverse()
        .map((n) => {
          const args = DEF.images[n].args;
          return args ? `  "${n}":\n    args: { "PY": '3.11' }\n` : `  ${n}: {}\n`;
        })
        .join('') +
      `versions:\n  "2026.2": { args: { VERSION: "2026.2" } }\n  '2026.1':\n    args:\n      VERSION: '2026.1'\n` +
      `namespace: test\nregistry: 127.0.0.1:5000\n`;
    const c3 = repo.commit('reorder', { 'specs.yml': reordered });
    const r = await computeSourceCommits(makeStack(repo.dir, DEF, reordered));
    expect(Object.fromEntries(r.commits)).toEqual(expectAt(ALL_IMAGES, c1));
    expect(r.commitsRead).toBe(3);
    void c3;
  });

  it('version-specific args move only that version’s nodes', async () => {
    const { repo, c1 } = setup();
    const doc = specsYaml(DEF).replace(
      /(\n {2}python:\n)/,
      `$1    versions:\n      "2026.2":\n        args:\n          EXTRA: "1"\n`,
    );
    expect(doc).toContain('EXTRA');
    const c2 = repo.commit('2026.2 only', { 'specs.yml': doc });
    expect(await sources(repo)).toEqual({
      ...expectAt(ALL_IMAGES, c1, ['2026.1']),
      ...expectAt(['base', 'gcc', 'gcc-assert', 'other'], c1, ['2026.2']),
      ...expectAt(['python', 'scipy'], c2, ['2026.2']),
    });
    // Stack-wide args of a version move every image of that version only.
    const c3 = repo.commit('stack-wide 2026.1', {
      'specs.yml': doc.replace('VERSION: "2026.1"', 'VERSION: "2026.1b"'),
    });
    const after = await sources(repo);
    expect(after).toEqual({
      ...expectAt(ALL_IMAGES, c3, ['2026.1']),
      ...expectAt(['base', 'gcc', 'gcc-assert', 'other'], c1, ['2026.2']),
      ...expectAt(['python', 'scipy'], c2, ['2026.2']),
    });
  });

  it('reads version keys as text the way the loader does (2026.10 is not 2026.1)', async () => {
    const def: StackDef = { images: { a: {}, b: { parents: ['a'] }, c: {} }, versions: ['2026.1', '2026.10'] };
    const text = (bArgs: string, ten: string) =>
      `registry: 127.0.0.1:5000\nnamespace: test\nversions:\n  2026.1:\n    args: { VERSION: one }\n` +
      `  2026.10:\n    args: { VERSION: ${ten} }\nimages:\n  a: {}\n  b:\n    versions:\n      2026.10:\n` +
      `        args: { X: ${bArgs} }\n  c: {}\n`;
    const repo = TestRepo.create();
    const c1 = repo.commit('initial', { ...workspaceFiles(def), 'specs.yml': text('1', 'ten') });
    const c2 = repo.commit('b 2026.10', { 'specs.yml': text('2', 'ten') });
    expect(await sources(repo, def)).toEqual({
      ...expectAt(['a', 'b', 'c'], c1, ['2026.1']),
      ...expectAt(['a', 'c'], c1, ['2026.10']),
      'b@2026.10': c2,
    });
    // `3.10` and `3.1` are different build arg values.
    const c3 = repo.commit('ten', { 'specs.yml': text('2', '3.10') });
    const c4 = repo.commit('ten again', { 'specs.yml': text('2', '3.1') });
    void c3;
    expect(await sources(repo, def)).toEqual({
      ...expectAt(['a', 'b', 'c'], c1, ['2026.1']),
      ...expectAt(['a', 'b', 'c'], c4, ['2026.10']),
    });
  });

  it('an unparseable specs.yml in history moves everything', async () => {
    const { repo } = setup();
    repo.commit('broken', { 'specs.yml': 'images: [unclosed\n' });
    const c3 = repo.commit('fixed', { 'specs.yml': specsYaml(DEF) });
    expect(await sources(repo)).toEqual(expectAt(ALL_IMAGES, c3));
  });

  it('a stack-wide input glob moves every image', async () => {
    const def: StackDef = { ...DEF, inputs: ['shared/**', '.github/*.yml'] };
    const { repo, c1 } = setup(def);
    repo.commit('unmatched', { 'shared-not/x': '1', 'README.md': 'x' });
    expect(await sources(repo, def)).toEqual(expectAt(ALL_IMAGES, c1));
    const c3 = repo.commit('dotfile', { '.github/ci.yml': 'on: push' });
    expect(await sources(repo, def)).toEqual(expectAt(ALL_IMAGES, c3));
    const c4 = repo.commit('shared', { 'shared/deep/x.sh': 'echo' });
    expect(await sources(repo, def)).toEqual(expectAt(ALL_IMAGES, c4));
  });

  it('uses each commit’s own stack-wide globs: adding or removing one moves every tag', async () => {
    const def: StackDef = { ...DEF, inputs: ['scripts/common/**'] };
    const repo = TestRepo.create();
    const c1 = repo.commit('initial', { ...workspaceFiles(DEF), 'scripts/common/env.sh': 'A=1' });
    const c2 = repo.commit('glob', { 'specs.yml': specsYaml(def) });
    expect(await sources(repo, def)).toEqual(expectAt(ALL_IMAGES, c2));
    repo.commit('edit under the glob', { 'scripts/common/env.sh': 'A=2' });
    const c4 = repo.commit('glob removed', { 'specs.yml': specsYaml(DEF) });
    repo.commit('edit, no longer an input', { 'scripts/common/env.sh': 'A=3' });
    expect(await sources(repo)).toEqual(expectAt(ALL_IMAGES, c4));
    void c1;
  });

  it('an extra-input glob of one image moves that image and its descendants', async () => {
    const def: StackDef = { images: { ...DEF.images, gcc: { parents: ['base'], inputs: ['toolchains/*.txt'] } } };
    const { repo, c1 } = setup(def);
    repo.commit('no match', { 'toolchains/sub/x.txt': 'deep', 'toolchains/x.md': 'md' });
    expect(await sources(repo, def)).toEqual(expectAt(ALL_IMAGES, c1));
    const c3 = repo.commit('match', { 'toolchains/gcc-14.txt': '14' });
    expect(await sources(repo, def)).toEqual({
      ...expectAt(['base', 'python', 'scipy', 'other'], c1),
      ...expectAt(['gcc', 'gcc-assert'], c3),
    });
  });

  it('a --no-ff merge on main moves the merged image’s descendants to the merge commit', async () => {
    const { repo, c1 } = setup();
    repo.git('checkout', '-q', '-b', 'feature');
    repo.commit('f1', { 'images/python/a': '1' });
    repo.commit('f2', { 'images/python/b': '2' });
    repo.git('checkout', '-q', 'main');
    const c2 = repo.commit('other on main', { 'images/other/x': '1' });
    repo.git('merge', '-q', '--no-ff', 'feature', '-m', 'merge feature');
    const m = repo.head();
    const c3 = repo.commit('after', { 'README.md': 'x' });
    const r = await computeSourceCommits(makeStack(repo.dir, DEF));
    expect(r.head).toBe(c3);
    expect(Object.fromEntries(r.commits)).toEqual({
      ...expectAt(['base', 'gcc', 'gcc-assert'], c1),
      ...expectAt(['python', 'scipy'], m),
      ...expectAt(['other'], c2),
    });
  });

  it('works with the workspace in a subfolder of the repository', async () => {
    const repo = TestRepo.create();
    const c1 = repo.commit('initial', { ...workspaceFiles(DEF, 'tools/ws/'), 'README.md': 'x' });
    const root = path.join(repo.dir, 'tools', 'ws');
    repo.commit('outside', { 'images/python/x': 'not ours', 'tools/images/base/y': 'nor this', 'specs.yml': 'x' });
    const c3 = repo.commit('inside', { 'tools/ws/images/gcc/z': 'ours' });
    const edited: StackDef = { images: { ...DEF.images, python: { parents: ['base'], args: { PY: '3.13' } } } };
    const c4 = repo.commit('specs', { 'tools/ws/specs.yml': specsYaml(edited) });
    const r = await computeSourceCommits(makeStack(root, edited));
    expect(Object.fromEntries(r.commits)).toEqual({
      ...expectAt(['base', 'other'], c1),
      ...expectAt(['gcc', 'gcc-assert'], c3),
      ...expectAt(['python', 'scipy'], c4),
    });
  });

  it('with explain, says why each node resolved where it did', async () => {
    const { repo } = setup();
    repo.commit('python', { 'images/python/req.txt': 'numpy' });
    const edited: StackDef = { images: { ...DEF.images, gcc: { parents: ['base'], args: { CC: '14' } } } };
    repo.commit('gcc args', { 'specs.yml': specsYaml(edited) });
    const r = await computeSourceCommits(makeStack(repo.dir, edited), { explain: true });
    const why = Object.fromEntries(r.why!);
    expect(why['python@2026.1']).toBe('input images/python/req.txt changed');
    expect(why['scipy@2026.2']).toBe('ancestor python moved: input images/python/req.txt changed');
    expect(why['gcc@2026.1']).toMatch(/^its meaning in specs\.yml changed/);
    expect(why['gcc-assert@2026.1']).toMatch(/^ancestor gcc moved: its meaning in specs\.yml changed/);
    expect(why['base@2026.1']).toBe('the root commit (everything in it is new)');
    expect(Object.keys(why)).toEqual([...r.commits.keys()]);
    // Off by default.
    expect((await computeSourceCommits(makeStack(repo.dir, edited))).why).toBeUndefined();
  });

  it('stops reading history as soon as every node is resolved', async () => {
    const def: StackDef = { images: { a: {}, b: { parents: ['a'] }, c: {} } };
    const repo = TestRepo.create();
    repo.commit('initial', workspaceFiles(def));
    for (let i = 0; i < 15; i++) repo.commit(`noise ${i}`, { 'README.md': String(i) });
    const c = repo.commit('touch c', { 'images/c/x': '1' });
    const a = repo.commit('touch a', { 'images/a/x': '1' });
    const r = await computeSourceCommits(makeStack(repo.dir, def));
    expect(r.commitsRead).toBe(2);
    expect(Object.fromEntries(r.commits)).toEqual({ ...expectAt(['a', 'b'], a), ...expectAt(['c'], c) });
  });

  it('leaves out skipped versions', async () => {
    const def: StackDef = { images: { a: {}, b: { parents: ['a'], skip: ['2026.1'] }, c: { parents: ['b'] } } };
    const { repo, c1 } = setup(def);
    const c2 = repo.commit('a', { 'images/a/x': '1' });
    const r = await sources(repo, def);
    expect(r).toEqual({ ...expectAt(['a', 'c'], c2), 'b@2026.2': c2 });
    void c1;
  });

  it('honours --head and names an unknown head', async () => {
    const { repo, c1 } = setup();
    const c2 = repo.commit('base', { 'images/base/x': '1' });
    repo.commit('other', { 'images/other/x': '1' });
    const r = await computeSourceCommits(makeStack(repo.dir, DEF), { head: 'HEAD~1' });
    expect(r.head).toBe(c2);
    expect(Object.fromEntries(r.commits)).toEqual({
      ...expectAt(['other'], c1),
      ...expectAt(ALL_IMAGES.filter((i) => i !== 'other'), c2),
    });
    const err = await computeSourceCommits(makeStack(repo.dir, DEF), { head: 'release/9' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as Error).message).toContain("unknown ref 'release/9'");
  });

  describe('shallow clones', () => {
    function cloneWithDepth(origin: TestRepo, depth: number): string {
      const dir = path.join(tempDir(), 'clone');
      execFileSync('git', ['clone', '-q', '--depth', String(depth), `file://${origin.dir}`, dir], {
        env: testGitEnv(),
      });
      return dir;
    }

    it('fails with the exact fix when the boundary is needed', async () => {
      const { repo } = setup();
      repo.commit('two', { 'images/other/x': '1' });
      const clone = cloneWithDepth(repo, 1);
      const err = await computeSourceCommits(makeStack(clone, DEF)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GitError);
      expect((err as GitError).message).toMatch(/^history is shallow/);
      expect((err as GitError).fix).toBe(
        'fetch the full history with `git fetch --unshallow` (in GitHub Actions, give actions/checkout `fetch-depth: 0`)',
      );
      // depth 2: `other` resolves at HEAD, the rest need the boundary commit's parent
      await expect(computeSourceCommits(makeStack(cloneWithDepth(repo, 2), DEF))).rejects.toThrow(
        /history is shallow.*base@2026\.1/s,
      );
    });

    it('succeeds when every node resolves before the boundary', async () => {
      const { repo } = setup();
      repo.commit('two', { 'images/other/x': '1' });
      const c3 = repo.commit('three', { 'images/base/x': '1', 'images/other/x': '2' });
      const clone = cloneWithDepth(repo, 2);
      const r = await computeSourceCommits(makeStack(clone, DEF));
      expect(r.commitsRead).toBe(1);
      expect(Object.fromEntries(r.commits)).toEqual(expectAt(ALL_IMAGES, c3));
    });
  });
});
