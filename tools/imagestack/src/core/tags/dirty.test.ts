import { chmodSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  makeStack,
  removeTempDirs,
  specsYaml,
  TestRepo,
  workspaceFiles,
  type StackDef,
} from '../git/__fixtures__/test-repo';
import { computeDirty, parseStatus } from './dirty';

afterAll(removeTempDirs);

const DEF: StackDef = {
  images: {
    base: {},
    python: { parents: ['base'], args: { PY: '3.11' } },
    scipy: { parents: ['python'] },
    gcc: { parents: ['base'], inputs: ['toolchains/**'] },
    other: { skip: ['2026.1'] },
  },
  inputs: ['shared/**'],
};

function setup(prefix = '') {
  const repo = TestRepo.create();
  repo.commit('initial', { ...workspaceFiles(DEF, prefix), [`${prefix}images/python/req.txt`]: 'numpy\n' });
  repo.write({ '.gitignore': 'ignored/\n*.log\n' });
  repo.commit('ignore');
  const root = path.join(repo.dir, prefix);
  return { repo, root, stack: () => makeStack(root, DEF) };
}

const keys = (m: Map<string, string>) => [...m.keys()].sort();
const nodes = (images: string[], versions = ['2026.1', '2026.2']) =>
  images.flatMap((i) => versions.map((v) => `${i}@${v}`)).sort();

describe('computeDirty', () => {
  it('a clean tree gives an empty map; ignored files do not count', async () => {
    const { repo, stack } = setup();
    expect((await computeDirty(stack())).size).toBe(0);
    repo.write({ 'images/python/ignored/x': '1', 'images/python/build.log': 'log', 'README.md': 'outside' });
    expect((await computeDirty(stack())).size).toBe(0);
  });

  it('a modified file dirties the image and its descendants, with 12-hex hashes', async () => {
    const { repo, stack } = setup();
    repo.write({ 'images/python/req.txt': 'numpy\nscipy\n' });
    const dirty = await computeDirty(stack());
    expect(keys(dirty)).toEqual(nodes(['python', 'scipy']));
    for (const h of dirty.values()) expect(h).toMatch(/^[0-9a-f]{12}$/);
    expect(dirty.get('python@2026.1')).not.toBe(dirty.get('python@2026.2'));
    expect(dirty.get('python@2026.1')).not.toBe(dirty.get('scipy@2026.1'));
  });

  it('an untracked file dirties its image', async () => {
    const { repo, stack } = setup();
    repo.write({ 'images/gcc/new/deep/file.c': 'int x;' });
    expect(keys(await computeDirty(stack()))).toEqual(nodes(['gcc']));
  });

  it('a deleted file dirties its image', async () => {
    const { repo, stack } = setup();
    repo.remove('images/scipy/Dockerfile');
    expect(keys(await computeDirty(stack()))).toEqual(nodes(['scipy']));
  });

  it('a staged change dirties its image and its descendants', async () => {
    const { repo, stack } = setup();
    repo.write({ 'images/base/motd': 'hi' });
    repo.git('add', 'images/base/motd');
    expect(keys(await computeDirty(stack()))).toEqual([...nodes(['base', 'python', 'scipy', 'gcc'])].sort());
  });

  it('an extra-input glob and a stack-wide glob map like source commits', async () => {
    const { repo, stack } = setup();
    repo.write({ 'toolchains/gcc.txt': '14' });
    expect(keys(await computeDirty(stack()))).toEqual(nodes(['gcc']));
    repo.write({ 'shared/x': '1' });
    expect(keys(await computeDirty(stack()))).toEqual(
      [...nodes(['base', 'python', 'scipy', 'gcc']), 'other@2026.2'].sort(),
    );
  });

  it('specs.yml edits count by meaning', async () => {
    const { repo, stack } = setup();
    repo.write({ 'specs.yml': `# only a comment\n${specsYaml(DEF)}` });
    expect((await computeDirty(stack())).size).toBe(0);
    const edited: StackDef = { ...DEF, images: { ...DEF.images, python: { parents: ['base'], args: { PY: '3.12' } } } };
    repo.write({ 'specs.yml': specsYaml(edited) });
    const dirty = await computeDirty(makeStack(repo.dir, edited));
    expect(keys(dirty)).toEqual(nodes(['python', 'scipy']));
    // A second meaningful edit gives other hashes.
    const again: StackDef = { ...DEF, images: { ...DEF.images, python: { parents: ['base'], args: { PY: '3.13' } } } };
    repo.write({ 'specs.yml': specsYaml(again) });
    const dirty2 = await computeDirty(makeStack(repo.dir, again));
    expect(dirty2.get('python@2026.1')).not.toBe(dirty.get('python@2026.1'));
  });

  it('the hash is stable for the same tree and changes with a further edit', async () => {
    const { repo, stack } = setup();
    repo.write({ 'images/base/a': '1', 'images/python/req.txt': 'pandas\n' });
    const first = await computeDirty(stack());
    const second = await computeDirty(stack());
    expect(second).toEqual(first);
    // An edit to python's input changes python's and scipy's hashes, not base's or gcc's.
    repo.write({ 'images/python/req.txt': 'pandas\npolars\n' });
    const third = await computeDirty(stack());
    expect(third.get('base@2026.1')).toBe(first.get('base@2026.1'));
    expect(third.get('gcc@2026.1')).toBe(first.get('gcc@2026.1'));
    expect(third.get('python@2026.1')).not.toBe(first.get('python@2026.1'));
    expect(third.get('scipy@2026.2')).not.toBe(first.get('scipy@2026.2'));
    // Only the executable bit changes: another hash.
    chmodSync(path.join(repo.dir, 'images/base/a'), 0o755);
    const fourth = await computeDirty(stack());
    expect(fourth.get('base@2026.1')).not.toBe(third.get('base@2026.1'));
    // Back to the first tree: the first hashes again.
    chmodSync(path.join(repo.dir, 'images/base/a'), 0o644);
    repo.write({ 'images/python/req.txt': 'pandas\n' });
    expect(await computeDirty(stack())).toEqual(first);
  });

  it('works with the workspace in a subfolder', async () => {
    const { repo, stack } = setup('ws/');
    repo.write({ 'images/python/x': 'outside the workspace', 'ws/images/scipy/x': 'inside' });
    expect(keys(await computeDirty(stack()))).toEqual(nodes(['scipy']));
    const edited: StackDef = { ...DEF, images: { ...DEF.images, gcc: { parents: ['base'], args: { CC: 'clang' } } } };
    repo.write({ 'ws/specs.yml': specsYaml(edited) });
    expect(keys(await computeDirty(makeStack(path.join(repo.dir, 'ws'), edited)))).toEqual(
      nodes(['scipy', 'gcc']),
    );
  });

  it('parseStatus reads porcelain v1 -z entries, renames with their origin', () => {
    expect(parseStatus(' M a b\0?? new\0R  to\0from\0D  gone\0')).toEqual([
      { index: ' ', worktree: 'M', path: 'a b' },
      { index: '?', worktree: '?', path: 'new' },
      { index: 'R', worktree: ' ', path: 'to' },
      { index: 'D', worktree: ' ', path: 'from' },
      { index: 'D', worktree: ' ', path: 'gone' },
    ]);
  });
});
