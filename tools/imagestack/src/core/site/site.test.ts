import { describe, expect, it } from 'vitest';
import type { Plan } from '../plan/types';
import type { Promotion } from '../release/types';
import type { RunReport } from '../report/report';
import type { PackageManifest } from '../verify/manifest/types';
import { assembleSiteModel, commitUrl, siteStatus, type SiteInputs } from './assemble';
import { InputError } from '../errors';
import { generateSite, renderSite } from './generate';
import { esc, formatMs, html, raw } from './html';
import { graphOf, nodeLabel, worstStatus } from './render-graph';
import { promotionChanges, renderDiff } from './render-pages';

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const D = (c: string) => `sha256:${c.repeat(64)}`;

function plan(): Plan {
  const e = (image: string, version: string, tag: string, sha: string, action: 'build' | 'skip', parents: string[] = []) => ({
    image,
    version,
    repository: `reg:5000/ns/${image}`,
    tag,
    reference: `reg:5000/ns/${image}:${tag}`,
    sourceCommit: sha,
    dirty: false,
    parents,
    wave: parents.length,
    action,
    reason: action === 'skip' ? 'tag already in the registry' : 'tag missing in the registry',
  });
  return {
    head: SHA_B,
    dirty: false,
    mode: 'registry',
    images: [e('base', '1', '1-aaaaaaa', SHA_A, 'skip'), e('app', '1', '1-bbbbbbb', SHA_B, 'build', ['base']), e('tool', '1', '1-bbbbbbb', SHA_B, 'build', ['base'])],
  };
}

function report(startedAt: string, images: Array<Partial<RunReport['images'][number]> & { image: string; tag: string; status: RunReport['images'][number]['status'] }>): RunReport {
  return {
    head: SHA_B,
    dirty: false,
    ok: images.every((i) => i.status !== 'failed'),
    startedAt,
    durationMs: 1234,
    counts: { pushed: 0, built: 0, skipped: 0, failed: 0, blocked: 0, cancelled: 0 },
    images: images.map((i) => ({ version: '1', reference: `r:${i.tag}`, sourceCommit: SHA_B, reason: i.status, durations: {}, action: 'build', ...i })) as RunReport['images'],
  };
}

function manifest(tag: string, previous: boolean): PackageManifest {
  return {
    format: 1,
    image: 'app',
    version: '1',
    tag,
    reference: `reg:5000/ns/app:${tag}`,
    imageId: D('1'),
    sourceCommit: SHA_B,
    dirty: false,
    created: '2026-01-02T00:00:00Z',
    size: 1000,
    os: { PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)' },
    layers: [],
    commands: {},
    packages: { dpkg: { curl: '7.88.1-10', 'lib<x>': '1' }, pip: {} },
    pipSource: 'none',
    diff: previous
      ? {
          previous: { tag: '1-aaaaaaa', reference: 'reg:5000/ns/app:1-aaaaaaa', sourceCommit: SHA_A },
          dpkg: { added: [{ name: 'jq', version: '1.6' }], removed: [], changed: [{ name: 'curl', from: '7.88.1-9', to: '7.88.1-10' }] },
          pip: { added: [], removed: [{ name: 'six', version: '1.16' }], changed: [] },
        }
      : { previous: null, reason: 'no earlier 1-<sha7> tag in the registry' },
  } as PackageManifest;
}

