import { describe, expect, it } from 'vitest';
import type { Plan, PlanEntry } from '../plan/types';
import { checkMatrixOrder, GITHUB_MATRIX_MAX_JOBS, makeMatrix } from './matrix';

function entry(image: string, version: string, parents: string[], wave: number, over: Partial<PlanEntry> = {}): PlanEntry {
  const tag = `${version}-${(over.sourceCommit ?? 'c2').slice(0, 7)}`;
  return {
    image,
    version,
    repository: `reg/ns/${image}`,
    tag,
    reference: `reg/ns/${image}:${tag}`,
    sourceCommit: 'c2',
    dirty: false,
    parents,
    wave,
    action: 'build',
    reason: 'tag missing in the registry',
    bases: [],
    ...over,
  };
}

const plan = (images: PlanEntry[]): Plan => ({ head: 'h'.repeat(40), dirty: images.some((e) => e.dirty), mode: 'registry', images });

describe('makeMatrix', () => {
  it('has one job per image and version to build, in the plan order, with only `include` at the top level', () => {
    const m = makeMatrix(
      plan([
        entry('base', '1', [], 0),
        entry('base', '2', [], 0, { action: 'skip', reason: 'tag already in the registry' }),
        entry('mid', '1', ['base'], 1),
        entry('side', '1', ['base'], 1),
        entry('mid', '2', ['base'], 1),
        entry('leaf', '1', ['mid', 'side'], 2),
      ]),
    );
    expect(Object.keys(m)).toEqual(['include']);
    expect(m.include.map((e) => e.name)).toEqual(['base 1', 'mid 1', 'side 1', 'mid 2', 'leaf 1']);
    expect(m.include[4]).toEqual({ name: 'leaf 1', image: 'leaf', version: '1', tag: '1-c2', wave: 2, parents: ['mid', 'side'] });
    expect(checkMatrixOrder(m)).toEqual([]);
  });

  it('works for any depth: a 40-deep chain with a fan-out at every level stays parents-first', () => {
    const images: PlanEntry[] = [];
    for (let i = 0; i < 40; i++) {
      images.push(entry(`chain${i}`, '1', i ? [`chain${i - 1}`] : [], i));
      if (i) images.push(entry(`leaf${i}`, '1', [`chain${i - 1}`], i));
    }
    const m = makeMatrix(plan(images));
    expect(m.include).toHaveLength(79);
    expect(Math.max(...m.include.map((e) => e.wave))).toBe(39);
    expect(checkMatrixOrder(m)).toEqual([]);
  });

  it('is valid but empty when every tag is in the registry', () => {
    expect(makeMatrix(plan([entry('base', '1', [], 0, { action: 'skip' })]))).toEqual({ include: [] });
  });

  it('with changed commits: the changed images and their descendants, plus the missing ancestors they need (promise 3)', () => {
    const m = makeMatrix(
      plan([
        entry('base', '1', [], 0, { sourceCommit: 'old' }), // missing from the registry (e.g. a [ci skip] commit)
        entry('other', '1', [], 0, { sourceCommit: 'old' }), // missing too, but nothing selected needs it
        entry('mid', '1', ['base'], 1, { sourceCommit: 'new' }),
        entry('leaf', '1', ['mid'], 2, { sourceCommit: 'new' }),
      ]),
      { changed: new Set(['new']) },
    );
    expect(m.include.map((e) => e.name)).toEqual(['base 1', 'mid 1', 'leaf 1']);
  });

  it('refuses a plan with uncommitted changes, naming the images', () => {
    expect(() => makeMatrix(plan([entry('base', '1', [], 0, { dirty: true, tag: '1-dirty-abc' })]))).toThrow(
      /uncommitted changes to the inputs of base 1: a CI matrix builds commits/,
    );
  });

  it(`refuses more than GitHub's ${GITHUB_MATRIX_MAX_JOBS} jobs, saying what to do`, () => {
    const images = Array.from({ length: 257 }, (_, i) => entry(`i${i}`, '1', [], 0));
    expect(() => makeMatrix(plan(images))).toThrow(/257 jobs; GitHub allows at most 256 per matrix\. Split the run by version/);
    expect(makeMatrix(plan(images.slice(0, 256))).include).toHaveLength(256);
  });
});

describe('checkMatrixOrder', () => {
  it('names a job listed before its parent', () => {
    const m = makeMatrix(plan([entry('base', '1', [], 0), entry('mid', '1', ['base'], 1)]));
    expect(checkMatrixOrder({ include: [...m.include].reverse() })).toEqual(['mid 1 is listed before its parent base 1']);
  });
});
