import { describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import { imageIndexBytes } from '../registry/image-index';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST } from '../registry/media-types';
import { platformImages } from './platform';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const child = (c: string) => ({ mediaType: DOCKER_MANIFEST, digest: D(c), size: 500 });
const resolved = (image: string, digest: string, mediaType: string) => ({
  image,
  version: '1',
  repository: `reg:5000/ns/${image}`,
  tag: '1-abc1234',
  digest,
  mediaType,
  reference: `reg:5000/ns/${image}:1-abc1234@${digest}`,
});

// A recording fake of the registry's manifest GET by digest, standing for the real registry
// (test/platforms.test.ts asks the real one, then pulls on the real engine).
const indexes = new Map([
  [D('1'), imageIndexBytes([{ platform: 'linux/amd64', descriptor: child('a') }, { platform: 'linux/arm64', descriptor: child('b') }]).bytes],
  [D('2'), imageIndexBytes([{ platform: 'linux/amd64', descriptor: child('c') }]).bytes],
]);
const asked: string[] = [];
const client = {
  getManifest: async (repository: string, digest: string) => {
    asked.push(`${repository}@${digest}`);
    return { descriptor: { mediaType: DOCKER_MANIFEST_LIST, digest, size: 1 }, bytes: indexes.get(digest)! };
  },
};
const repositoryOf = (q: string) => q.slice('reg:5000/'.length);

describe('platformImages', () => {
  it("replaces an index by that platform's image manifest; a single-platform tag stays as it is", async () => {
    const single = resolved('single', D('9'), DOCKER_MANIFEST);
    const out = await platformImages(client, [resolved('both', D('1'), DOCKER_MANIFEST_LIST), single], 'linux/arm64', repositoryOf);
    expect(out).toEqual([{ ...resolved('both', D('b'), DOCKER_MANIFEST) }, single]);
    expect(asked).toEqual([`ns/both@${D('1')}`]);
  });

  it('leaves out an image specs.yml does not build for the platform (told by `declared`), and still refuses an index lacking a platform it is built for', async () => {
    const skipped: string[] = [];
    const declared = (img: { image: string }) => (img.image === 'amd' ? ['linux/amd64'] : ['linux/amd64', 'linux/arm64']);
    const opts = { declared, onSkip: (img: { image: string }) => skipped.push(img.image) };
    const out = await platformImages(client, [resolved('both', D('1'), DOCKER_MANIFEST_LIST), resolved('amd', D('2'), DOCKER_MANIFEST_LIST)], 'linux/arm64', repositoryOf, opts);
    expect(out.map((i) => [i.image, i.digest])).toEqual([['both', D('b')]]);
    expect(skipped).toEqual(['amd']);
    const err = await platformImages(client, [resolved('lacking', D('2'), DOCKER_MANIFEST_LIST)], 'linux/arm64', repositoryOf, opts).catch((e: unknown) => e);
    expect((err as InputError).problems[0].message).toBe('reg:5000/ns/lacking:1-abc1234 names an image index without linux/arm64');
  });

  it('refuses, naming every tag, when an index lacks the platform', async () => {
    const err = await platformImages(client, [resolved('amd', D('2'), DOCKER_MANIFEST_LIST)], 'linux/arm64', repositoryOf).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems[0].message).toBe('reg:5000/ns/amd:1-abc1234 names an image index without linux/arm64');
  });
});