function inputs(over: Partial<SiteInputs> = {}): SiteInputs {
  return {
    generatedAt: '2026-01-03T00:00:00.000Z',
    registry: 'reg:5000',
    namespace: 'ns',
    source: 'https://github.com/org/repo.git',
    versions: ['1'],
    images: [
      { name: 'base', dockerfile: 'images/base/Dockerfile', parents: [], externalBases: ['debian:bookworm-slim'] },
      { name: 'app', dockerfile: 'images/app/Dockerfile', parents: [{ image: 'base', instruction: 'FROM' }], externalBases: [], finalParent: 'base' },
      { name: 'tool', dockerfile: 'images/tool/Dockerfile', parents: [{ image: 'base', instruction: 'COPY --from' }], externalBases: ['busybox'] },
    ],
    plan: plan(),
    registryTags: {
      base: [
        { tag: '1-aaaaaaa', digest: D('a'), size: 5_000_000, created: '2026-01-01T00:00:00Z', labels: { 'org.opencontainers.image.revision': SHA_A } },
        { tag: '1-stable', digest: D('a'), labels: {} },
      ],
      app: [
        {
          tag: '1-aaaaaaa',
          digest: D('c'),
          created: '2026-01-01T00:00:00Z',
          labels: { 'org.opencontainers.image.revision': SHA_A, 'org.opencontainers.image.base.name': 'reg:5000/ns/base:1-aaaaaaa', 'org.opencontainers.image.base.digest': D('a') },
        },
        {
          tag: '1-bbbbbbb',
          digest: D('d'),
          created: '2026-01-02T00:00:00Z',
          labels: { 'org.opencontainers.image.revision': SHA_B, 'org.opencontainers.image.base.name': 'reg:5000/ns/base:1-aaaaaaa' },
        },
      ],
      tool: [],
    },
    lastRun: report('2026-01-02T00:00:00.000Z', [
      { image: 'tool', tag: '1-bbbbbbb', status: 'failed', step: 'test', error: 'test failed: exit 1', logTail: ['FAIL: <boom>'], durations: { build: 1500, test: 300 } },
      { image: 'base', tag: '1-aaaaaaa', status: 'skipped' },
      { image: 'base', version: '2', tag: '2-aaaaaaa', status: 'pushed', durations: { build: 900, test: 1 }, gates: { test: { ok: true, summary: 'no tests' } } },
      { image: 'app', tag: '1-bbbbbbb', status: 'pushed', durations: { build: 2000, test: 500 } },
    ]),
    runs: [
      report('2026-01-01T00:00:00.000Z', [{ image: 'app', tag: '1-aaaaaaa', status: 'pushed', durations: { build: 4000, test: 700 } }]),
      report('2026-01-02T00:00:00.000Z', []), // same startedAt as lastRun: deduplicated (lastRun wins as it comes later)
    ],
    manifests: {
      'app/1-bbbbbbb': { manifest: manifest('1-bbbbbbb', true), files: { json: 'manifests/app/1-bbbbbbb.json' } },
      'app/1-aaaaaaa': { manifest: manifest('1-aaaaaaa', false), files: { json: 'manifests/app/1-aaaaaaa.json' } },
    },
    promotions: {},
    warnings: [],
    ...over,
  };
}

describe('commitUrl', () => {
  it('links http(s) and scp-style remotes, nothing else', () => {
    expect(commitUrl('https://github.com/org/repo.git', SHA_A)).toBe(`https://github.com/org/repo/commit/${SHA_A}`);
    expect(commitUrl('git@github.com:org/repo.git', SHA_A)).toBe(`https://github.com/org/repo/commit/${SHA_A}`);
    expect(commitUrl('/srv/git/repo', SHA_A)).toBeUndefined();
    expect(commitUrl(undefined, SHA_A)).toBeUndefined();
    expect(commitUrl('https://github.com/org/repo', 'not a sha')).toBeUndefined();
  });
});

describe('siteStatus', () => {
  it('reads the last run only when it ran the current tag', () => {
    expect(siteStatus({ tag: 't', inRegistry: true }, { tag: 't', status: 'pushed', reason: '' }).status).toBe('built');
    expect(siteStatus({ tag: 't', inRegistry: false }, { tag: 't', status: 'failed', reason: '', step: 'test' })).toEqual({ status: 'failed', detail: 'test failed in the last run' });
    expect(siteStatus({ tag: 't', inRegistry: false }, { tag: 't', status: 'blocked', reason: '', blockedBy: 'base' }).detail).toContain('parent base failed');
    expect(siteStatus({ tag: 't', inRegistry: true }, { tag: 'old', status: 'failed', reason: '' }).status).toBe('skipped');
    expect(siteStatus({ tag: 't', inRegistry: false }, { tag: 'old', status: 'pushed', reason: '' }).status).toBe('stale');
    expect(siteStatus({ tag: 't', inRegistry: false }, undefined).status).toBe('stale');
  });
});

