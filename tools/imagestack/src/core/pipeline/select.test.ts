/** The selection step is pure: plain data in (a hand-made stack and plan, as readStack/makePlan make them), plain data out. */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import { checkNames, forcedSuffix, refuseClassicPlatformBases, refuseIncompleteTags, selectEntries } from './select';
import { fakePlan, fakeStack } from './__fixtures__/ports';

const stack = fakeStack({ base: [], mid: ['base'], leaf: ['mid'], side: ['base'] });
const now = new Date('2026-12-07T14:05:09.123Z');

describe('selectEntries', () => {
  it('adds the ancestors a selected image needs, in topological order after it', () => {
    const s = selectEntries(fakePlan(stack), stack, { images: ['leaf'], now });
    expect([...s.selected]).toEqual(['leaf@1']);
    expect([...s.needed]).toEqual(['leaf@1', 'base@1', 'mid@1']);
    expect(s.toBuild).toEqual(['leaf@1', 'base@1', 'mid@1']);
  });

  it('leaves ancestors out with withAncestors false, and entries already in the registry out of toBuild', () => {
    const plan = fakePlan(stack, ['base']);
    expect([...selectEntries(plan, stack, { images: ['leaf'], withAncestors: false, now }).needed]).toEqual(['leaf@1']);
    expect(selectEntries(plan, stack, { now }).toBuild).toEqual(['mid@1', 'leaf@1', 'side@1']);
  });

  it('with changed commits, keeps only entries whose source commit changed', () => {
    const plan = fakePlan(stack);
    plan.images[3].sourceCommit = 'b'.repeat(40);
    expect([...selectEntries(plan, stack, { changed: new Set(['b'.repeat(40)]), now, withAncestors: false }).selected]).toEqual(['side@1']);
  });

  it('forces the selected entries only, under <tag>.force-<UTC time of the run>', () => {
    const s = selectEntries(fakePlan(stack, ['base', 'mid']), stack, { images: ['mid'], force: true, now });
    expect(forcedSuffix(now)).toBe('.force-20261207T140509');
    expect(s.entries.get('mid@1')).toMatchObject({ tag: '1-abc1234.force-20261207T140509', action: 'build' });
    expect(s.entries.get('mid@1')!.reference).toBe('reg.test:5000/ns/mid:1-abc1234.force-20261207T140509');
    expect(s.entries.get('base@1')).toMatchObject({ tag: '1-abc1234', action: 'skip' });
  });
});

describe('checkNames', () => {
  it('names unknown images and versions, with the specs.yml path relative to the caller', () => {
    const err = (() => {
      try {
        checkNames(stack, stack.specs.file, path.dirname(stack.specs.root), ['nope'], ['9']);
      } catch (e) {
        return e as InputError;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect(err!.message).toContain('unknown image "nope"');
    expect(err!.message).toContain('unknown version "9"');
    expect(err!.message).toContain(path.join(path.basename(stack.specs.root), 'specs.yml'));
  });
});

describe('refuseIncompleteTags', () => {
  it('refuses a run needing a tag that lacks platforms asked for (promises 2 and 10), and ignores one it does not need', () => {
    const plan = fakePlan(stack, ['base', 'side']);
    plan.lackingPlatforms = new Map([['side@1', ['linux/arm64']]]);
    expect(() => refuseIncompleteTags(plan, selectEntries(plan, stack, { images: ['leaf'], now }).needed, 'specs.yml')).not.toThrow();
    const err = (() => {
      try {
        refuseIncompleteTags(plan, selectEntries(plan, stack, { now }).needed, 'specs.yml');
      } catch (e) {
        return e as InputError;
      }
    })();
    expect(err!.problems).toEqual([
      {
        file: 'specs.yml',
        message: `${plan.images.find((e) => e.image === 'side')!.reference} is in the registry but lacks linux/arm64, which specs.yml asks for "side" at version 1; a tag is never overwritten`,
        fix: 'give "side" a new tag (change its inputs, e.g. its entry in specs.yml) to build every platform, or remove linux/arm64 from its platforms',
      },
    ]);
  });
});

describe('refuseClassicPlatformBases', () => {
  it('refuses a multi-platform image with a base outside the stack under the classic builder, at its FROM line; stack parents and scratch are fine', () => {
    const plan = fakePlan(stack);
    const s = selectEntries(plan, stack, { now });
    expect(() => refuseClassicPlatformBases(stack, s.entries, s.toBuild, 'the legacy builder')).not.toThrow();
    for (const e of s.entries.values()) e.platforms = ['linux/amd64', 'linux/arm64'];
    let err: InputError | undefined;
    try {
      refuseClassicPlatformBases(stack, s.entries, s.toBuild, 'the legacy builder');
    } catch (e) {
      err = e as InputError;
    }
    // Only base has an external base (debian:bookworm); its children are built from it per platform.
    expect(err!.problems).toEqual([
      {
        file: 'images/base/Dockerfile',
        line: 1,
        message: 'image "base" is built for linux/amd64, linux/arm64 from debian:bookworm, a base outside the stack, with the legacy builder, which takes a local tag as it is whatever its platform',
        fix: 'build with BuildKit (builder: auto or buildkit in specs.yml, or --builder buildkit), which resolves the base for each platform',
      },
    ]);
  });
});
