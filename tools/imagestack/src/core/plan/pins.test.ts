/**
 * External base pins in the plan (issue 15): `plan --json` `bases` and the human table, and a
 * pin change moving exactly the tags of the images built on that base and their descendants
 * (promise 1: the plan is a function of git), against real temporary git repositories through
 * the functions the CLI's `plan` action calls.
 */
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { basesTable, planJson } from '../../cli/commands/plan';
import { removeTempDirs, TestRepo } from '../git/__fixtures__/test-repo';
import { planHead } from './plan-commit';

afterAll(removeTempDirs);

const D = (c: string) => `sha256:${c.repeat(64)}`;
const specs = `registry: 127.0.0.1:5000\nnamespace: test\nversions:\n  "2026.1": {}\n  "2026.2": {}\nimages:\n  base: {}\n  python: {}\n  scipy: {}\n  tools: {}\n  plain: {}\n`;
const child = (parent: string) => `ARG REGISTRY\nARG ${parent.toUpperCase()}_TAG\nFROM \${REGISTRY}/${parent}:\${${parent.toUpperCase()}_TAG}\nRUN true\n`;
/** base (literal pin) → python → scipy; tools (Jupyter-style ARG-templated pin); plain (unpinned). */
const files = (baseDigest: string, toolsDigest: string) => ({
  'specs.yml': specs,
  'images/base/Dockerfile': `# the root\nFROM --platform=linux/amd64 upstream.test:5000/library/debian:bookworm-slim@${baseDigest} AS root\nRUN true\n`,
  'images/python/Dockerfile': child('base'),
  'images/scipy/Dockerfile': child('python'),
  'images/tools/Dockerfile': `ARG BASE_IMAGE=upstream.test:5000/library/busybox:1.36@${toolsDigest}\nFROM $BASE_IMAGE\nRUN true\n`,
  'images/plain/Dockerfile': 'FROM debian:bookworm-slim\nCOPY --from=upstream.test:5000/tools/helper:1 /x /x\n',
});

describe('external base pins in the plan', () => {
  it('lists each image’s external bases with the pinned digest or null (plan --json `bases`, and the human table)', async () => {
    const repo = TestRepo.create();
    repo.commit('c1', files(D('a'), D('b')));
    const plan = await planHead({ specsFile: path.join(repo.dir, 'specs.yml'), offline: true });
    const json = planJson(plan) as { images: { image: string; version: string; bases: unknown }[] };
    const bases = Object.fromEntries(json.images.filter((e) => e.version === '2026.1').map((e) => [e.image, e.bases]));
    expect(bases).toEqual({
      base: [{ reference: 'upstream.test:5000/library/debian:bookworm-slim', digest: D('a') }],
      python: [],
      scipy: [],
      tools: [{ reference: 'upstream.test:5000/library/busybox:1.36', digest: D('b') }],
      plain: [
        { reference: 'debian:bookworm-slim', digest: null },
        { reference: 'upstream.test:5000/tools/helper:1', digest: null },
      ],
    });
    expect(basesTable(plan)).toBe(
      '\nexternal bases:\n' +
        'image  base                                             pinned digest\n' +
        '-----  -----------------------------------------------  -------------------\n' +
        'base   upstream.test:5000/library/debian:bookworm-slim  sha256:aaaaaaaaaaaa\n' +
        'tools  upstream.test:5000/library/busybox:1.36          sha256:bbbbbbbbbbbb\n' +
        'plain  debian:bookworm-slim                             unpinned\n' +
        'plain  upstream.test:5000/tools/helper:1                unpinned\n',
    );
  });

  it('a pin change moves exactly the tags of the images built on that base and their descendants', async () => {
    const repo = TestRepo.create();
    const c1 = repo.commit('c1', files(D('a'), D('b')));
    const specsFile = path.join(repo.dir, 'specs.yml');
    const before = await planHead({ specsFile, offline: true });
    const c2 = repo.commit('new base digest', { 'images/base/Dockerfile': files(D('c'), D('b'))['images/base/Dockerfile'] });
    const after = await planHead({ specsFile, offline: true });
    const moved = after.images.filter((e) => e.tag !== before.images.find((b) => b.image === e.image && b.version === e.version)!.tag);
    expect(moved.map((e) => `${e.image}@${e.version}`)).toEqual(['base@2026.1', 'base@2026.2', 'python@2026.1', 'python@2026.2', 'scipy@2026.1', 'scipy@2026.2']);
    expect(new Set(moved.map((e) => e.sourceCommit))).toEqual(new Set([c2]));
    expect(after.images.filter((e) => !moved.includes(e)).every((e) => e.sourceCommit === c1)).toBe(true);
    expect(after.images.filter((e) => e.action === 'build').map((e) => e.image)).toEqual(['base', 'base', 'python', 'python', 'scipy', 'scipy']);

    // An ARG-templated pin moves its image only.
    repo.commit('new tools digest', { 'images/tools/Dockerfile': files(D('c'), D('d'))['images/tools/Dockerfile'] });
    const third = await planHead({ specsFile, offline: true });
    expect(third.images.filter((e) => e.action === 'build').map((e) => e.image)).toEqual(['tools', 'tools']);
    expect(third.images.find((e) => e.image === 'tools')!.bases).toEqual([{ reference: 'upstream.test:5000/library/busybox:1.36', digest: D('d') }]);
  });
});
