import { describe, expect, it } from 'vitest';
import type { ResolvedImage } from '../resolve/resolve';
import { formatLock, makeLock, referenceIn } from './lock';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const r = (image: string, version: string, c: string): ResolvedImage => {
  const repository = `127.0.0.1:5000/ns/${image}`;
  const tag = `${version}-3f2a9c1`;
  return { image, version, repository, tag, digest: D(c), mediaType: 'application/vnd.docker.distribution.manifest.v2+json', reference: `${repository}:${tag}@${D(c)}` };
};

describe('lock file', () => {
  it('maps image → version → reference with sorted keys, whatever the input order', () => {
    const a = formatLock(makeLock('f'.repeat(40), '127.0.0.1:5000', 'ns', [r('python', '2026.2', 'b'), r('base', '2026.1', 'a'), r('python', '2026.1', 'c')]));
    const b = formatLock(makeLock('f'.repeat(40), '127.0.0.1:5000', 'ns', [r('python', '2026.1', 'c'), r('base', '2026.1', 'a'), r('python', '2026.2', 'b')]));
    expect(a).toBe(b);
    expect(a).toBe(`{
  "commit": "${'f'.repeat(40)}",
  "images": {
    "base": {
      "2026.1": "127.0.0.1:5000/ns/base:2026.1-3f2a9c1@${D('a')}"
    },
    "python": {
      "2026.1": "127.0.0.1:5000/ns/python:2026.1-3f2a9c1@${D('c')}",
      "2026.2": "127.0.0.1:5000/ns/python:2026.2-3f2a9c1@${D('b')}"
    }
  },
  "lockVersion": 1,
  "namespace": "ns",
  "registry": "127.0.0.1:5000"
}
`);
  });

  it('writes a reference in each form', () => {
    const i = r('base', '2026.1', 'a');
    expect(referenceIn(i, 'repository:tag@digest')).toBe(`127.0.0.1:5000/ns/base:2026.1-3f2a9c1@${D('a')}`);
    expect(referenceIn(i, 'repository:tag')).toBe('127.0.0.1:5000/ns/base:2026.1-3f2a9c1');
    expect(referenceIn(i, 'repository@digest')).toBe(`127.0.0.1:5000/ns/base@${D('a')}`);
  });
});
