import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compareDebianVersions, parseDebianVersion } from './debian-version';
import { comparePep440, parsePep440 } from './pep440';
import { compareToBound, parseVersionRange, satisfies } from './range';

/** Pairs [a, b] with a < b (dpkg --compare-versions a lt b). */
const DEBIAN_LESS: Array<[string, string]> = [
  ['1.24', '1:1.24.2-1+deb12u1'],
  ['1.0~rc1', '1.0'],
  ['1.0~~', '1.0~'],
  ['1.0~', '1.0'],
  ['1.0', '1.0+b1'],
  ['1.0', '1.0.1'],
  ['1.0', '1.0a'],
  ['1.0a', '1.0b'],
  ['1.0-1', '1.0-2'],
  ['1.0-9', '1.0-10'],
  ['1.0-1', '1.0-1+deb12u1'],
  ['1.0-1~bpo1', '1.0-1'],
  ['2.36-9', '2.36-9+deb12u4'],
  ['12', '4:12.2.0-3'],
  ['12.2.0-3', '4:12.2.0-3'],
  ['2.0', '1:0.9'],
  ['0.19.0-1', '0.19.1'],
  ['1.2.3', '1.2.10'],
  ['1.9', '1.10'],
  ['7.2.1-2', '7.2.2-1'],
  ['1.0+dfsg', '1.0+dfsg1'],
  ['1.0.0', '1.0.0.0'],
  ['1a', '1b'],
  ['1.0-a', '1.0-b'],
  ['23.0.1+dfsg-1', '23.0.1+dfsg-1.1'],
  ['3.11.2-1+b1', '3.11.2-6'],
];

/** Pairs that compare equal. */
const DEBIAN_EQUAL: Array<[string, string]> = [
  ['1.0', '1.0-0'],
  ['0:1.0', '1.0'],
  ['1.01', '1.1'],
  ['1.001-1', '1.1-1'],
  ['00:1.0', '1.0'],
];

describe('compareDebianVersions (dpkg algorithm)', () => {
  it.each(DEBIAN_LESS)('%s < %s', (a, b) => {
    expect(compareDebianVersions(a, b)).toBe(-1);
    expect(compareDebianVersions(b, a)).toBe(1);
  });

  it.each(DEBIAN_EQUAL)('%s = %s', (a, b) => {
    expect(compareDebianVersions(a, b)).toBe(0);
  });

  const dpkg = spawnSync('dpkg', ['--version']).status === 0;
  it.skipIf(!dpkg)('agrees with dpkg --compare-versions on every pair', () => {
    const all = [...DEBIAN_LESS, ...DEBIAN_EQUAL, ['1.0~rc1', '1.0~rc1'] as [string, string]];
    for (const [a, b] of all) {
      for (const [x, y] of [
        [a, b],
        [b, a],
      ]) {
        const ours = compareDebianVersions(x, y);
        const op = ours < 0 ? 'lt' : ours > 0 ? 'gt' : 'eq';
        expect(spawnSync('dpkg', ['--compare-versions', x, op, y]).status, `${x} ${op} ${y}`).toBe(0);
      }
    }
  });

  it('parses epoch, upstream and revision (revision after the last dash)', () => {
    expect(parseDebianVersion('1:1.24.2-1+deb12u1')).toEqual({
      epoch: 1,
      upstream: '1.24.2',
      revision: '1+deb12u1',
      hasEpoch: true,
      hasRevision: true,
    });
    expect(parseDebianVersion('2:9.0.1378-2-1')).toMatchObject({ upstream: '9.0.1378-2', revision: '1' });
    expect(parseDebianVersion('1.0')).toMatchObject({ epoch: 0, revision: '', hasEpoch: false, hasRevision: false });
  });

  it('rejects what dpkg rejects', () => {
    for (const bad of ['', 'a1.0', 'x:1.0', '1.0-', ':1.0', '1.0 beta', '1.0-1_2']) {
      expect(parseDebianVersion(bad), bad).toBeUndefined();
    }
    expect(() => compareDebianVersions('1.0', 'nope')).toThrow(/not a Debian version: "nope"/);
  });
});

