/**
 * The base images' ages in the plan (core/plan/base-age.ts) and their table (`plan --base-age`).
 * `clientFor` is a small recording fake standing for `RegistryClient` on each base's registry
 * (HEAD of a tag, the image config of a digest); the real registry is exercised by
 * test/base-age.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { baseAgeTable, planJson } from '../../cli/commands/plan';
import type { BaseClient } from '../audit/base';
import { addBaseAges } from './base-age';
import type { Plan, PlanEntry } from './types';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const UP = 'up.test:5000/up/debian:bookworm-slim';

function entry(image: string, version: string, bases: PlanEntry['bases']): PlanEntry {
  return { image, version, repository: `r/ns/${image}`, tag: `${version}-aaaaaaa`, reference: `r/ns/${image}:${version}-aaaaaaa`, sourceCommit: 'a'.repeat(40), dirty: false, context: `images/${image}`, dockerfile: `images/${image}/Dockerfile`, parents: [], wave: 0, action: 'skip', reason: 'tag already in the registry', bases, platforms: [] };
}

function plan(): Plan {
  return {
    head: 'a'.repeat(40),
    dirty: false,
    mode: 'registry',
    images: [
      entry('base', '1', [{ reference: UP, digest: D('1') }]),
      entry('base', '2', [{ reference: UP, digest: D('1') }]),
      entry('tools', '1', [{ reference: UP, digest: D('2') }, { reference: 'up.test:5000/up/other:1', digest: null }]),
      entry('gone', '1', [{ reference: 'down.test/x/y:1', digest: D('3') }, { reference: 'up.test:5000/up/missing:1', digest: null }]),
      entry('child', '1', []),
    ],
  };
}

/** Records every request; `down.test` does not answer; `missing:1` is not in its registry. */
function fakeRegistries() {
  const asked: string[] = [];
  const clientFor = (registry: string): BaseClient => ({
    headManifest: async (repository, tag) => {
      asked.push(`HEAD ${registry}/${repository}:${tag}`);
      if (repository === 'up/missing') return undefined;
      return { digest: D('9'), mediaType: 'application/vnd.oci.image.index.v1+json', size: 1 };
    },
    getImageConfig: async (repository, reference) => {
      asked.push(`config ${registry}/${repository}@${reference}`);
      if (registry === 'down.test') throw new Error('GET https://down.test/v2/x/y/manifests/…: no answer\nsecond line');
      const created = { [D('1')]: '2026-10-01T00:00:00Z', [D('2')]: '2026-11-30T12:00:00Z', [D('9')]: '2026-12-06T00:00:00Z' }[reference];
      return { digest: D('c'), manifestDigest: reference, config: created ? { created } : {} };
    },
  });
  return { asked, clientFor };
}

describe('addBaseAges', () => {
  it('gives each entry its bases with digest and created date, one look-up per distinct base and digest, unpinned ones resolved by HEAD', async () => {
    const { asked, clientFor } = fakeRegistries();
    const p = plan();
    const before = JSON.stringify(planJson(plan()));
    await addBaseAges(p, { clientFor });
    expect(asked.sort()).toEqual([
      `HEAD up.test:5000/up/missing:1`,
      `HEAD up.test:5000/up/other:1`,
      `config down.test/x/y@${D('3')}`,
      `config up.test:5000/up/debian@${D('1')}`,
      `config up.test:5000/up/debian@${D('2')}`,
      `config up.test:5000/up/other@${D('9')}`,
    ]);
    const ages = Object.fromEntries(p.images.map((e) => [`${e.image}@${e.version}`, e.baseAge]));
    expect(ages['base@1']).toEqual([{ reference: UP, digest: D('1'), pinned: true, created: '2026-10-01T00:00:00Z' }]);
    expect(ages['base@2']).toEqual(ages['base@1']);
    expect(ages['tools@1']).toEqual([
      { reference: UP, digest: D('2'), pinned: true, created: '2026-11-30T12:00:00Z' },
      { reference: 'up.test:5000/up/other:1', digest: D('9'), pinned: false, created: '2026-12-06T00:00:00Z' },
    ]);
    expect(ages['gone@1']).toEqual([
      { reference: 'down.test/x/y:1', digest: D('3'), pinned: true, note: 'GET https://down.test/v2/x/y/manifests/…: no answer' },
      { reference: 'up.test:5000/up/missing:1', digest: null, pinned: false, note: 'up.test:5000/up/missing:1 is not in its registry (404)' },
    ]);
    expect(ages['child@1']).toEqual([]);
    // An added fact: plan --json changes only by the `baseAge` field.
    const after = planJson(p) as { images: Array<Record<string, unknown>> };
    expect(JSON.stringify({ ...after, images: after.images.map(({ baseAge: _, ...rest }) => rest) })).toBe(before);
    expect(after.images.every((e) => Array.isArray(e.baseAge))).toBe(true);
  });

  it('a config without a created date is a note', async () => {
    const { clientFor } = fakeRegistries();
    const p: Plan = { ...plan(), images: [entry('x', '1', [{ reference: UP, digest: D('7') }])] };
    await addBaseAges(p, { clientFor });
    expect(p.images[0].baseAge).toEqual([{ reference: UP, digest: D('7'), pinned: true, note: 'its image config has no created date' }]);
  });
});

describe('baseAgeTable (plan --base-age)', () => {
  it('one row per base and digest with its created date and age; the bases whose registry did not tell, below; nothing when not looked up', async () => {
    const { clientFor } = fakeRegistries();
    const p = plan();
    expect(baseAgeTable(p, new Date('2026-12-07T00:00:00Z'))).toBe('');
    await addBaseAges(p, { clientFor });
    expect(baseAgeTable(p, new Date('2026-12-07T00:00:00Z'))).toBe(
      "\nbase images (created: their image config's date, read from their registries):\n" +
        'base                                  digest                                       created     age\n' +
        '------------------------------------  -------------------------------------------  ----------  -----\n' +
        'up.test:5000/up/debian:bookworm-slim  sha256:111111111111                          2026-10-01  67d0h\n' +
        'up.test:5000/up/debian:bookworm-slim  sha256:222222222222                          2026-11-30  6d12h\n' +
        'up.test:5000/up/other:1               sha256:999999999999 (unpinned: its tag now)  2026-12-06  1d0h\n' +
        'down.test/x/y:1                       sha256:333333333333                          ?           ?\n' +
        'up.test:5000/up/missing:1             unpinned                                     ?           ?\n' +
        "age unknown (the base's registry did not tell):\n" +
        '  down.test/x/y:1: GET https://down.test/v2/x/y/manifests/…: no answer\n' +
        '  up.test:5000/up/missing:1: up.test:5000/up/missing:1 is not in its registry (404)\n',
    );
  });
});