describe('assembleSiteModel', () => {
  const model = assembleSiteModel(inputs());
  const app = model.images.find((i) => i.name === 'app')!.versions[0];
  const base = model.images.find((i) => i.name === 'base')!.versions[0];
  const tool = model.images.find((i) => i.name === 'tool')!.versions[0];

  it('gives each image and version its status from the last run', () => {
    expect([base.status, app.status, tool.status]).toEqual(['skipped', 'built', 'failed']);
  });

  it('lists tags newest first with commit links, parents, and the stable tag by digest', () => {
    expect(app.tags.map((t) => t.tag)).toEqual(['1-bbbbbbb', '1-aaaaaaa']);
    expect(app.tags[0]).toMatchObject({ current: true, stable: false, commitUrl: `https://github.com/org/repo/commit/${SHA_B}`, parent: { reference: 'reg:5000/ns/base:1-aaaaaaa' } });
    expect(app.tags[1].parent).toEqual({ reference: 'reg:5000/ns/base:1-aaaaaaa', digest: D('a') });
    expect(base.stable).toEqual({ tag: '1-aaaaaaa', digest: D('a') });
    expect(base.tags.map((t) => t.tag)).toEqual(['1-aaaaaaa']); // 1-stable is not a tag row
    expect(base.tags[0].stable).toBe(true);
  });

  it('adds the current tag when it is only in the plan', () => {
    expect(tool.tags).toEqual([expect.objectContaining({ tag: '1-bbbbbbb', inRegistry: false, current: true })]);
  });

  it('attaches package manifests; the full list only to the newest', () => {
    expect(app.tags[0].manifest?.packages?.dpkg).toHaveProperty('curl');
    expect(app.tags[1].manifest?.packages).toBeUndefined();
    expect(app.tags[1].manifest?.diff.previous).toBeNull();
  });

  it('collects durations over runs, oldest first, one run per start time', () => {
    expect(app.durations).toEqual([
      { at: '2026-01-01T00:00:00.000Z', tag: '1-aaaaaaa', status: 'pushed', buildMs: 4000, testMs: 700 },
      { at: '2026-01-02T00:00:00.000Z', tag: '1-bbbbbbb', status: 'pushed', buildMs: 2000, testMs: 500 },
    ]);
    expect(model.sources.runReports).toBe(2);
    const base2 = assembleSiteModel(inputs({ versions: ['1', '2'], plan: { ...plan(), images: [...plan().images, { ...plan().images[0], version: '2', tag: '2-aaaaaaa' }] } })).images[0].versions[1];
    expect(base2.durations).toEqual([{ at: '2026-01-02T00:00:00.000Z', tag: '2-aaaaaaa', status: 'pushed', buildMs: 900 }]);
  });

  it('puts failures first in the run', () => {
    expect(model.run!.images.map((r) => r.status)).toEqual(['failed', 'skipped', 'pushed', 'pushed']);
  });

  it('marks edges from build stages and COPY --from as not final', () => {
    const { edges, nodes } = graphOf(model);
    expect(edges).toEqual([
      { id: 'base->app', source: 'base', target: 'app', final: true },
      { id: 'base->tool', source: 'base', target: 'tool', final: false },
    ]);
    expect(nodes.map((n) => n.id)).toEqual(['base', 'app', 'tool']);
    expect(worstStatus(model.images[2])).toBe('failed');
    expect(nodeLabel(model.images[0])).toBe('base. 1: skipped, tag 1-aaaaaaa, stable 1-aaaaaaa. Open the image page.');
  });
});

describe('html', () => {
  it('escapes interpolations but not nested html or raw', () => {
    expect(html`<p title="${'"x"'}">${'<b>'}${html`<i>${'&'}</i>`}${raw('<br>')}${['a', '<']}${undefined}${false}</p>`.value).toBe(
      '<p title="&quot;x&quot;">&lt;b&gt;<i>&amp;</i><br>a&lt;</p>',
    );
    expect(esc(`'`)).toBe('&#39;');
    expect(formatMs(850)).toBe('850 ms');
    expect(formatMs(12_345)).toBe('12.3 s');
    expect(formatMs(245_000)).toBe('4 min 05 s');
  });
});

describe('renderDiff', () => {
  it('shows changed, added and removed packages of dpkg and pip', () => {
    const m = assembleSiteModel(inputs()).images[1].versions[0].tags[0].manifest!;
    const out = renderDiff(m).value;
    expect(out).toContain('3 package changes since <code>1-aaaaaaa</code>');
    expect(out).toMatch(/<code>curl<\/code><\/td><td>changed<\/td><td class="mono">7\.88\.1-9<\/td><td class="mono">7\.88\.1-10/);
    expect(out).toContain('<code>jq</code></td><td>added');
    expect(out).toContain('<td>pip</td><td><code>six</code></td><td>removed');
  });
});

