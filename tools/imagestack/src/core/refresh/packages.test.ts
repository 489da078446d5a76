/**
 * `refresh --packages`, the pure parts: the root images, the package updates of a diff, the
 * current tag of a forced entry, and the report's section. The real rebuild and comparison run
 * in test/refresh-packages.test.ts (a local apt repository whose package version the test bumps).
 */
import { describe, expect, it } from 'vitest';
import { makeStack } from '../git/__fixtures__/test-repo';
import { diffPackages } from '../verify/manifest/diff';
import { renderPackages, renderReport } from './message';
import { currentReference, packageUpdates, rootImages } from './packages';
import type { RefreshReport } from './types';

describe('refresh --packages', () => {
  it('the root images are those without stack parents, in stack order', () => {
    const s = makeStack('/ws', { images: { a: {}, b: { parents: ['a'] }, c: {} } });
    expect(rootImages(s)).toEqual(['a', 'c']);
  });

  it('packageUpdates: dpkg then pip, each by name; added and removed packages have a null side', () => {
    const before = { dpkg: { libc6: '2.36-9', hello: '1.0-1', gone: '3' }, pip: { numpy: '1.26.0' } };
    const after = { dpkg: { libc6: '2.36-9+deb12u4', hello: '1.0-2', curl: '7.88' }, pip: { numpy: '1.26.0' } };
    expect(packageUpdates(diffPackages(before, after))).toEqual([
      { list: 'dpkg', name: 'curl', from: null, to: '7.88' },
      { list: 'dpkg', name: 'gone', from: '3', to: null },
      { list: 'dpkg', name: 'hello', from: '1.0-1', to: '1.0-2' },
      { list: 'dpkg', name: 'libc6', from: '2.36-9', to: '2.36-9+deb12u4' },
    ]);
    expect(packageUpdates(diffPackages(before, before))).toEqual([]);
  });

  it('currentReference drops the forced suffix only', () => {
    expect(currentReference('r:5000/ns/base:2026.1-abc1234.force-20261207T203000')).toBe('r:5000/ns/base:2026.1-abc1234');
    expect(currentReference('r:5000/ns/base:2026.1-abc1234')).toBe('r:5000/ns/base:2026.1-abc1234');
  });

  it('the report names each package old → new, and says which roots are current, untagged or failed', () => {
    const report: RefreshReport = {
      bases: [],
      changes: [],
      moves: [],
      files: [],
      problems: [],
      outcome: 'nothing-to-do',
      packages: [
        { image: 'base', version: '1', current: 'r/ns/base:1-abc', status: 'updates', updates: [{ list: 'dpkg', name: 'hello', from: '1.0-1', to: '1.0-2' }, { list: 'pip', name: 'six', from: null, to: '1.16' }] },
        { image: 'other', version: '1', current: 'r/ns/other:1-abc', status: 'current', updates: [] },
        { image: 'new', version: '1', current: 'r/ns/new:1-abc', status: 'no-tag', updates: [] },
        { image: 'bad', version: '1', current: 'r/ns/bad:1-abc', status: 'error', updates: [], error: 'build of r/ns/bad failed: exit 100\nmore' },
      ],
    };
    const text = renderReport(report);
    expect(text).toContain('- base@1 against `r/ns/base:1-abc`: 2 package(s) would change\n  - dpkg hello: 1.0-1 → 1.0-2\n  - pip six: (absent) → 1.16\n');
    expect(text).toContain('- other@1 against `r/ns/other:1-abc`: no package would change\n');
    expect(text).toContain('- new@1 against `r/ns/new:1-abc`: the tag is not in the registry, nothing to compare with\n');
    expect(text).toContain('- bad@1 against `r/ns/bad:1-abc`: could not compare: build of r/ns/bad failed: exit 100\n');
    expect(renderPackages([])).toContain('- no root image to rebuild (every root image is on a changed base)');
    expect(renderReport({ ...report, packages: undefined })).not.toContain('Packages of the root images');
  });
});
