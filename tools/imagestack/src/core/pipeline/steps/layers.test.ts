/**
 * Children built on their parents' unlabelled layers, one version after the other
 * (`layers.ts`). FakeEngine stands for the Docker engine: its local images are set by hand
 * the way the classic builder leaves them (a labelled image whose `Parent` is the image before
 * the label step). The same against the real engine and registry: test/layers.test.ts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LocalImage } from '../../ports';
import type { PlanEntry } from '../../plan/types';
import { nodeKey } from '../../tags/tag';
import { StepLog } from '../../engine/log';
import { fakeRun, fakeSetup, NAMESPACE, REGISTRY } from '../__fixtures__/ports';
import { unlabelledImage, withSharedLayers } from './layers';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const U = D('u');
const ref = (image: string, version: string) => `${REGISTRY}/${NAMESPACE}/${image}:${version}-abc1234`;
const labelled = (id: string, version: string, parent?: string): LocalImage => ({ id, labels: { 'io.imagestack.version': version }, repoDigests: [], parent });

/** base ← mid in versions 1 and 2, with `local` as the engine's images. */
function setup(local: Record<string, LocalImage>) {
  const { stack, plan, registry, engine } = fakeSetup({ base: [], mid: ['base'] });
  const { run } = fakeRun(stack, plan, { engine, registry });
  for (const e of [...run.entries.values()]) {
    const v2: PlanEntry = { ...e, version: '2', tag: '2-abc1234', reference: ref(e.image, '2') };
    run.entries.set(nodeKey(e.image, '2'), v2);
  }
  for (const [k, v] of Object.entries(local)) engine.local.set(k, v);
  const log = new StepLog(path.join(mkdtempSync(path.join(tmpdir(), 'imagestack-layers-')), 'log'));
  return { run, engine, log, entry: (image: string, version: string) => run.entries.get(nodeKey(image, version))! };
}

describe('withSharedLayers', () => {
  it('builds both versions of a child on the same unlabelled parent, one after the other, and untags it after', async () => {
    const { run, engine, log, entry } = setup({
      [ref('base', '1')]: labelled(D('1'), '1', U),
      [ref('base', '2')]: labelled(D('2'), '2', U),
      [U]: { id: U, labels: { description: 'base' }, repoDigests: [] },
    });
    const seen: string[] = [];
    const events: string[] = [];
    const build = (version: string) =>
      withSharedLayers(run, entry('mid', version), { BASE_TAG: `${version}-abc1234`, C_STD: version }, log, () => events.push(`wait ${version}`), undefined, async (args) => {
        seen.push(`${version} ${args.BASE_TAG} ${args.C_STD}`);
        events.push(`start ${version}`);
        await new Promise((r) => setTimeout(r, 20));
        events.push(`end ${version}`);
      });
    await Promise.all([build('1'), build('2')]);
    expect(seen).toEqual(['1 unlabelled-uuuuuuuuuuuu 1', '2 unlabelled-uuuuuuuuuuuu 2']);
    expect(events).toContain('wait 2');
    expect(events.filter((x) => !x.startsWith('wait'))).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
    const side = `${REGISTRY}/${NAMESPACE}/base:unlabelled-uuuuuuuuuuuu`;
    expect(engine.tags).toEqual([`tag ${side}`, `tag ${side}`, `untag ${side}`]);
  });

  it('keeps the labelled parent when the engine knows no unlabelled one (pulled, BuildKit, or built before)', async () => {
    const { run, engine, log, entry } = setup({
      [ref('base', '1')]: labelled(D('1'), '1'), // pulled: no Parent
      [ref('base', '2')]: labelled(D('2'), '2', D('3')), // its Parent carries imagestack labels
      [D('3')]: labelled(D('3'), '2'),
    });
    for (const version of ['1', '2']) {
      const args = await withSharedLayers(run, entry('mid', version), { BASE_TAG: `${version}-abc1234` }, log, () => undefined, undefined, async (a) => a);
      expect(args.BASE_TAG).toBe(`${version}-abc1234`);
    }
    expect(engine.tags).toEqual([]);
  });

  it('removes the tag when the build fails, and does not queue builds on different parent images', async () => {
    const { run, engine, log, entry } = setup({
      [ref('base', '1')]: labelled(D('1'), '1', U),
      [U]: { id: U, labels: {}, repoDigests: [] },
      [ref('base', '2')]: labelled(D('2'), '2'),
    });
    const waits: string[] = [];
    const failing = withSharedLayers(run, entry('mid', '1'), { BASE_TAG: '1-abc1234' }, log, (d) => waits.push(d), undefined, async () => {
      await new Promise((r) => setTimeout(r, 20));
      throw new Error('RUN exited 1');
    });
    const other = withSharedLayers(run, entry('mid', '2'), { BASE_TAG: '2-abc1234' }, log, (d) => waits.push(d), undefined, async () => 'built');
    await expect(failing).rejects.toThrow('RUN exited 1');
    expect(await other).toBe('built');
    expect(waits).toEqual([]);
    expect(engine.tags.at(-1)).toBe(`untag ${REGISTRY}/${NAMESPACE}/base:unlabelled-uuuuuuuuuuuu`);
  });
});

describe('withSharedLayers with BuildKit', () => {
  // BuildKit images have no Parent; the lane is by the parents' layers (RootFS.Layers).
  const withLayers = (id: string, version: string, layers: string[]): LocalImage => ({ ...labelled(id, version), layers });
  const twoVersions = async (layers2: string[]) => {
    const { run, engine, log, entry } = setup({
      [ref('base', '1')]: withLayers(D('1'), '1', [D('a'), D('b')]),
      [ref('base', '2')]: withLayers(D('2'), '2', layers2),
    });
    run.options.buildkit = true;
    const events: string[] = [];
    const build = (version: string) =>
      withSharedLayers(run, entry('mid', version), { BASE_TAG: `${version}-abc1234` }, log, () => events.push(`wait ${version}`), undefined, async (args) => {
        events.push(`start ${version} ${args.BASE_TAG}`);
        await new Promise((r) => setTimeout(r, 20));
        events.push(`end ${version}`);
      });
    await Promise.all([build('1'), build('2')]);
    return { events, tags: engine.tags };
  };

  it('builds two versions whose parents differ only in labels one after the other, on the labelled parents', async () => {
    const { events, tags } = await twoVersions([D('a'), D('b')]);
    expect(events).toContain('wait 2');
    expect(events.filter((x) => !x.startsWith('wait'))).toEqual(['start 1 1-abc1234', 'end 1', 'start 2 2-abc1234', 'end 2']);
    expect(tags).toEqual([]);
  });

  it('builds them at the same time when the parents have different layers', async () => {
    const { events } = await twoVersions([D('a'), D('c')]);
    expect(events.filter((x) => x.startsWith('wait'))).toEqual([]);
    expect(events.slice(0, 2)).toEqual(['start 1 1-abc1234', 'start 2 2-abc1234']);
  });
});

describe('unlabelledImage', () => {
  it('is the Parent of an image imagestack labelled, when that Parent carries no imagestack label', async () => {
    const images: Record<string, LocalImage> = { a: labelled(D('1'), '1', U), [U]: { id: U, labels: {}, repoDigests: [] }, b: { id: D('4'), labels: {}, repoDigests: [], parent: U } };
    const engine = { inspectImage: async (r: string) => images[r] };
    expect(await unlabelledImage(engine, 'a')).toBe(U);
    expect(await unlabelledImage(engine, 'b')).toBeUndefined(); // not labelled by imagestack
    expect(await unlabelledImage(engine, 'none')).toBeUndefined();
  });
});