describe('promotionChanges', () => {
  it('names moved images with their old and new tags', () => {
    const p: Promotion = {
      number: 2,
      version: '1',
      kind: 'promote',
      commit: SHA_B,
      at: '2026-01-02T00:00:00.000Z',
      by: 'ci',
      images: [
        { image: 'base', repository: 'reg:5000/ns/base', sourceTag: '1-aaaaaaa', stableTag: '1-stable', previousDigest: D('a'), digest: D('a'), mediaType: 'x' },
        { image: 'app', repository: 'reg:5000/ns/app', sourceTag: '1-bbbbbbb', stableTag: '1-stable', previousDigest: D('c'), digest: D('d'), mediaType: 'x' },
        { image: 'tool', repository: 'reg:5000/ns/tool', sourceTag: '1-bbbbbbb', stableTag: '1-stable', previousDigest: null, digest: D('e'), mediaType: 'x' },
      ],
    };
    const known: Record<string, string> = { [`app@${D('c')}`]: '1-aaaaaaa' };
    expect(promotionChanges(p, (i, d) => known[`${i}@${d}`])).toEqual([
      { image: 'app', from: '1-aaaaaaa', to: '1-bbbbbbb' },
      { image: 'tool', from: 'none', to: '1-bbbbbbb' },
    ]);
  });
});

describe('renderSite', () => {
  it('writes every page with relative links, escaped text and a laid-out graph', async () => {
    const promotion: Promotion = {
      number: 1,
      version: '1',
      kind: 'promote',
      commit: SHA_A,
      at: '2026-01-01T00:00:00.000Z',
      by: '<ci>',
      images: [{ image: 'base', repository: 'reg:5000/ns/base', sourceTag: '1-aaaaaaa', stableTag: '1-stable', previousDigest: null, digest: D('a'), mediaType: 'x' }],
    };
    const older: Promotion = { ...promotion, number: 1, by: 'someone' };
    const pages = await renderSite(assembleSiteModel(inputs({ promotions: { '1': [{ ...promotion, number: 2 }, older] } })));
    expect([...pages.keys()].sort()).toEqual(['images/app.html', 'images/base.html', 'images/tool.html', 'index.html', 'promotions.html', 'run.html', 'site.json']);
    const index = pages.get('index.html')!;
    expect(index).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(index).toContain('<a class="node" href="images/app.html"');
    expect(index).toMatch(/<path d="M[\d. ]+L/); // routed edge
    expect(index).toContain('stroke-dasharray'); // base → tool is COPY --from
    expect(index).not.toMatch(/(src|href)="(https?:)?\/\//); // nothing loaded from elsewhere
    const app = pages.get('images/app.html')!;
    expect(app).toContain('href="../index.html"');
    expect(app).toContain(`href="https://github.com/org/repo/commit/${SHA_B}"`);
    expect(app).toContain('lib&lt;x&gt;');
    expect(app).toContain('role="img"'); // durations chart
    const promotions = pages.get('promotions.html')!;
    expect(promotions).toContain('&lt;ci&gt;');
    expect(promotions).toContain('data-copy="imagestack revert --version 1 --to 1"');
    expect(promotions).not.toContain('--to 2"'); // #2 is the stable set now
    expect(promotions).toContain('Undo the latest (back to #1)');
    const run = pages.get('run.html')!;
    expect(run.indexOf('id="failures"')).toBeLessThan(run.indexOf('id="all"'));
    expect(run).toContain('FAIL: &lt;boom&gt;');
  });

  it('shows the platforms of a tag that names an image index, and none for a single-platform tag', async () => {
    const withIndex = inputs();
    withIndex.registryTags.app[1] = { ...withIndex.registryTags.app[1], platforms: ['linux/amd64', 'linux/arm64'] };
    const model = assembleSiteModel(withIndex);
    const app = model.images.find((i) => i.name === 'app')!.versions[0];
    expect(app.tags[0].platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(app.tags[1].platforms).toBeUndefined();
    const page = (await renderSite(model)).get('images/app.html')!;
    expect(page).toContain('linux/amd64 · linux/arm64');
  });

  it('says so when there is no run, no manifest and no promotion', async () => {
    const pages = await renderSite(assembleSiteModel(inputs({ lastRun: undefined, runs: [], manifests: {}, promotionsNote: 'cannot read promotions' })));
    expect(pages.get('run.html')).toContain('No run report found');
    expect(pages.get('promotions.html')).toContain('cannot read promotions');
    expect(pages.get('promotions.html')).toContain('No promotion of 1 yet');
    expect(pages.get('images/app.html')).toContain('No package manifest of 1');
    expect(pages.get('images/app.html')).toContain('No run report holds a build of app 1 yet');
  });
});

describe('generateSite', () => {
  it('refuses to clear a folder that is not a site, before reading anything', async () => {
    const { mkdtempSync, writeFileSync, readdirSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-site-out-'));
    try {
      writeFileSync(path.join(dir, 'notes.txt'), 'mine');
      const err = await generateSite({ specsFile: path.join(dir, 'no-specs.yml'), outDir: dir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).message).toContain('not an imagestack site');
      expect(readdirSync(dir)).toEqual(['notes.txt']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
