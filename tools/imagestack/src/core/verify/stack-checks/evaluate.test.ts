import { describe, expect, it } from 'vitest';
import type { SpecIssue } from '../manifest/spec';
import { evaluateStackCheck, type StackCheckImage } from './evaluate';
import { readStackChecks, stackCheckCommands } from './spec';

const img = (image: string, over: Partial<StackCheckImage> = {}): StackCheckImage => ({
  image,
  tag: '2026.1-abc1234',
  packages: { dpkg: {}, pip: {} },
  os: { ID: 'debian', VERSION_ID: '12' },
  outputs: {},
  ...over,
});

describe('stack-wide checks', () => {
  const issues: SpecIssue[] = [];
  const checks = readStackChecks(
    [
      { name: 'names', file: '/start_point/manifest.json', pointer: '/display_name', unique: true },
      { name: 'python', package: 'python3', same: true },
      { name: 'uid', command: 'id -u sandbox 2>/dev/null', same: true, images: ['a', 'b'] },
      { name: 'names', os: 'ID', same: true },
      { name: 'bad', file: '/x.json', pointer: 'no-slash', unique: true },
      { name: 'who', os: 'ID', same: true, images: ['zz'] },
    ],
    ['a', 'b', 'c'],
    issues,
  );
  const [names, python, uid] = checks;

  it('reads the list, refusing a name used twice, a bad pointer and an unknown image', () => {
    expect(checks.map((c) => c.name)).toEqual(['names', 'python', 'uid', 'who']);
    expect(issues.map((i) => i.message)).toEqual(['stack check "names" is defined twice', '"no-slash" is not a JSON Pointer', 'stack check "who" names image "zz", which is not in images']);
    expect(stackCheckCommands(checks, 'c')).toEqual([{ name: 'stack-check:names', command: "cat '/start_point/manifest.json' 2>/dev/null || true" }]);
  });

  it('unique: names every image sharing a value; images without the file are left out', () => {
    const out = (n: string) => ({ outputs: { names: JSON.stringify({ display_name: n }) } });
    const r = evaluateStackCheck(names, '2026.1', [img('a', out('C, assert')), img('b', out('C, assert')), img('c', out('Python, pytest')), img('d')]);
    expect(r.ok).toBe(false);
    expect(r.message).toBe('stack check "names" (2026.1) failed: /display_name in /start_point/manifest.json is unique across images, but "C, assert" in a and b');
    expect(r.values).toEqual({ a: 'C, assert', b: 'C, assert', c: 'Python, pytest' });
    expect(evaluateStackCheck(names, '2026.1', [img('a', out('x')), img('b', { outputs: { names: 'not json' } })]).ok).toBe(true);
  });

  it('same: all images with the value agree; lists the differing values', () => {
    const py = (v: string) => ({ packages: { dpkg: { python3: v }, pip: {} } });
    expect(evaluateStackCheck(python, '2026.1', [img('a', py('3.11.2-1+b1')), img('b', py('3.11.2-1+b1')), img('c')]).ok).toBe(true);
    const r = evaluateStackCheck(python, '2026.1', [img('a', py('3.11.2-1+b1')), img('b', py('3.12.1-1'))], ['c']);
    expect(r.message).toBe('stack check "python" (2026.1) failed: the version of python3 is the same in every image, but found "3.11.2-1+b1" in a; "3.12.1-1" in b');
    expect(r.unread).toEqual(['c']);
    const u = evaluateStackCheck(uid, '2026.1', [img('a', { outputs: { uid: '1000\n' } }), img('b', { outputs: { uid: '' } }), img('c', { outputs: { uid: '1001' } })]);
    expect(u.ok).toBe(true); // b has no user sandbox, c is not in the check's images
  });
});
