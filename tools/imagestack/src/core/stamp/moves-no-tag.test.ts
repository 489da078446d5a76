/** The `stamp:` and `audit:` settings are top level, so editing them moves no tag (README claims it). */
import { afterAll, describe, expect, it } from 'vitest';
import { makeStack, removeTempDirs, specsYaml, TestRepo, workspaceFiles, type StackDef } from '../git/__fixtures__/test-repo';
import { computeSourceCommits } from '../tags/source-commits';

afterAll(removeTempDirs);

const DEF: StackDef = { images: { base: {}, 'gcc-assert': { parents: ['base'] } } };

describe('stamp: and audit: in specs.yml', () => {
  it('can be added and edited without moving any source commit', async () => {
    const repo = TestRepo.create();
    const c1 = repo.commit('initial', { ...workspaceFiles(DEF), 'images/gcc-assert/manifest.json': '{ "image_name": "x" }\n' });
    const v1 = `${specsYaml(DEF)}stamp:\n  - { file: images/gcc-assert/manifest.json, pointer: /image_name, image: gcc-assert }\naudit:\n  maxStableAge: 30d\n`;
    repo.commit('stamp and audit', { 'specs.yml': v1 });
    const v2 = v1.replace('30d', '7d').replace('image: gcc-assert }', 'image: gcc-assert, form: "repository:tag" }');
    repo.commit('edit them', { 'specs.yml': v2 });
    const r = await computeSourceCommits(makeStack(repo.dir, DEF, v2));
    expect(new Set(r.commits.values())).toEqual(new Set([c1]));
  });
});
