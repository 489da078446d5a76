/**
 * The package manifests of a multi-platform tag on the site (issue 14): which file is which
 * platform's, the model, and the image page. Plain inputs, no I/O; the manifest keys are made
 * with the pipeline's own naming (`platformEntry`), as the collector reads them from
 * `manifests/<image>/<tag>[-<os>-<arch>].json`.
 */
import { describe, expect, it } from 'vitest';
import type { Plan, PlanEntry } from '../plan/types';
import type { PackageManifest } from '../verify/manifest/types';
import { platformEntry } from '../pipeline/platforms/names';
import { assembleSiteModel, type SiteInputs } from './assemble';
import { renderSite } from './generate';
import { manifestsPerPlatform, packagesSideBySide, type ReadManifest } from './platform-manifests';

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const D = (c: string) => `sha256:${c.repeat(64)}`;
const AMD = 'linux/amd64';
const ARM = 'linux/arm64';

function entry(tag: string, platforms: string[]): PlanEntry {
  return {
    image: 'app', version: '1', repository: 'reg:5000/ns/app', tag, reference: `reg:5000/ns/app:${tag}`, sourceCommit: SHA_B, dirty: false,
    parents: [], wave: 0, action: 'build', reason: 'tag missing in the registry', platforms,
  } as unknown as PlanEntry;
}

/** The manifest the gate writes for `platform`'s image of `tag` (engine platform: amd64), under the key the collector gives it. */
function written(tag: string, platform: string, dpkg: Record<string, string>, previous?: string): [string, ReadManifest] {
  const e = platformEntry(entry(tag, [AMD, ARM]), platform, AMD);
  const manifest = {
    format: 1, image: 'app', version: '1', tag: e.tag, reference: e.reference, imageId: D('1'), sourceCommit: SHA_B, dirty: false,
    created: '2026-01-02T00:00:00Z', size: 1, os: { PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)' }, layers: [], commands: {},
    packages: { dpkg, pip: {} }, pipSource: 'none',
    diff: previous
      ? { previous: { tag: previous, reference: `reg:5000/ns/app:${previous}`, sourceCommit: SHA_A }, dpkg: { added: [{ name: `only-${platform.split('/')[1]}`, version: '1' }], removed: [], changed: [] }, pip: { added: [], removed: [], changed: [] } }
      : { previous: null, reason: 'no earlier 1-<sha7> tag in the registry' },
  } as unknown as PackageManifest;
  return [`app/${e.tag}`, { manifest, files: { json: `manifests/app/${e.tag}.json` } }];
}

function inputs(over: { platforms?: string[]; inRegistry?: boolean; manifests?: Array<[string, ReadManifest]> } = {}): SiteInputs {
  const platforms = over.platforms ?? [AMD, ARM];
  const plan: Plan = { head: SHA_B, dirty: false, mode: 'registry', images: [entry('1-bbbbbbb', platforms)] } as Plan;
  const reg = (tag: string, sha: string, created: string, digest: string) => ({ tag, digest, created, labels: { 'org.opencontainers.image.revision': sha }, ...(platforms.length > 1 ? { platforms } : {}) });
  return {
    generatedAt: '2026-01-03T00:00:00.000Z', registry: 'reg:5000', namespace: 'ns', versions: ['1'],
    images: [{ name: 'app', dockerfile: 'images/app/Dockerfile', parents: [], externalBases: ['debian:bookworm-slim'] }],
    plan,
    registryTags: { app: [reg('1-aaaaaaa', SHA_A, '2026-01-01T00:00:00Z', D('a')), ...(over.inRegistry === false ? [] : [reg('1-bbbbbbb', SHA_B, '2026-01-02T00:00:00Z', D('b'))])] },
    runs: [],
    manifests: Object.fromEntries(
      over.manifests ?? [
        written('1-bbbbbbb', AMD, { bash: '5.2.15-2+b2', 'libc6:amd64': '2.36-9' }, '1-aaaaaaa'),
        written('1-bbbbbbb', ARM, { bash: '5.2.15-2+b2', 'libc6:arm64': '2.36-9' }, '1-aaaaaaa'),
        written('1-aaaaaaa', AMD, { bash: '5.2.15-2' }),
        written('1-aaaaaaa', ARM, { bash: '5.2.15-2' }),
      ],
    ),
    promotions: {}, enginePlatform: AMD, warnings: [],
  };
}

