/**
 * Descriptive tags end to end (promises 2 and 4): the fixture stack
 * `fixtures/stacks/taggers/` (tiny images, no package installs) built and pushed by the real
 * CLI against the real engine and registry; the tags are read back with the registry's tags
 * list. Nothing is faked.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/core/registry';
import type { RunReport } from '../src/core/report/report';
import { testEnvironment } from './support/env';
import { fixtureWorkspace, type PlanJson } from './support/workspace';

const { registry } = testEnvironment();
const client = new RegistryClient({ registry, credentials: null });
const V = '2026.1';

describe('descriptive tags from taggers', () => {
  const ws = fixtureWorkspace('taggers', registry);
  let plan: PlanJson['images'];
  let first: { code: number; stdout: string; stderr: string };
  const sha = (image: string) => plan.find((e) => e.image === image)!.tag.split('-').pop()!;
  const tags = async (image: string) => (await client.listTags(`${ws.namespace}/${image}`)).sort();
  const digest = async (image: string, tag: string) => (await client.headManifest(`${ws.namespace}/${image}`, tag))?.digest;
  const report = () => JSON.parse(readFileSync(path.join(ws.dir, 'dist/imagestack/report.json'), 'utf8')) as RunReport;

  beforeAll(async () => {
    plan = (await ws.plan()).images;
    first = await ws.cli(['build', '--parallel', '2']);
  });
  afterAll(() => ws.dispose());

  it('plan names each image’s taggers, inherited along the FROM chain', () => {
    const taggers = Object.fromEntries(plan.map((e) => [e.image, (e as { taggers?: string[] }).taggers]));
    expect(taggers).toEqual({
      base: ['date', 'os', 'bash'],
      tool: ['date', 'os', 'bash', 'tool'],
      leaf: ['date', 'os', 'tool'],
      broken: ['date', 'os', 'bash', 'spaced', 'long', 'failing'],
      'after-broken': ['date', 'os', 'bash', 'spaced', 'long', 'failing'],
    });
  });

  it('pushes <version>-<part>-<sha7> beside <version>-<sha7>, inherited by children, same digest', async () => {
    const bash = (await tags('base')).find((t) => t.startsWith(`${V}-bash-`))!;
    expect(bash).toMatch(new RegExp(`^${V}-bash-5\\.\\d+\\.\\d+-${sha('base')}$`)); // 5.2.15-2+b2: revision dropped
    const part = bash.slice(V.length + 1, -8);
    const expected = (image: string, parts: string[]) => [`${V}-${sha(image)}`, ...parts.map((p) => `${V}-${p}-${sha(image)}`)].sort();
    // The test workspace commits at 1_700_000_000 s + 60 s a commit: 2023-11-14 UTC.
    expect(await tags('base')).toEqual(expected('base', ['2023-11-14', 'debian-12', part]));
    expect(await tags('tool')).toEqual(expected('tool', ['2023-11-14', 'debian-12', part, 'tool-1.2.3']));
    expect(await tags('leaf')).toEqual(expected('leaf', ['2023-11-14', 'debian-12', 'tool-1.2.3'])); // bash: off
    for (const t of await tags('tool')) expect(await digest('tool', t)).toBe(await digest('tool', `${V}-${sha('tool')}`));
  });

  it('refuses invalid tagger output with its message, and blocks nothing else', async () => {
    expect(first.code, first.stdout + first.stderr).toBe(1);
    const out = first.stdout + first.stderr;
    expect(out).toContain('tagger "spaced" (from broken): "spaced-two words" is not a tag part: it contains a space at character 11');
    expect(out).toMatch(/tagger "long" \(from broken\): "long-a{52}…" is not a tag part: it is 205 characters long \(at most 128\)/);
    expect(out).toContain('tagger "failing" (from broken): "exit 3" exited 3');
    const r = report();
    expect(r.ok).toBe(false);
    expect(Object.fromEntries(r.images.map((i) => [i.image, i.status]))).toEqual({ base: 'pushed', tool: 'pushed', leaf: 'pushed', broken: 'pushed', 'after-broken': 'pushed' });
    const broken = r.images.find((i) => i.image === 'broken')!;
    expect(broken.taggerProblems).toHaveLength(3);
    expect(broken.descriptiveTags!.map((t) => t.part)).toEqual(['2023-11-14', 'debian-12', expect.stringMatching(/^bash-/)]);
    expect((await tags('after-broken')).length).toBe(4);
    expect(readFileSync(path.join(ws.dir, 'dist/imagestack/report.md'), 'utf8')).toContain('### Refused taggers');
  });

  it('never overwrites an immutable descriptive tag: a forced rebuild at the same commit leaves them', async () => {
    const before: Record<string, string | undefined> = {};
    for (const t of await tags('tool')) before[t] = await digest('tool', t);
    const again = await ws.cli(['build', 'tool']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('0 pushed, 0 built'); // build twice at one commit: nothing to do
    const forced = await ws.cli(['build', 'tool', '--force']);
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    const r = report().images.find((i) => i.image === 'tool')!;
    expect(r.tag).toContain('.force-');
    expect(r.descriptiveTags!.map((t) => t.status)).toEqual(['present', 'present', 'present', 'present']);
    for (const [t, d] of Object.entries(before)) expect(await digest('tool', t), t).toBe(d);
  });
});
