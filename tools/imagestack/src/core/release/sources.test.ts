/**
 * Resolving what a promotion points at, against real temporary git repositories (offline
 * plans: no registry needed).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GitError, InputError } from '../errors';
import { TestRepo, removeTempDirs } from '../git/__fixtures__/test-repo';
import { commitOfTag, resolveSources } from './sources';

afterAll(removeTempDirs);

const SPECS = `registry: 127.0.0.1:5000
namespace: ns
versions:
  "2026.1":
  "2026.2":
images:
  base:
  app:
    skip: ["2026.1"]
`;

function repo(): { r: TestRepo; c1: string; c2: string } {
  const r = TestRepo.create();
  const c1 = r.commit('stack', {
    'specs.yml': SPECS,
    'images/base/Dockerfile': 'FROM debian:bookworm-slim\n',
    'images/app/Dockerfile': 'ARG REGISTRY\nARG BASE_TAG\nFROM ${REGISTRY}/base:${BASE_TAG}\n',
  });
  const c2 = r.commit('app v2', { 'images/app/app.txt': 'v2\n' });
  return { r, c1, c2 };
}

async function fails(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof Error)) throw new Error('expected a rejection');
  return e;
}

describe('resolveSources', () => {
  it('plans a clean checkout of HEAD in place, with the same tags as a worktree of it, and an untracked file in a context does not leak in', async () => {
    const { r, c1, c2 } = repo();
    const specsFile = path.join(r.dir, 'specs.yml');
    const clean = await resolveSources({ specsFile, version: '2026.2', commit: 'HEAD' });
    // An untracked file in app's build context: the checkout is no longer the commit, so the
    // commit is checked out elsewhere, and the tags stay the commit's (not dirty).
    writeFileSync(path.join(r.dir, 'images/app/extra.txt'), 'not committed\n');
    const untracked = await resolveSources({ specsFile, version: '2026.2', commit: 'HEAD' });
    for (const s of [clean, untracked]) {
      expect(s.plan.dirty).toBe(false);
      expect(s.entries.map((e) => e.tag)).toEqual([`2026.2-${c1.slice(0, 7)}`, `2026.2-${c2.slice(0, 7)}`]);
    }
    expect(r.git('worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('plans the commit itself, not the working tree, and leaves no worktree behind', async () => {
    const { r, c1, c2 } = repo();
    // Uncommitted edits and a later specs change must not leak into an older commit's plan.
    writeFileSync(path.join(r.dir, 'images/base/Dockerfile'), 'FROM debian:bookworm\n');
    const s1 = await resolveSources({ specsFile: path.join(r.dir, 'specs.yml'), version: '2026.2', commit: c1.slice(0, 7) });
    expect(s1.commit).toBe(c1);
    expect(s1.entries.map((e) => [e.image, e.tag])).toEqual([
      ['base', `2026.2-${c1.slice(0, 7)}`],
      ['app', `2026.2-${c1.slice(0, 7)}`],
    ]);
    expect(s1.plan.dirty).toBe(false);
    const s2 = await resolveSources({ specsFile: path.join(r.dir, 'specs.yml'), version: '2026.2', commit: 'HEAD' });
    expect(s2.entries.map((e) => e.tag)).toEqual([`2026.2-${c1.slice(0, 7)}`, `2026.2-${c2.slice(0, 7)}`]);
    expect(r.git('worktree', 'list').split('\n')).toHaveLength(1);
    expect(readFileSync(path.join(r.dir, 'images/base/Dockerfile'), 'utf8')).toBe('FROM debian:bookworm\n');
  });

  it('--tag names the commit of its sha7', async () => {
    const { r, c2 } = repo();
    const s = await resolveSources({ specsFile: path.join(r.dir, 'specs.yml'), version: '2026.2', tag: `2026.2-${c2.slice(0, 7)}` });
    expect(s.commit).toBe(c2);
  });

  it('refuses bad arguments with the fix', async () => {
    const { r, c1, c2 } = repo();
    const specsFile = path.join(r.dir, 'specs.yml');
    const cases: Array<[() => Promise<unknown>, string, RegExp]> = [
      [() => resolveSources({ specsFile, version: '2026.2' }), '--commit', /exactly one of --commit and --tag/],
      [() => resolveSources({ specsFile, version: '2026.2', commit: c1, tag: 'x' }), '--commit', /exactly one/],
      [() => resolveSources({ specsFile, version: '2027.1', commit: c1 }), '--version', /version "2027.1" is not in specs.yml at commit .* \(it has "2026.1", "2026.2"\)/],
      [() => resolveSources({ specsFile, version: '2026.2', tag: `2026.1-${c2.slice(0, 7)}` }), '--tag', /is not a source tag of version 2026.2/],
      [() => resolveSources({ specsFile, version: '2026.2', tag: '2026.2-dirty-0123456789ab' }), '--tag', /uncommitted changes/],
      [() => resolveSources({ specsFile, version: '2026.1', tag: `2026.1-${c2.slice(0, 7)}` }), '--tag', /no image of version 2026.1 has the tag .* \(its tags there: 2026.1-/],
    ];
    for (const [p, flag, re] of cases) {
      const e = await fails(p());
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).problems[0].file).toBe(flag);
      expect(e.message).toMatch(re);
    }
    const unknown = await fails(commitOfTag(r.dir, '2026.2-abcdef0', '2026.2'));
    expect(unknown).toBeInstanceOf(GitError);
  });
});
