/**
 * Variants in subfolders (specs.yml `context:` inside another image's context), on a real
 * temporary git repository holding the fixture stack test/fixtures/stacks/variants, read
 * with the real loader and reader: a variant's edit moves only the variant's tags; an edit
 * of the outer image's own files moves it and its descendants; the dirty tree does the same.
 */
import { cpSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readStack } from '../graph/read-stack';
import { loadSpecs } from '../specs/load';
import { removeTempDirs, TestRepo } from '../git/__fixtures__/test-repo';
import { computeSourceCommits } from './source-commits';
import { buildInputIndex } from './input-index';
import { computeDirty } from './dirty';

afterAll(removeTempDirs);

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/stacks/variants');

async function stackAt(dir: string) {
  return readStack(await loadSpecs(path.join(dir, 'specs.yml')));
}

describe('variants in subfolders', () => {
  it('reads each context and Dockerfile as written, normalized', async () => {
    const stack = await stackAt(FIXTURE);
    const where = [...stack.images.values()].map((i) => [i.name, i.spec.context, i.dockerfile]);
    expect(where).toEqual([
      ['notebook', 'images/notebook', 'images/notebook/Dockerfile'],
      ['notebook-cuda12', 'images/notebook/cuda12', 'images/notebook/cuda12/Dockerfile'],
      ['notebook-cuda11', 'images/notebook/cuda11', 'images/notebook/cuda11/cuda.Dockerfile'],
    ]);
    expect(stack.images.get('notebook-cuda11')!.parents.map((p) => p.image)).toEqual(['notebook']);
  });

  it('a path belongs to the deepest context holding it', async () => {
    const index = buildInputIndex(await stackAt(FIXTURE), '');
    const names = (p: string) => {
      const hit = index.imagesOf(p);
      return hit === 'all' ? hit : hit.map((i) => index.images[i]);
    };
    expect(names('images/notebook/setup.sh')).toEqual(['notebook']);
    expect(names('images/notebook/cuda12/cuda.txt')).toEqual(['notebook-cuda12']);
    expect(names('images/notebook/cuda11/cuda.Dockerfile')).toEqual(['notebook-cuda11']);
    expect(names('images/notebook/cuda13/Dockerfile')).toEqual(['notebook']);
    expect(names('images/notebook-cuda12/x')).toEqual([]);
  });

  it('a variant edit moves only the variant’s tags; an outer edit moves the outer image and its variants', async () => {
    const repo = TestRepo.create();
    cpSync(FIXTURE, repo.dir, { recursive: true });
    const c1 = repo.commit('the stack');
    const c2 = repo.commit('cuda 12.6', { 'images/notebook/cuda12/cuda.txt': 'cuda 12.6\n' });
    const stack = await stackAt(repo.dir);
    let { commits } = await computeSourceCommits(stack);
    expect(Object.fromEntries(commits)).toEqual({
      'notebook@2026.1': c1,
      'notebook-cuda12@2026.1': c2,
      'notebook-cuda11@2026.1': c1,
    });

    const c3 = repo.commit('setup', { 'images/notebook/setup.sh': 'echo "notebook setup, v2"\n' });
    ({ commits } = await computeSourceCommits(stack));
    expect(Object.fromEntries(commits)).toEqual({
      'notebook@2026.1': c3,
      'notebook-cuda12@2026.1': c3,
      'notebook-cuda11@2026.1': c3,
    });

    // Uncommitted: the same rule for the working tree.
    repo.write({ 'images/notebook/cuda11/cuda.txt': 'cuda 11.8.1\n' });
    const dirty = await computeDirty(stack);
    expect([...dirty.keys()]).toEqual(['notebook-cuda11@2026.1']);
  });
});
