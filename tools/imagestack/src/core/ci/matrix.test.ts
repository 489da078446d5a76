import { describe, expect, it } from 'vitest';
import type { Plan, PlanEntry } from '../plan/types';
import { InputError } from '../errors';
import { checkMatrixOrder, GITHUB_MATRIX_MAX_JOBS, makeMatrix } from './matrix';
import { parseRunnerFlags } from './platform-runners';

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

describe('makeMatrix: the platform dimension (issue 14)', () => {
  const two = ['linux/amd64', 'linux/arm64'];
  const stack = () =>
    plan([
      entry('root', '1', [], 0, { platforms: two, taggers: ['python'] }),
      entry('child', '1', ['root'], 1, { platforms: two }),
      entry('sibling', '1', ['root'], 1, { platforms: ['linux/amd64'] }),
      entry('plain', '1', [], 0),
    ]);

  it('gives each platform of a multi-platform image its own job on a runner of that architecture, then one publish job', () => {
    const m = makeMatrix(stack());
    expect(m.include.map((e) => e.name)).toEqual([
      'root 1 linux/amd64',
      'root 1 linux/arm64',
      'root 1 publish',
      'child 1 linux/amd64',
      'child 1 linux/arm64',
      'child 1 publish',
      'sibling 1',
      'plain 1',
    ]);
    expect(m.include[1]).toEqual({ name: 'root 1 linux/arm64', image: 'root', version: '1', tag: '1-c2', wave: 0, parents: [], kind: 'platform', platform: 'linux/arm64', runner: 'ubuntu-24.04-arm' });
    expect(m.include[0].runner).toBe('ubuntu-latest');
    // The publish job builds nothing (default runner) and pushes the descriptive tags with the index.
    expect(m.include[2]).toEqual({ name: 'root 1 publish', image: 'root', version: '1', tag: '1-c2', wave: 0, parents: [], taggers: ['python'], kind: 'publish', platforms: two });
    // One platform declared: today's one job, on that platform's runner. None declared: today's entry, byte for byte.
    expect(m.include[6]).toEqual({ name: 'sibling 1', image: 'sibling', version: '1', tag: '1-c2', wave: 1, parents: ['root'], runner: 'ubuntu-latest' });
    expect(JSON.stringify(m.include[7])).toBe('{"name":"plain 1","image":"plain","version":"1","tag":"1-c2","wave":0,"parents":[]}');
    expect(checkMatrixOrder(m)).toEqual([]);
  });

  it('takes runner labels from --runner over the defaults', () => {
    const m = makeMatrix(stack(), { runners: { 'linux/arm64': 'self-hosted-arm', 'linux/amd64': 'big-x86' } });
    expect(m.include.filter((e) => e.kind === 'platform').map((e) => `${e.platform}=${e.runner}`)).toEqual([
      'linux/amd64=big-x86',
      'linux/arm64=self-hosted-arm',
      'linux/amd64=big-x86',
      'linux/arm64=self-hosted-arm',
    ]);
    expect(m.include.find((e) => e.name === 'sibling 1')!.runner).toBe('big-x86');
  });

  it('refuses a platform without a runner label, naming the flag that fixes it', () => {
    const p = plan([entry('root', '1', [], 0, { platforms: ['linux/amd64', 'linux/riscv64'] })]);
    expect(() => makeMatrix(p)).toThrow(/image "root" is built for linux\/riscv64, and there is no runner label for linux\/riscv64/);
    expect(() => makeMatrix(p)).toThrow(InputError);
    try {
      makeMatrix(p);
    } catch (e) {
      expect((e as InputError).problems[0].fix).toBe('name a runner of that architecture: imagestack matrix --runner linux/riscv64=<runs-on label>');
    }
    expect(makeMatrix(p, { runners: { 'linux/riscv64': 'riscv-box' } }).include.map((e) => e.runner)).toEqual(['ubuntu-latest', 'riscv-box', undefined]);
  });

  it('counts platform and publish jobs against the 256-job limit', () => {
    const images = Array.from({ length: 86 }, (_, i) => entry(`i${i}`, '1', [], 0, { platforms: two }));
    expect(() => makeMatrix(plan(images))).toThrow(/258 jobs; GitHub allows at most 256/);
    expect(makeMatrix(plan(images.slice(0, 85))).include).toHaveLength(255);
  });

  it('checkMatrixOrder: a platform job before its parent\'s publish job, a publish job before its platform jobs', () => {
    const m = makeMatrix(stack());
    const [rootAmd, rootArm, rootPublish, childAmd] = m.include;
    expect(checkMatrixOrder({ include: [rootAmd, rootArm, childAmd, rootPublish] })).toEqual(['child 1 linux/amd64 is listed before its parent root 1']);
    expect(checkMatrixOrder({ include: [rootAmd, rootPublish, rootArm] })).toEqual(['root 1 publish is listed before the linux/arm64 job of root 1']);
    expect(checkMatrixOrder({ include: [rootAmd, rootPublish] })).toEqual(['root 1 publish is listed before the linux/arm64 job of root 1']);
  });
});

describe('parseRunnerFlags', () => {
  it('reads <platform>=<label>, the last one for a platform winning', () => {
    expect(parseRunnerFlags(['linux/arm64=a', 'linux/amd64=b', 'linux/arm64=c'])).toEqual({ 'linux/arm64': 'c', 'linux/amd64': 'b' });
  });
  it.each(['linux/arm64', 'arm64=x', 'linux/arm64=', 'linux/arm64=a b', '=x'])('refuses %j with the expected shape', (v) => {
    expect(() => parseRunnerFlags([v])).toThrow(/is not <platform>=<runs-on label>/);
  });
});

describe('checkMatrixOrder', () => {
  it('names a job listed before its parent', () => {
    const m = makeMatrix(plan([entry('base', '1', [], 0), entry('mid', '1', ['base'], 1)]));
    expect(checkMatrixOrder({ include: [...m.include].reverse() })).toEqual(['mid 1 is listed before its parent base 1']);
  });
});
