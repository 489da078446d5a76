/**
 * Each tag's external base digest and age on the site (issue 15): the model (a tag's parent from
 * its base labels, with its base image's created date; the current tag not yet in the registry
 * from the plan's `baseAge`) and the image page. Plain inputs, no I/O; the collector's registry
 * reads are exercised by test/base-age.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Plan, PlanEntry } from '../plan/types';
import { assembleSiteModel, type SiteInputs } from './assemble';
import { renderImagePage } from './render-pages';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const UP = 'up.test:5000/up/debian:bookworm-slim';

function entry(image: string, tag: string, action: 'build' | 'skip', parents: string[], baseAge?: PlanEntry['baseAge']): PlanEntry {
  return { image, version: '1', repository: `reg:5000/ns/${image}`, tag, reference: `reg:5000/ns/${image}:${tag}`, sourceCommit: 'b'.repeat(40), dirty: false, context: `images/${image}`, dockerfile: `images/${image}/Dockerfile`, parents, wave: parents.length, action, reason: action, bases: [], platforms: [], ...(baseAge ? { baseAge } : {}) };
}

function inputs(): SiteInputs {
  const plan: Plan = {
    head: 'b'.repeat(40),
    dirty: false,
    mode: 'registry',
    images: [
      entry('root', '1-bbbbbbb', 'build', [], [{ reference: UP, digest: D('2'), pinned: true, created: '2026-12-01T00:00:00Z' }]),
      entry('child', '1-aaaaaaa', 'skip', ['root']),
    ],
  };
  const labels = (name: string, digest: string) => ({ 'org.opencontainers.image.base.name': name, 'org.opencontainers.image.base.digest': digest });
  return {
    generatedAt: '2026-12-07T00:00:00.000Z',
    registry: 'reg:5000',
    namespace: 'ns',
    versions: ['1'],
    images: [
      { name: 'root', dockerfile: 'images/root/Dockerfile', parents: [], externalBases: [`${UP}@${D('2')}`], finalBase: UP },
      { name: 'child', dockerfile: 'images/child/Dockerfile', parents: [{ image: 'root', instruction: 'FROM' }], externalBases: [], finalParent: 'root' },
    ],
    plan,
    registryTags: {
      root: [
        { tag: '1-aaaaaaa', digest: D('a'), created: '2026-11-01T00:00:00Z', labels: labels(UP, D('1')) },
        { tag: '1-ccccccc', digest: D('c'), created: '2026-11-02T00:00:00Z', labels: labels('down.test/x:1', D('3')) },
      ],
      child: [{ tag: '1-aaaaaaa', digest: D('d'), created: '2026-11-01T00:00:00Z', labels: labels('reg:5000/ns/root:1-aaaaaaa', D('a')) }],
    },
    runs: [],
    manifests: {},
    promotions: {},
    baseCreated: { [`${UP}@${D('1')}`]: '2026-10-01T00:00:00Z' },
    warnings: [],
  };
}

describe('each tag’s external base and its age on the site', () => {
  const model = assembleSiteModel(inputs());
  const root = model.images[0].versions[0].tags;
  const child = model.images[1].versions[0].tags;

  it('a tag built on an external base names it with its digest and created date (unknown: no date); a stack parent stays as it was', () => {
    expect(root.find((t) => t.tag === '1-aaaaaaa')!.parent).toEqual({ reference: UP, digest: D('1'), external: true, created: '2026-10-01T00:00:00Z' });
    expect(root.find((t) => t.tag === '1-ccccccc')!.parent).toEqual({ reference: 'down.test/x:1', digest: D('3'), external: true });
    expect(child[0].parent).toEqual({ reference: 'reg:5000/ns/root:1-aaaaaaa', digest: D('a') });
  });

  it('the current tag, not in the registry yet, gets its pinned base from the plan', () => {
    expect(root[0]).toMatchObject({ tag: '1-bbbbbbb', inRegistry: false, parent: { reference: UP, digest: D('2'), external: true, created: '2026-12-01T00:00:00Z' } });
  });

  it('the image page shows the base digest and its age at the time the page was made', () => {
    const page = renderImagePage(model, model.images[0]);
    expect(page).toContain('base created <time datetime="2026-10-01T00:00:00Z">2026-10-01</time> (67d0h old)');
    expect(page).toContain('base created <time datetime="2026-12-01T00:00:00Z">2026-12-01</time> (6d0h old)');
    expect(page).toContain('base age unknown');
    expect(page).toContain(`title="${D('1')}"`);
    expect(renderImagePage(model, model.images[1])).not.toContain('base created');
  });
});
