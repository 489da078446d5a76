/**
 * References, good and bad, in the style of go-containerregistry's `pkg/name` tests: lists
 * looped over, each case naming what it exercises. Expected parts follow the Docker engine's
 * reading (docker.io and library/ defaults) and the distribution grammar (reference/regexp.go).
 */
import { describe, expect, it } from 'vitest';
import { formatReference, isDigest, isRegistryHost, isRepositoryPath, isTag, MAX_NAME_LENGTH, parseReference, registryHostname, type Reference } from './reference';
import { qualifiedRepositoryOf, repositoryOf, tagReference } from './repository';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

const GOOD: Array<[string, Reference]> = [
  // Docker Hub defaults
  ['ubuntu', { registry: 'docker.io', path: 'library/ubuntu' }],
  ['ubuntu:24.04', { registry: 'docker.io', path: 'library/ubuntu', tag: '24.04' }],
  ['library/ubuntu', { registry: 'docker.io', path: 'library/ubuntu' }],
  ['docker.io/ubuntu', { registry: 'docker.io', path: 'library/ubuntu' }],
  ['docker.io/library/ubuntu:latest', { registry: 'docker.io', path: 'library/ubuntu', tag: 'latest' }],
  ['my-org/images', { registry: 'docker.io', path: 'my-org/images' }],
  // hosts: a dot, a port or localhost makes the first component a host
  ['ghcr.io/o/i:t', { registry: 'ghcr.io', path: 'o/i', tag: 't' }],
  ['localhost/img', { registry: 'localhost', path: 'img' }],
  ['localhost:5000/img:tag', { registry: 'localhost:5000', path: 'img', tag: 'tag' }],
  ['127.0.0.1:5000/imagestack-example/python:3.12-abc', { registry: '127.0.0.1:5000', path: 'imagestack-example/python', tag: '3.12-abc' }],
  ['registry:5000/ns/img', { registry: 'registry:5000', path: 'ns/img' }],
  ['a.b.c/x/y/z', { registry: 'a.b.c', path: 'x/y/z' }],
  // IPv6 literals in brackets, with and without a port
  ['[::1]:5000/ns/img:t', { registry: '[::1]:5000', path: 'ns/img', tag: 't' }],
  ['[2001:db8::1]/ns/img', { registry: '[2001:db8::1]', path: 'ns/img' }],
  // digests, with and without a tag
  [`127.0.0.1:5000/ns/img@${DIGEST}`, { registry: '127.0.0.1:5000', path: 'ns/img', digest: DIGEST }],
  [`reg.io:443/ns/img:t@${DIGEST}`, { registry: 'reg.io:443', path: 'ns/img', tag: 't', digest: DIGEST }],
  [`img@${DIGEST}`, { registry: 'docker.io', path: 'library/img', digest: DIGEST }],
  // separators inside path components
  ['a__b/c.d/e-f--g', { registry: 'docker.io', path: 'a__b/c.d/e-f--g' }],
  // longest tag; longest name (registry + "/" + path = 255)
  [`img:${'t'.repeat(128)}`, { registry: 'docker.io', path: 'library/img', tag: 't'.repeat(128) }],
  [`x.io/${'a'.repeat(MAX_NAME_LENGTH - 5)}`, { registry: 'x.io', path: 'a'.repeat(MAX_NAME_LENGTH - 5) }],
];

const BAD: Array<[string, string]> = [
  ['', 'empty'],
  ['UPPER/img', 'upper case in the path'],
  ['Localhost/img', 'not a host (no dot or port), so a path, and upper case'],
  ['img:', 'empty tag'],
  [':tag', 'empty name'],
  ['img:tag:tag', 'two tags'],
  ['img:-tag', 'tag starting with "-"'],
  [`img:${'t'.repeat(129)}`, 'tag over 128 characters'],
  ['img@sha256:abc', 'digest too short'],
  [`img@${DIGEST}x:`, 'malformed digest'],
  ['ns//img', 'empty path component'],
  ['ns/-img', 'component starting with a separator'],
  ['a___b/c', 'three underscores'],
  ['ns/img/', 'trailing slash'],
  ['reg:99999/img', 'port over 65535'],
  ['reg:port/img', 'port not a number'],
  ['-bad.com/img', 'host label starting with "-"'],
  ['host_name.io/img', 'underscore in a host'],
  ['[::1/img', 'unclosed IPv6 bracket'],
  [`x.io/${'a'.repeat(MAX_NAME_LENGTH - 4)}`, 'name over 255 characters'],
  ['img with space', 'space'],
];

describe('parseReference', () => {
  it.each(GOOD)('reads %s', (text, parts) => {
    expect(parseReference(text)).toEqual(parts);
  });

  it.each(BAD)('refuses %j (%s)', (text) => {
    expect(parseReference(text)).toBeUndefined();
  });

  it('formats what it reads, with the defaults spelled out', () => {
    for (const [text, parts] of GOOD) expect(parseReference(formatReference(parts)), text).toEqual(parts);
    expect(formatReference(parseReference('ubuntu:24.04')!)).toBe('docker.io/library/ubuntu:24.04');
  });
});

describe('the parts on their own', () => {
  it('tags, digests, hosts and repository paths', () => {
    for (const t of ['latest', '3.12-abc', '_x', 'A.b-C_d']) expect(isTag(t), t).toBe(true);
    for (const t of ['', '-x', '.x', 'a:b', 'a/b', 't'.repeat(129)]) expect(isTag(t), t).toBe(false);
    expect(isDigest(DIGEST)).toBe(true);
    for (const d of ['sha256', 'sha256:', 'sha256:abc', `:${'a'.repeat(64)}`]) expect(isDigest(d), d).toBe(false);
    for (const h of ['ghcr.io', 'localhost:5000', '127.0.0.1:5000', '[::1]', '[fe80::1]:443']) expect(isRegistryHost(h), h).toBe(true);
    for (const h of ['', 'a:b:c', 'host:', 'x.io:70000', 'a/b', '-a.io']) expect(isRegistryHost(h), h).toBe(false);
    for (const p of ['python', 'my-org/images', 'a/b/c']) expect(isRepositoryPath(p), p).toBe(true);
    for (const p of ['', '/a', 'a/', 'A', 'a..b']) expect(isRepositoryPath(p), p).toBe(false);
    for (const [r, h] of [['localhost:5000', 'localhost'], ['[::1]:5000', '[::1]'], ['[::1]', '[::1]'], ['ghcr.io', 'ghcr.io'], ['127.0.0.1:5000', '127.0.0.1']]) expect(registryHostname(r), r).toBe(h);
  });
});

describe('repository names', () => {
  it('builds the repository, the qualified repository and a tag reference that parse back', () => {
    expect(repositoryOf('imagestack-example', 'python')).toBe('imagestack-example/python');
    const qualified = qualifiedRepositoryOf('127.0.0.1:5000', 'imagestack-example', 'python');
    expect(qualified).toBe('127.0.0.1:5000/imagestack-example/python');
    expect(parseReference(tagReference(qualified, '3.12-abc'))).toEqual({ registry: '127.0.0.1:5000', path: 'imagestack-example/python', tag: '3.12-abc' });
  });
});
