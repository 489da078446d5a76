/**
 * Moving descriptive tags (promise 5 with descriptive tags): `<version>-<moving part>`,
 * `<moving part>` and `latest` change only on promote, in the same unit as
 * `<version>-stable`, are recorded in the promotion, and come back on revert. The taggers
 * fixture stack is built and pushed by the real CLI at two commits; every digest is read
 * back from the real registry. Nothing is faked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/core/registry';
import type { Promotion } from '../src/core/release/types';
import { testEnvironment } from './support/env';
import { fixtureWorkspace, type PlanJson } from './support/workspace';

const { registry } = testEnvironment();
const client = new RegistryClient({ registry, credentials: null });
const V = '2026.1';
/** The moving tags of tool (taggers date, os, bash, tool; the only version is the newest). */
const moving = (tool: string, bash: string) => [`${V}-${bash}`, `${V}-debian-12`, `${V}-${tool}`, bash, 'debian-12', 'latest', tool].sort();

describe('moving descriptive tags', () => {
  const ws = fixtureWorkspace('taggers', registry, 'imagestack-moving-');
  const plans: Record<'c1' | 'c2', PlanJson['images']> = { c1: [], c2: [] };
  const commits = { c1: '', c2: '' };
  let bash = '';
  const digest = async (image: string, tag: string) => (await client.headManifest(`${ws.namespace}/${image}`, tag))?.digest ?? 'absent';
  const source = (c: 'c1' | 'c2', image: string) => plans[c].find((e) => e.image === image)!.tag;
  async function digests(image: string, tags: string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const t of tags) out[t] = await digest(image, t);
    return out;
  }
  const all = (d: string, tags: string[]) => Object.fromEntries(tags.map((t) => [t, d]));

  beforeAll(async () => {
    commits.c1 = ws.git('rev-parse', 'HEAD');
    plans.c1 = (await ws.plan()).images;
    let r = await ws.cli(['build', '--parallel', '2']);
    expect(r.code, r.stdout).toBe(1); // the broken image's taggers are refused; everything is pushed
    const bashTag = (await client.listTags(`${ws.namespace}/tool`)).find((t) => t.startsWith(`${V}-bash-`))!;
    bash = bashTag.slice(V.length + 1, -8).replace(/^(bash-\d+\.\d+)\..*$/, '$1');
    ws.write('images/tool/Dockerfile', ws.read('images/tool/Dockerfile').replace('1.2.3', '1.3.0'));
    commits.c2 = ws.commit('tool 1.3.0');
    plans.c2 = (await ws.plan()).images;
  });
  afterAll(() => ws.dispose());

  it('are not written by a build; promote moves them with <version>-stable and records them', async () => {
    const tags = moving('tool-1.2', bash);
    expect(await digests('tool', tags)).toEqual(all('absent', tags));
    const r = await ws.cli(['promote', '--version', V, '--commit', commits.c1]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('moving descriptive tags: 27 of 27 moved'); // 7 for tool and each image's own
    expect(await digests('tool', tags)).toEqual(all(await digest('tool', source('c1', 'tool')), tags));
    expect(await digest('base', 'latest')).toBe(await digest('base', source('c1', 'base')));
    expect(await digest('leaf', `${V}-tool-1.2`)).toBe(await digest('leaf', source('c1', 'leaf'))); // inherited tagger
    const h = await ws.cli(['history', '--version', V, '--json']);
    const [record] = JSON.parse(h.stdout) as Promotion[];
    expect(record.movingTags!.filter((m) => m.image === 'tool').map((m) => m.stableTag).sort()).toEqual(tags);
  });

  it('a build of a new commit leaves them; promoting it moves them; revert brings them back', async () => {
    const c1Tags = moving('tool-1.2', bash);
    const atC1 = await digests('tool', c1Tags);
    const r = await ws.cli(['build', 'tool', 'leaf']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await digests('tool', c1Tags)).toEqual(atC1); // only promote moves them
    expect(await digest('tool', `${V}-tool-1.3.0-${source('c2', 'tool').slice(-7)}`)).toBe(await digest('tool', source('c2', 'tool')));

    let p = await ws.cli(['promote', '--version', V, '--commit', commits.c2]);
    expect(p.code, p.stdout + p.stderr).toBe(0);
    const c2 = await digest('tool', source('c2', 'tool'));
    const c2Tags = moving('tool-1.3', bash);
    expect(await digests('tool', c2Tags)).toEqual(all(c2, c2Tags));
    expect(await digest('tool', `${V}-tool-1.2`)).toBe(atC1[`${V}-tool-1.2`]); // not named by c2: left alone
    expect(await digest('tool', `${V}-stable`)).toBe(c2);

    p = await ws.cli(['revert', '--version', V]);
    expect(p.code, p.stdout + p.stderr).toBe(0);
    expect(await digests('tool', c1Tags)).toEqual(atC1);
    expect(await digest('tool', `${V}-stable`)).toBe(atC1.latest);
    expect(await digest('base', 'latest')).toBe(await digest('base', source('c1', 'base')));
  });
});
