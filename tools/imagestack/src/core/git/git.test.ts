import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GitError } from '../errors';
import { removeTempDirs, tempDir, testGitEnv, TestRepo } from './__fixtures__/test-repo';
import { CatFileBatch } from './cat-file';
import {
  commitsBetween,
  gitPath,
  headSha,
  headShaOrUndefined,
  isShallow,
  remoteUrl,
  repoFacts,
  revParse,
  runGit,
  shallowCommits,
  showPrefix,
  toplevel,
} from './git';

afterAll(removeTempDirs);

describe('git wrappers', () => {
  it('toplevel and showPrefix locate a subfolder', async () => {
    const repo = TestRepo.create();
    repo.commit('one', { 'ws/sub/a.txt': 'a' });
    const sub = path.join(repo.dir, 'ws', 'sub');
    expect(realpathSync(await toplevel(sub))).toBe(realpathSync(repo.dir));
    expect(await showPrefix(sub)).toBe('ws/sub/');
    expect(await showPrefix(repo.dir)).toBe('');
  });

  it('revParse returns full shas and names the unknown ref', async () => {
    const repo = TestRepo.create();
    const c1 = repo.commit('one', { a: '1' });
    const c2 = repo.commit('two', { a: '2' });
    repo.git('tag', '-a', 'v1', '-m', 'annotated', c1);
    expect(await revParse(repo.dir, 'HEAD')).toBe(c2);
    expect(await headSha(repo.dir)).toBe(c2);
    expect(await revParse(repo.dir, 'HEAD~1')).toBe(c1);
    expect(await revParse(repo.dir, 'v1')).toBe(c1); // annotated tag peeled to its commit
    expect(await revParse(repo.dir, c2.slice(0, 9))).toBe(c2);
    const err = await revParse(repo.dir, 'no-such-branch').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).message).toContain("unknown ref 'no-such-branch'");
    expect((err as GitError).message).toContain('git rev-parse');
    expect((err as GitError).fix).toContain('no-such-branch');
    await expect(revParse(repo.dir, '--all')).rejects.toThrow(/unknown ref '--all'/);
  });

  it('headShaOrUndefined is undefined before the first commit', async () => {
    const repo = TestRepo.create();
    expect(await headShaOrUndefined(repo.dir)).toBeUndefined();
    await expect(headSha(repo.dir)).rejects.toThrow(/unknown ref 'HEAD'/);
    const c = repo.commit('one', { a: '1' });
    expect(await headShaOrUndefined(repo.dir)).toBe(c);
  });

  it('commitsBetween lists first-parent commits of base..head', async () => {
    const repo = TestRepo.create();
    const c1 = repo.commit('one', { a: '1' });
    repo.git('checkout', '-q', '-b', 'feature');
    const f1 = repo.commit('f1', { b: '1' });
    repo.git('checkout', '-q', 'main');
    const c2 = repo.commit('two', { a: '2' });
    repo.git('merge', '-q', '--no-ff', 'feature', '-m', 'merge');
    const m = repo.head();
    const between = await commitsBetween(repo.dir, c1, m);
    expect(between).toEqual(new Set([c2, m]));
    expect(between.has(f1)).toBe(false);
    await expect(commitsBetween(repo.dir, 'nope', m)).rejects.toThrow(GitError);
  });

  it('remoteUrl reads origin, undefined without it', async () => {
    const repo = TestRepo.create();
    repo.commit('one', { a: '1' });
    expect(await remoteUrl(repo.dir)).toBeUndefined();
    repo.git('remote', 'add', 'origin', 'https://example.com/org/repo.git');
    expect(await remoteUrl(repo.dir)).toBe('https://example.com/org/repo.git');
  });

  it('isShallow, gitPath and shallowCommits see a depth-1 clone', async () => {
    const origin = TestRepo.create();
    origin.commit('one', { a: '1' });
    const c2 = origin.commit('two', { a: '2' });
    expect(await isShallow(origin.dir)).toBe(false);
    expect(await shallowCommits(origin.dir)).toEqual(new Set());
    const clone = path.join(tempDir(), 'clone');
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${origin.dir}`, clone], { env: testGitEnv() });
    expect(await isShallow(clone)).toBe(true);
    expect(await gitPath(clone, 'shallow')).toBe(path.join(clone, '.git', 'shallow'));
    expect(await shallowCommits(clone)).toEqual(new Set([c2]));
  });

  it('failures name the command and git’s complaint', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'x'));
    const err = await toplevel(path.join(dir, 'x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as Error).message).toMatch(/^git rev-parse --show-toplevel failed in .*: fatal: not a git repository/);
    expect((err as Error).message.split('\n')).toHaveLength(1);
    const missing = await runGit(path.join(dir, 'does-not-exist'), ['status']).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(GitError);
    expect((missing as Error).message).toContain('could not run git status');
  });

  it('outside a git repository: one line and a fix', async () => {
    const dir = tempDir();
    const err = await headShaOrUndefined(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as Error).message.split('\n')).toHaveLength(1);
    expect((err as GitError).fix).toBe('run imagestack inside a git repository: git init && git add -A && git commit -m "first commit"');
  });

  it('runGit accepts declared exit codes', async () => {
    const repo = TestRepo.create();
    const r = await runGit(repo.dir, ['config', '--get', 'no.such'], { okCodes: [1] });
    expect(r.code).toBe(1);
    await expect(runGit(repo.dir, ['config', '--get', 'no.such'])).rejects.toThrow(/exit code 1/);
  });

  it('CatFileBatch reads blobs by id and by rev:path, in order, and reports missing', async () => {
    const repo = TestRepo.create();
    const big = 'x'.repeat(300_000);
    repo.commit('one', { 'ws/specs.yml': 'a: 1\n', big, empty: '' });
    const blob = repo.git('rev-parse', 'HEAD:ws/specs.yml');
    const cat = new CatFileBatch(repo.dir);
    try {
      const [a, b, c, d, e] = await Promise.all([
        cat.read(blob),
        cat.read('HEAD:big'),
        cat.read('HEAD:nope'),
        cat.read('HEAD:empty'),
        cat.read('HEAD:ws/specs.yml'),
      ]);
      expect(a?.toString()).toBe('a: 1\n');
      expect(b?.toString()).toBe(big);
      expect(c).toBeUndefined();
      expect(d?.length).toBe(0);
      expect(e?.toString()).toBe('a: 1\n');
      expect((await cat.read('0'.repeat(40))) ?? 'missing').toBe('missing');
    } finally {
      cat.close();
    }
    await expect(cat.read(blob)).rejects.toThrow(/closed/);
  });

  it('CatFileBatch answers many large blobs asked at once, each whole (output joined across chunks)', async () => {
    const repo = TestRepo.create();
    // Sizes around and across the pipe's 64 KiB chunks, with small and missing answers between.
    const texts = [70_000, 5, 131_072, 1, 200_003, 65_536, 0, 99_999].map((n, i) => String.fromCharCode(97 + i).repeat(n));
    repo.commit('blobs', Object.fromEntries(texts.map((t, i) => [`f${i}`, t])));
    const cat = new CatFileBatch(repo.dir);
    try {
      const names = texts.flatMap((_, i) => [`HEAD:f${i}`, `HEAD:nope${i}`]);
      const got = await Promise.all(names.map((n) => cat.read(n)));
      texts.forEach((t, i) => {
        expect(got[2 * i]?.toString()).toBe(t);
        expect(got[2 * i + 1]).toBeUndefined();
      });
    } finally {
      cat.close();
    }
  });

  it("CatFileBatch answers thousands of small blobs asked at once, each read from git's file as git writes it", async () => {
    const repo = TestRepo.create();
    // ~3,000 answers of 20–400 bytes, asked at once: git writes them while node reads, so
    // reads meet answers whose header or contents are not all written yet.
    const texts = Array.from({ length: 3000 }, (_, i) => `${i}:`.padEnd(20 + ((i * 7919) % 380), String.fromCharCode(97 + (i % 26))));
    repo.commit('blobs', Object.fromEntries(texts.map((t, i) => [`s/${i}`, t])));
    // By blob id, as the history walk asks (a `HEAD:<path>` name costs git a tree look-up each).
    const oids = new Map(
      repo
        .git('ls-tree', 'HEAD', 's/')
        .trim()
        .split('\n')
        .map((l) => [l.split('\t')[1], l.split(' ')[2].split('\t')[0]]),
    );
    const cat = new CatFileBatch(repo.dir);
    try {
      const got = await Promise.all(texts.map((_, i) => cat.read(oids.get(`s/${i}`)!)));
      expect(got.map((b) => b?.toString())).toEqual(texts);
    } finally {
      cat.close();
    }
  });

  it('CatFileBatch.readText decodes as read + toString does, and a cat-file that cannot run rejects every read', async () => {
    const repo = TestRepo.create();
    const text = 'images:\n  é: {}\n' + 'x'.repeat(100_000);
    repo.commit('one', { s: text });
    const cat = new CatFileBatch(repo.dir);
    try {
      expect(await cat.readText('HEAD:s')).toBe(text);
      expect(await cat.readText('HEAD:nope')).toBeUndefined();
      // A missing name longer than a first read of the answer's header (git echoes it back).
      expect(await cat.readText(`HEAD:${'deep/'.repeat(200)}specs.yml`)).toBeUndefined();
      expect(await cat.readText('HEAD:s')).toBe(text);
      expect((await cat.read('HEAD:s'))?.toString('utf8')).toBe(text);
    } finally {
      cat.close();
    }
    const broken = new CatFileBatch(tempDir()); // not a repository: git exits at once
    await expect(broken.readText('HEAD:s')).rejects.toThrow(GitError);
    broken.close();
  });

  it('CatFileBatch.prefetchText: reads find the prefetched answers in order; one skipped or never read is asked again or dropped', async () => {
    const repo = TestRepo.create();
    repo.commit('blobs', { a: 'A'.repeat(70_000), b: 'B', c: 'C'.repeat(5), d: 'D' });
    const cat = new CatFileBatch(repo.dir);
    try {
      cat.prefetchText(['HEAD:a', 'HEAD:b', 'HEAD:nope', 'HEAD:c', 'HEAD:d']);
      // b claims the second answer (a, before it, is skipped), c the fourth, then a is asked again.
      expect(await cat.readText('HEAD:b')).toBe('B');
      expect(await Promise.all([cat.readText('HEAD:c'), cat.readText('HEAD:nope')])).toEqual(['CCCCC', undefined]);
      expect(await cat.readText('HEAD:a')).toBe('A'.repeat(70_000));
      expect(await cat.read('HEAD:b')).toEqual(Buffer.from('B')); // d, prefetched and never read, is skipped
    } finally {
      cat.close();
    }
  });

  it('repoFacts answers as revParse, toplevel, showPrefix and gitPath do, in one process', async () => {
    const repo = TestRepo.create();
    const c1 = repo.commit('one', { 'ws/sub/a.txt': 'a' });
    const c2 = repo.commit('two', { 'ws/sub/a.txt': 'b' });
    for (const dir of [repo.dir, path.join(repo.dir, 'ws', 'sub')]) {
      expect(await repoFacts(dir, 'HEAD')).toEqual({
        head: c2,
        toplevel: await toplevel(dir),
        prefix: await showPrefix(dir),
        shallowFile: await gitPath(dir, 'shallow'),
      });
      expect((await repoFacts(dir, 'HEAD~1'))?.head).toBe(c1);
    }
    // Unknown ref, no commit yet, no repository: undefined (the one-by-one calls give the errors).
    expect(await repoFacts(repo.dir, 'no-such-ref')).toBeUndefined();
    const empty = TestRepo.create();
    expect(await repoFacts(empty.dir, 'HEAD')).toBeUndefined();
    const outside = tempDir();
    expect(await repoFacts(outside, 'HEAD')).toBeUndefined();
  });
});
