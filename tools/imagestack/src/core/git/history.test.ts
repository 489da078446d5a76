import { afterAll, describe, expect, it } from 'vitest';
import { GitError } from '../errors';
import { removeTempDirs, TestRepo } from './__fixtures__/test-repo';
import { readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { firstParentHistory, isNullOid, prestartFirstParentHistory, RawLogParser, startFirstParentHistory, type HistoryCommit } from './history';

afterAll(removeTempDirs);

async function collect(cwd: string, head: string): Promise<HistoryCommit[]> {
  const out: HistoryCommit[] = [];
  for await (const c of firstParentHistory(cwd, head)) out.push(c);
  return out;
}

async function collect2(cwd: string, head: string, started: ReturnType<typeof startFirstParentHistory>): Promise<HistoryCommit[]> {
  const out: HistoryCommit[] = [];
  for await (const c of firstParentHistory(cwd, head, { started })) out.push(c);
  return out;
}

describe('firstParentHistory', () => {
  it('walks first parents newest first, merge diffs against the first parent, root against empty', async () => {
    const repo = TestRepo.create();
    const c1 = repo.commit('one', { 'images/a/f': '1', 'with space/and\nnewline': 'x' });
    repo.git('checkout', '-q', '-b', 'feature');
    const f1 = repo.commit('f1', { 'images/b/g': '1' });
    repo.git('checkout', '-q', 'main');
    const c2 = repo.commit('two', { 'images/a/f': '2' });
    const c3 = repo.commit('empty');
    repo.git('merge', '-q', '--no-ff', 'feature', '-m', 'merge');
    const m = repo.head();
    repo.remove('images/a/f');
    const c4 = repo.commit('delete');

    const log = await collect(repo.dir, c4);
    expect(log.map((c) => c.sha)).toEqual([c4, m, c3, c2, c1]);
    expect(log.some((c) => c.sha === f1)).toBe(false);
    expect(log[0].changes).toEqual([
      expect.objectContaining({ status: 'D', path: 'images/a/f', oldMode: '100644', newMode: '000000' }),
    ]);
    expect(isNullOid(log[0].changes[0].newOid)).toBe(true);
    expect(log[1].parents).toEqual([c3, f1]);
    expect(log[1].changes.map((c) => [c.status, c.path])).toEqual([['A', 'images/b/g']]);
    expect(log[2].changes).toEqual([]);
    expect(log[3].changes.map((c) => [c.status, c.path])).toEqual([['M', 'images/a/f']]);
    expect(log[3].changes[0].oldOid).toMatch(/^[0-9a-f]{40}$/);
    expect(log[4].parents).toEqual([]);
    expect(log[4].changes.map((c) => c.path).sort()).toEqual(['images/a/f', 'with space/and\nnewline']);
    expect(log[4].changes.every((c) => c.status === 'A' && isNullOid(c.oldOid))).toBe(true);
  });

  it('stops early without reading the rest', async () => {
    const repo = TestRepo.create();
    for (let i = 0; i < 30; i++) repo.commit(`c${i}`, { f: String(i) });
    const head = repo.head();
    let n = 0;
    for await (const c of firstParentHistory(repo.dir, head)) {
      expect(c.changes).toHaveLength(1);
      if (++n === 2) break;
    }
    expect(n).toBe(2);
  });

  it('a walk started ahead (startFirstParentHistory) gives the same commits, even when git has finished before the walk begins', async () => {
    const repo = TestRepo.create();
    for (let i = 0; i < 40; i++) repo.commit(`c${i}`, { [`images/i${i % 5}/f`]: String(i) });
    const head = repo.head();
    const direct = await collect(repo.dir, head);
    const started = startFirstParentHistory(repo.dir, head);
    await new Promise((r) => setTimeout(r, 200)); // git runs ahead into its file and exits
    const out: HistoryCommit[] = [];
    for await (const c of firstParentHistory(repo.dir, head, { started })) out.push(c);
    expect(out).toEqual(direct);
    expect(out).toHaveLength(40);
  });

  it('a walk started ahead for another head is refused', async () => {
    const repo = TestRepo.create();
    repo.commit('one', { a: '1' });
    const c2 = repo.commit('two', { a: '2' });
    const started = startFirstParentHistory(repo.dir, c2);
    await expect(collect2(repo.dir, `${c2}~1`, started)).rejects.toThrow(/started for/);
  });

  it('a walk prestarted before its head was known is adopted for that head, from any folder of the working tree', async () => {
    const repo = TestRepo.create();
    for (let i = 0; i < 30; i++) repo.commit(`c${i}`, { [`ws/images/i${i % 3}/f`]: String(i) });
    const head = repo.head();
    const direct = await collect(repo.dir, head);
    const pre = prestartFirstParentHistory(path.join(repo.dir, 'ws', 'images'));
    const started = startFirstParentHistory(path.join(repo.dir, 'ws'), head, { prestarted: pre, toplevel: repo.dir });
    expect(started).toBe(pre); // the same process: no second git log
    await expect(collect2(path.join(repo.dir, 'ws'), head, started)).resolves.toEqual(direct);
  });

  it('a prestarted walk whose first commit is not the head (HEAD moved, another commit asked for) is replaced, not read', async () => {
    const repo = TestRepo.create();
    const c1 = repo.commit('one', { a: '1' });
    const pre = prestartFirstParentHistory(repo.dir);
    repo.commit('two', { a: '2' }); // HEAD moves after git log started (or the plan is of c1)
    const started = startFirstParentHistory(repo.dir, c1, { prestarted: pre, toplevel: repo.dir });
    const log = await collect2(repo.dir, c1, started);
    expect(log.map((c) => c.sha)).toEqual([c1]);
  });

  it('a prestarted walk from another repository is closed and a new one started', async () => {
    const other = TestRepo.create();
    other.commit('elsewhere', { b: '1' });
    const repo = TestRepo.create();
    const c1 = repo.commit('one', { a: '1' });
    const pre = prestartFirstParentHistory(other.dir);
    const started = startFirstParentHistory(repo.dir, c1, { prestarted: pre, toplevel: repo.dir });
    expect(started).not.toBe(pre);
    expect((await collect2(repo.dir, c1, started)).map((c) => c.sha)).toEqual([c1]);
  });

  it("leaves no file of git's output behind, whether the walk ends, stops early or never starts", async () => {
    const repo = TestRepo.create();
    for (let i = 0; i < 5; i++) repo.commit(`c${i}`, { a: String(i) });
    const head = repo.head();
    const mine = () => readdirSync(os.tmpdir()).filter((f) => f.startsWith(`imagestack-git-log-${process.pid}-`));
    await collect(repo.dir, head);
    for await (const _ of firstParentHistory(repo.dir, head)) break;
    startFirstParentHistory(repo.dir, head).close();
    expect(mine()).toEqual([]);
  });

  it('reports a failing git log as GitError', async () => {
    const repo = TestRepo.create();
    repo.commit('one', { a: '1' });
    await expect(collect(repo.dir, 'f'.repeat(40))).rejects.toThrow(GitError);
    await expect(collect(repo.dir, 'f'.repeat(40))).rejects.toThrow(/^git log .* failed in .*: fatal: bad object/);
  });
});

describe('RawLogParser', () => {
  const a = 'a'.repeat(40);
  const b = 'b'.repeat(40);
  const p = 'c'.repeat(40);
  const z = '0'.repeat(40);
  const text =
    `\x1e${a} ${p}\0\n:100644 100644 ${b} ${a} M\0images/x/Dockerfile\0:000000 100644 ${z} ${b} A\0odd \x1e:name\0` +
    `\x1e${p} \0` +
    `\x1e${b}\0\n:000000 100644 ${z} ${b} A\0:colon-first\0`;

  it('parses the same output fed whole or byte by byte', () => {
    const whole = new RawLogParser();
    const expected = [...whole.push(Buffer.from(text)), ...whole.end()];
    expect(expected.map((c) => c.sha)).toEqual([a, p, b]);
    expect(expected[0]).toEqual({
      sha: a,
      parents: [p],
      changes: [
        { oldMode: '100644', newMode: '100644', oldOid: b, newOid: a, status: 'M', path: 'images/x/Dockerfile' },
        { oldMode: '000000', newMode: '100644', oldOid: z, newOid: b, status: 'A', path: 'odd \x1e:name' },
      ],
    });
    expect(expected[1]).toEqual({ sha: p, parents: [], changes: [] });
    expect(expected[2].changes[0].path).toBe(':colon-first');

    const bytes = Buffer.from(text);
    const slow = new RawLogParser();
    const got: HistoryCommit[] = [];
    for (let i = 0; i < bytes.length; i++) got.push(...slow.push(bytes.subarray(i, i + 1)));
    got.push(...slow.end());
    expect(got).toEqual(expected);
  });

  it('rejects output cut inside a raw line', () => {
    const parser = new RawLogParser();
    parser.push(Buffer.from(`\x1e${a}\0\n:100644 100644 ${b} ${a} M\0`));
    expect(() => parser.end()).toThrow(GitError);
  });
});
