import { describe, expect, it } from 'vitest';
import { pickPlatform } from './image-config';
import { baseMediaType, isIndexMediaType, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from './media-types';
import { nextLink } from './tags';

describe('pickPlatform', () => {
  const index = [
    { digest: 'sha256:arm', platform: { os: 'linux', architecture: 'arm64' } },
    { digest: 'sha256:att', platform: { os: 'unknown', architecture: 'unknown' } },
    { digest: 'sha256:amd', platform: { os: 'linux', architecture: 'amd64' } },
  ];
  it('picks the platform asked for, linux/amd64 by default', () => {
    expect(pickPlatform(index, { os: 'linux', architecture: 'amd64' })).toBe('sha256:amd');
    expect(pickPlatform(index, { os: 'linux', architecture: 'arm64' })).toBe('sha256:arm');
  });
  it('falls back to the first image, skipping attestation manifests', () => {
    expect(pickPlatform(index, { os: 'windows', architecture: 'amd64' })).toBe('sha256:arm');
    expect(pickPlatform(index.slice(1, 2), { os: 'linux', architecture: 'amd64' })).toBeUndefined();
    expect(pickPlatform([], { os: 'linux', architecture: 'amd64' })).toBeUndefined();
  });
});

describe('nextLink (RFC 8288)', () => {
  const base = 'http://r:5000/v2/a/b/tags/list';
  it('resolves the rel="next" target against the request URL', () => {
    expect(nextLink('</v2/a/b/tags/list?n=2&last=b>; rel="next"', base)).toBe('http://r:5000/v2/a/b/tags/list?n=2&last=b');
    expect(nextLink('<https://other/x?last=a,b>; rel=next', base)).toBe('https://other/x?last=a,b');
    expect(nextLink('</prev>; rel="prev", </next>; rel="next"', base)).toBe('http://r:5000/next');
  });
  it('answers undefined without a next link', () => {
    expect(nextLink(null, base)).toBeUndefined();
    expect(nextLink('</prev>; rel="prev"', base)).toBeUndefined();
  });
});

describe('media types', () => {
  it('tells indexes from manifests and strips Content-Type parameters', () => {
    expect(isIndexMediaType(OCI_INDEX)).toBe(true);
    expect(isIndexMediaType(DOCKER_MANIFEST_LIST)).toBe(true);
    expect(isIndexMediaType(OCI_MANIFEST)).toBe(false);
    expect(baseMediaType('Application/JSON; charset=utf-8')).toBe('application/json');
    expect(baseMediaType(null)).toBeUndefined();
  });
});
