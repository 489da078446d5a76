/**
 * findPreviousTag against a real temporary git repository and a hand-written registry fake
 * that records which image configs were read.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { removeTempDirs, tempDir, testGitEnv, TestRepo } from '../../git/__fixtures__/test-repo';
import { findPreviousTag, REVISION_LABEL, VERSION_LABEL } from './previous';

/** A registry with tags → labels; records getImageConfig calls. */
class FakeRegistry {
  readonly reads: string[] = [];
  constructor(readonly tags: Record<string, Record<string, string>>) {}
  async listTags(): Promise<string[]> {
    return Object.keys(this.tags);
  }
  async getImageConfig(_repo: string, tag: string): Promise<{ digest: string; manifestDigest: string; config: any }> {
    this.reads.push(tag);
    return { digest: `sha256:${tag}`, manifestDigest: `sha256:m-${tag}`, config: { config: { Labels: this.tags[tag] } } };
  }
}

const labels = (sha: string, version = '2026.1') => ({ [REVISION_LABEL]: sha, [VERSION_LABEL]: version });
const tagOf = (sha: string, version = '2026.1') => `${version}-${sha.slice(0, 7)}`;

describe('findPreviousTag', () => {
  afterAll(removeTempDirs);

  // main: A - B - C - D(merge of side S) ; side branch from B: S
  const repo = TestRepo.create();
  const a = repo.commit('a', { 'f.txt': 'a' });
  const b = repo.commit('b', { 'f.txt': 'b' });
  repo.git('checkout', '-q', '-b', 'side');
  const s = repo.commit('s', { 's.txt': 's' });
  repo.git('checkout', '-q', 'main');
  const c = repo.commit('c', { 'f.txt': 'c' });
  repo.git('merge', '-q', '--no-ff', '-m', 'merge side', 'side');
  const d = repo.head();
  repo.git('checkout', '-q', '-b', 'other', b);
  const x = repo.commit('x (not an ancestor of d)', { 'x.txt': 'x' });
  repo.git('checkout', '-q', 'main');

  const query = (client: FakeRegistry, sourceCommit: string, tag = tagOf(sourceCommit)) => ({
    client,
    repository: 'ns/python',
    version: '2026.1',
    tag,
    sourceCommit,
    root: repo.dir,
  });

  it('picks the newest ancestor tag and ignores other versions, dirty, forced, stable and non-ancestor tags', async () => {
    const reg = new FakeRegistry({
      [tagOf(a)]: labels(a),
      [tagOf(b)]: labels(b),
      [tagOf(x)]: labels(x),
      [tagOf(c, '2026.2')]: labels(c, '2026.2'),
      '2026.1-dirty-0123456789ab': labels(c),
      [`${tagOf(c)}.force-20260101T000000`]: labels(c),
      '2026.1-stable': labels(c),
      [tagOf(d)]: labels(d),
    });
    const r = await findPreviousTag(query(reg, d));
    // c and s have no 2026.1 tag: b is the newest tagged ancestor of d.
    expect(r).toEqual({ tag: tagOf(b), sourceCommit: b, configDigest: `sha256:${tagOf(b)}` });
    // Only the best candidate's labels were read.
    expect(reg.reads).toEqual([tagOf(b)]);
  });

  it('counts commits merged from a side branch as ancestors', async () => {
    const reg = new FakeRegistry({ [tagOf(a)]: labels(a), [tagOf(s)]: labels(s) });
    expect((await findPreviousTag(query(reg, d))).tag).toBe(tagOf(s));
  });

  it('skips a tag whose labels disagree (wrong version label, revision not matching the tag)', async () => {
    const reg = new FakeRegistry({
      [tagOf(c)]: labels(c, '2026.2'),
      [tagOf(b)]: { [REVISION_LABEL]: a, [VERSION_LABEL]: '2026.1' },
      [tagOf(a)]: labels(a),
    });
    const logged: string[] = [];
    const r = await findPreviousTag({ ...query(reg, d), log: (l) => logged.push(l) });
    expect(r.tag).toBe(tagOf(a));
    expect(reg.reads).toEqual([tagOf(c), tagOf(b), tagOf(a)]);
    expect(logged.join('\n')).toMatch(/skipped: label io\.imagestack\.version is "2026\.2"/);
    expect(logged.join('\n')).toMatch(/skipped: label org\.opencontainers\.image\.revision .* not the commit its tag names/);
  });

  it('says why there is no previous tag', async () => {
    expect(await findPreviousTag(query(new FakeRegistry({}), d))).toEqual({ reason: 'no earlier 2026.1-<sha7> tag in ns/python' });
    expect(await findPreviousTag(query(new FakeRegistry({ [tagOf(d)]: labels(d) }), d))).toEqual({ reason: 'no earlier 2026.1-<sha7> tag in ns/python' });
    const onlyOther = await findPreviousTag(query(new FakeRegistry({ [tagOf(x)]: labels(x) }), d));
    expect(onlyOther).toEqual({ reason: `no 2026.1-<sha7> tag in ns/python names an ancestor of ${d.slice(0, 7)} (1 tag of other commits)` });
  });

  it('tells a shallow clone to fetch more history', async () => {
    const clone = tempDir();
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${repo.dir}`, clone], { env: testGitEnv() });
    const r = await findPreviousTag({ ...query(new FakeRegistry({ [tagOf(a)]: labels(a) }), d), root: clone });
    expect(r).toEqual({ reason: expect.stringMatching(/names an ancestor of .* the clone is shallow: fetch the history \(`git fetch --unshallow`\)/) });
  });

  it('lets a dirty build compare with the clean tag of its own source commit', async () => {
    const reg = new FakeRegistry({ [tagOf(a)]: labels(a), [tagOf(d)]: labels(d) });
    expect((await findPreviousTag(query(reg, d, '2026.1-dirty-0123456789ab'))).tag).toBe(tagOf(d));
  });
});
