/**
 * The `--cache-from` references of a build: the image's previous tags of the same version,
 * newest first by the first-parent history of a real git repository, then its parents' tags.
 * The registry is a small hand-written fake of `listTags` (it stands for the registry's tag list;
 * test/buildkit.test.ts uses the real one, on an empty engine).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fakePlan, fakeStack, NAMESPACE, REGISTRY, VERSION } from '../__fixtures__/ports';
import { nodeKey } from '../../tags/tag';
import { cacheFromReferences } from './cache-from';

function commits(root: string, n: number): string[] {
  const git = (...a: string[]) => execFileSync('git', a, { cwd: root, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).trim();
  git('init', '-q');
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    git('commit', '-q', '--allow-empty', '-m', `c${i}`);
    out.push(git('rev-parse', 'HEAD'));
  }
  return out;
}

describe('cacheFromReferences', () => {
  it('gives the two newest earlier tags of the version in history, then the parents in the registry; tags of other versions, branches or forced builds are left out', async () => {
    const stack = fakeStack({ base: [], leaf: ['base'] });
    const [c0, c1, c2, c3] = commits(stack.specs.root, 4);
    const plan = fakePlan(stack, ['base']);
    const entries = new Map(plan.images.map((e) => [nodeKey(e.image, e.version), e]));
    const leaf = entries.get(nodeKey('leaf', VERSION))!;
    const asked: string[] = [];
    const registry = {
      registry: REGISTRY,
      listTags: async (repository: string) => {
        asked.push(repository);
        return [`${VERSION}-${c0.slice(0, 7)}`, `${VERSION}-${c2.slice(0, 7)}`, `${VERSION}-${c1.slice(0, 7)}`, `2-${c3.slice(0, 7)}`, `${VERSION}-fffffff`, `${VERSION}-${c1.slice(0, 7)}.force-20260101T000000Z`, leaf.tag];
      },
    };
    const refs = await cacheFromReferences({ stack, entries, registry } as never, leaf, c3);
    expect(asked).toEqual([`${NAMESPACE}/leaf`]);
    expect(refs).toEqual([`${leaf.repository}:${VERSION}-${c2.slice(0, 7)}`, `${leaf.repository}:${VERSION}-${c1.slice(0, 7)}`, entries.get(nodeKey('base', VERSION))!.reference]);
  });

  it('a registry that does not answer gives the parents in the registry only', async () => {
    const stack = fakeStack({ base: [], mid: ['base'], leaf: ['base', 'mid'] });
    const entries = new Map(fakePlan(stack, ['base']).images.map((e) => [nodeKey(e.image, e.version), e]));
    const registry = { registry: REGISTRY, listTags: async () => Promise.reject(new Error('down')) };
    expect(await cacheFromReferences({ stack, entries, registry } as never, entries.get(nodeKey('leaf', VERSION))!, 'HEAD')).toEqual([entries.get(nodeKey('base', VERSION))!.reference]);
  });
});