describe('comparePep440', () => {
  const ORDER = ['1.0.dev0', '1.0a1', '1.0a2.dev1', '1.0a2', '1.0b1', '1.0rc1', '1.0', '1.0+local.1', '1.0.post1.dev0', '1.0.post1', '1.1', '1!0.5'];
  it('orders pre, post, dev, local and epoch releases like packaging.version', () => {
    for (let i = 0; i + 1 < ORDER.length; i++) expect(comparePep440(ORDER[i], ORDER[i + 1]), `${ORDER[i]} < ${ORDER[i + 1]}`).toBe(-1);
    expect(comparePep440('1.0', '1.0.0')).toBe(0);
    expect(comparePep440('1.0alpha1', '1.0a1')).toBe(0);
    expect(comparePep440('1.0-1', '1.0.post1')).toBe(0);
    expect(comparePep440('1.10', '1.9')).toBe(1);
    expect(parsePep440('2004d')).toBeUndefined();
  });

  const py = spawnSync('python3', ['-c', 'import packaging.version']).status === 0;
  it.skipIf(!py)('agrees with packaging.version.Version', () => {
    const pairs = ORDER.flatMap((a) => ORDER.map((b) => [a, b]));
    const script = `import json,sys\nfrom packaging.version import Version as V\nprint(json.dumps([(V(a)>V(b))-(V(a)<V(b)) for a,b in json.load(sys.stdin)]))`;
    const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(pairs), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(pairs.map(([a, b]) => comparePep440(a, b))).toEqual(JSON.parse(r.stdout));
  });
});

describe('version ranges', () => {
  it('parses one or more comparisons', () => {
    expect(parseVersionRange('>=1.24 <2').comparisons).toEqual([
      { op: '>=', version: '1.24' },
      { op: '<', version: '2' },
    ]);
    expect(parseVersionRange('=1.2.3-1').comparisons).toEqual([{ op: '=', version: '1.2.3-1' }]);
    expect(parseVersionRange('>= 1.24, != 1.25').comparisons).toEqual([
      { op: '>=', version: '1.24' },
      { op: '!=', version: '1.25' },
    ]);
    expect(parseVersionRange('==2').comparisons).toEqual([{ op: '=', version: '2' }]);
  });

  it('rejects a bare version, an empty range and a non-version with the fix', () => {
    expect(() => parseVersionRange('1.24')).toThrow(/"1.24" .* has no operator; write "=1.24"/);
    expect(() => parseVersionRange('  ')).toThrow(/empty/);
    expect(() => parseVersionRange('>=latest')).toThrow(/"latest" .* is not a version/);
  });

  it('ignores the installed epoch when the bound has none (numpy, gcc)', () => {
    expect(satisfies('1:1.24.2-1+deb12u1', parseVersionRange('>=1.24'), 'dpkg')).toBe(true);
    expect(satisfies('1:1.24.2-1+deb12u1', parseVersionRange('>=1.24 <2'), 'dpkg')).toBe(true);
    expect(satisfies('1:1.24.2-1+deb12u1', parseVersionRange('>=1.25'), 'dpkg')).toBe(false);
    expect(satisfies('4:12.2.0-3', parseVersionRange('>=12 <13'), 'dpkg')).toBe(true);
    // An epoch in the bound compares the whole version.
    expect(satisfies('1:1.24.2-1+deb12u1', parseVersionRange('>=2:0'), 'dpkg')).toBe(false);
    expect(satisfies('1:1.24.2-1+deb12u1', parseVersionRange('>=1:1.24'), 'dpkg')).toBe(true);
  });

  it('ignores the installed revision when the bound has none', () => {
    expect(satisfies('1.2.3-1', parseVersionRange('=1.2.3'), 'dpkg')).toBe(true);
    expect(satisfies('1.2.3-1', parseVersionRange('=1.2.3-1'), 'dpkg')).toBe(true);
    expect(satisfies('1.2.3-2', parseVersionRange('=1.2.3-1'), 'dpkg')).toBe(false);
    expect(satisfies('1.2.3-5', parseVersionRange('<=1.2.3'), 'dpkg')).toBe(true);
    expect(satisfies('0.19.0-1', parseVersionRange('>=0.19'), 'dpkg')).toBe(true);
    expect(satisfies('1.24~rc1-1', parseVersionRange('>=1.24'), 'dpkg')).toBe(false);
  });

  it('compares pip versions as PEP 440', () => {
    expect(satisfies('2.0rc1', parseVersionRange('<2'), 'pip')).toBe(true);
    expect(satisfies('2.0rc1', parseVersionRange('<2'), 'dpkg')).toBe(false);
    expect(satisfies('23.0.1', parseVersionRange('>=23'), 'pip')).toBe(true);
    expect(compareToBound('1.0', '1.0.0', 'pip')).toBe(0);
  });
});