describe('manifestsPerPlatform', () => {
  it('gives each platform its suffixed file and the engine platform the plain one', () => {
    const byTag = Object.fromEntries([written('1-b', AMD, {}), written('1-b', ARM, {})]);
    expect(Object.keys(byTag)).toEqual(['app/1-b', 'app/1-b-linux-arm64']);
    const got = manifestsPerPlatform('app', '1-b', [ARM, AMD], byTag, undefined);
    expect(got.map((p) => [p.platform, p.found?.manifest.tag])).toEqual([[ARM, '1-b-linux-arm64'], [AMD, '1-b']]);
  });

  it('breaks a tie with the engine platform, and leaves a platform without a file empty', () => {
    const byTag = Object.fromEntries([written('1-b', AMD, {})]);
    expect(manifestsPerPlatform('app', '1-b', [ARM, AMD], byTag, AMD).map((p) => p.found?.manifest.tag)).toEqual([undefined, '1-b']);
    // No engine platform among those lacking a file: the plain file is nobody's rather than a guess.
    expect(manifestsPerPlatform('app', '1-b', [ARM, 'linux/s390x'], byTag, AMD).map((p) => p.found)).toEqual([undefined, undefined]);
    expect(manifestsPerPlatform('app', '1-b', [AMD, ARM], {}, AMD).map((p) => p.found)).toEqual([undefined, undefined]);
  });
});

describe('packagesSideBySide', () => {
  it('marks a package whose version differs or that one platform lacks; a platform without a list is no difference', () => {
    const rows = packagesSideBySide([
      { dpkg: { a: '1', b: '1', c: '1' }, pip: {} },
      { dpkg: { a: '1', b: '2' }, pip: { p: '3' } },
      undefined,
    ]);
    expect(rows.map((r) => [r.list, r.name, r.versions, r.differs])).toEqual([
      ['dpkg', 'a', ['1', '1', undefined], false],
      ['dpkg', 'b', ['1', '2', undefined], true],
      ['dpkg', 'c', ['1', undefined, undefined], true],
      ['pip', 'p', [undefined, '3', undefined], true],
    ]);
  });
});

describe('the site of a multi-platform tag', () => {
  it('gives each tag of two platforms its manifests per platform, full package lists only on the newest', () => {
    const app = assembleSiteModel(inputs()).images[0].versions[0];
    const [newest, older] = app.tags;
    expect(newest.platformManifests!.map((p) => [p.platform, p.manifest?.files.json])).toEqual([
      [AMD, 'manifests/app/1-bbbbbbb.json'],
      [ARM, 'manifests/app/1-bbbbbbb-linux-arm64.json'],
    ]);
    expect(newest.platformManifests![1].manifest!.packages!.dpkg).toEqual({ bash: '5.2.15-2+b2', 'libc6:arm64': '2.36-9' });
    expect(newest.manifest!.files.json).toBe('manifests/app/1-bbbbbbb.json'); // the engine platform's, as before
    expect(older.platformManifests!.every((p) => p.manifest && !p.manifest.packages)).toBe(true);
  });

  it('takes the platforms of a current tag not in the registry from the plan', () => {
    const app = assembleSiteModel(inputs({ inRegistry: false })).images[0].versions[0];
    expect(app.tags[0].inRegistry).toBe(false);
    expect(app.tags[0].platformManifests!.map((p) => p.platform)).toEqual([AMD, ARM]);
  });

  it('shows the platforms side by side: a column each, the differing packages marked, each platform\'s diff', async () => {
    const page = (await renderSite(assembleSiteModel(inputs()))).get('images/app.html')!;
    const table = page.slice(page.indexOf('data-platform-manifests="1-bbbbbbb"'));
    expect(table).toMatch(/<th scope="col">linux\/amd64<\/th><th scope="col">linux\/arm64<\/th>/);
    expect(page).toContain('href="../manifests/app/1-bbbbbbb-linux-arm64.json"');
    expect(page).toContain('2 packages differ between platforms');
    expect(page).toMatch(/<tr class="differs" data-differs=""><td>dpkg<\/td><td>libc6:arm64 <span class="badge s-stale">differs<\/span><\/td><td class="empty">not installed<\/td><td class="mono">2.36-9<\/td><\/tr>/);
    expect(page).not.toMatch(/class="differs"[^>]*><td>dpkg<\/td><td>bash/);
    expect(page).toContain('data-platform-diff="linux/arm64"');
    expect(page).toContain('<code>only-arm64</code>');
    expect(page).toContain('Package diff of <code>1-aaaaaaa</code>, linux/arm64');
  });

  it('says which platform has no package manifest (a platform that failed before it)', async () => {
    const [amd] = [written('1-bbbbbbb', AMD, { bash: '1' })];
    const page = (await renderSite(assembleSiteModel(inputs({ manifests: [amd] })))).get('images/app.html')!;
    expect(page).toContain('no package manifest');
    expect(page).toContain('Every package has the same version on every platform.');
  });

  it('renders a single-platform tag as before: one manifest, no platform table', async () => {
    const model = assembleSiteModel(inputs({ platforms: [], manifests: [written('1-bbbbbbb', AMD, { bash: '1' }, '1-aaaaaaa')] }));
    const tag = model.images[0].versions[0].tags[0];
    expect(tag.platformManifests).toBeUndefined();
    const page = (await renderSite(model)).get('images/app.html')!;
    expect(page).toContain('<h3>Package manifest of <code>1-bbbbbbb</code></h3>');
    expect(page).not.toContain('data-platform-manifests');
  });
});
