/**
 * `plan --head <ref>` plans the ref as committed (issue 11): against real temporary git
 * repositories, through the functions the CLI's `plan` action calls (planHead, planJson).
 */
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planExplanation, planJson } from '../../cli/commands/plan';
import { removeTempDirs, TestRepo } from '../git/__fixtures__/test-repo';
import { planCommit, planHead } from './plan-commit';
import { makePlan } from './make-plan';

afterAll(removeTempDirs);

const specs = (images: string) =>
  `registry: 127.0.0.1:5000\nnamespace: test\nversions:\n  "2026.1": {}\nimages:\n${images}`;
const child = (parent: string, line = 'RUN true') =>
  `ARG REGISTRY\nARG ${parent.toUpperCase()}_TAG\nFROM \${REGISTRY}/${parent}:\${${parent.toUpperCase()}_TAG}\n${line}\n`;

/** c0: base → python; c1: python's Dockerfile edited; c2 (HEAD): image `extra` added, python edited again. */
function history() {
  const repo = TestRepo.create();
  const c0 = repo.commit('c0', {
    'specs.yml': specs('  base: {}\n  python: {}\n'),
    'images/base/Dockerfile': 'FROM debian:bookworm\n',
    'images/python/Dockerfile': child('base'),
  });
  const c1 = repo.commit('c1', { 'images/python/Dockerfile': child('base', 'RUN echo c1') });
  const c2 = repo.commit('c2', {
    'specs.yml': specs('  base: {}\n  python: {}\n  extra: {}\n'),
    'images/extra/Dockerfile': child('python'),
    'images/python/Dockerfile': child('base', 'RUN echo c2'),
  });
  return { repo, c0, c1, c2, specsFile: path.join(repo.dir, 'specs.yml') };
}

const tags = (plan: Awaited<ReturnType<typeof planHead>>) => plan.images.map((e) => `${e.image}:${e.tag}`);

describe('planHead (plan --head REF)', () => {
  it('plans REF as committed: no image that exists only at HEAD, the tags REF gives when checked out', async () => {
    const { repo, c0, c1, specsFile } = history();
    // Uncommitted changes at HEAD must not leak into the plan of HEAD~1 either.
    repo.write({ 'images/python/Dockerfile': child('base', 'RUN echo dirty'), 'images/base/new.txt': 'x' });
    const plan = await planHead({ specsFile, head: 'HEAD~1', offline: true });
    const json = planJson(plan) as { head: string; dirty: boolean; images: { image: string }[] };
    expect(json.head).toBe(c1);
    expect(json.dirty).toBe(false);
    expect(json.images.map((e) => e.image)).toEqual(['base', 'python']);
    expect(tags(plan)).toEqual([`base:2026.1-${c0.slice(0, 7)}`, `python:2026.1-${c1.slice(0, 7)}`]);

    // The same as planning HEAD~1 checked out.
    repo.git('stash', '-u', '-q');
    repo.git('checkout', '-q', '--detach', c1);
    const checkedOut = await planHead({ specsFile, offline: true });
    expect(JSON.stringify(planJson(checkedOut))).toBe(JSON.stringify(planJson(plan)));
  });

  it('resolves --base in the checkout, as nx affected does: base = the commit compared against', async () => {
    const { c1, specsFile } = history();
    // HEAD~1 is c1 here, not c1's parent (the temporary worktree's HEAD~1).
    const same = await planHead({ specsFile, head: 'HEAD~1', base: 'HEAD~1', offline: true });
    expect(same.base).toBe(c1);
    expect(same.images.map((e) => e.action)).toEqual(['skip', 'skip']);
    const byDefault = await planHead({ specsFile, head: 'HEAD~1', offline: true });
    expect(byDefault.images.map((e) => [e.image, e.action])).toEqual([
      ['base', 'skip'],
      ['python', 'build'],
    ]);
  });

  it('plans the checked-out HEAD with the working tree (dirty tags), as before', async () => {
    const { repo, specsFile } = history();
    repo.write({ 'images/python/Dockerfile': child('base', 'RUN echo dirty') });
    const plan = await planHead({ specsFile, head: 'HEAD', offline: true });
    expect(plan.dirty).toBe(true);
    expect(plan.images.map((e) => e.image)).toEqual(['base', 'python', 'extra']);
    expect(plan.images.find((e) => e.image === 'python')!.tag).toMatch(/^2026\.1-dirty-/);
  });

  it('--explain [image]: why each source commit, for REF as committed too', async () => {
    const { c1, specsFile } = history();
    const plan = await planHead({ specsFile, head: 'HEAD~1', offline: true, explain: true });
    expect(planExplanation(plan, 'python')).toContain(`python@2026.1 2026.1-${c1.slice(0, 7)}: source commit ${c1.slice(0, 7)}, input images/python/Dockerfile changed\n`);
    expect(planExplanation(plan, 'python')).not.toContain('base@');
    expect((planJson(plan) as { images: { why?: string }[] }).images[0].why).toBe('the root commit (everything in it is new)');
    // Without --explain, the JSON has no `why` (plan --json stays byte-identical).
    expect(JSON.stringify(planJson(await planHead({ specsFile, head: 'HEAD~1', offline: true })))).not.toContain('"why"');
  });
});

describe('planCommit in place (the checkout is the commit, nothing changed)', () => {
  it('gives the plan makePlan gives without being told the checkout (it spares the git calls, not the answers)', async () => {
    const { c2, specsFile } = history();
    const inPlace = await planCommit({ specsFile, commit: c2 });
    const asked = await makePlan({ specsFile, head: c2, offline: true });
    expect(JSON.stringify(planJson(inPlace.plan))).toBe(JSON.stringify(planJson(asked.plan)));
    expect(inPlace.plan.dirty).toBe(false);
  });

  it('is not in place with an uncommitted change, and then never dirty either', async () => {
    const { repo, c2, specsFile } = history();
    repo.write({ 'images/python/new.txt': 'x' });
    const plan = (await planCommit({ specsFile, commit: c2 })).plan;
    expect(plan.dirty).toBe(false);
    expect(plan.images.every((e) => !e.dirty)).toBe(true);
  });
});
