/** The base digest in the labels, from what the engine knows (a fake standing for `DockerEngine.inspectImage`). */
import { describe, expect, it } from 'vitest';
import type { LocalImage } from '../../ports';
import { localDigest } from './labels';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const engine = (images: Record<string, LocalImage>) => ({ inspectImage: async (r: string) => images[r] });

describe('localDigest', () => {
  it('takes the registry digest recorded for the same repository, however the engine spells it', async () => {
    const e = engine({ 'debian:bookworm': { id: D('1'), labels: {}, repoDigests: [`other/debian@${D('2')}`, `debian@${D('3')}`] } });
    expect(await localDigest(e, 'debian:bookworm')).toBe(D('3'));
  });

  it('matches a registry with a port, and falls back to the image ID when no registry digest is known', async () => {
    const e = engine({
      'reg.test:5000/ns/base:1-abc': { id: D('1'), labels: {}, repoDigests: [`reg.test:5000/ns/base@${D('4')}`] },
      'reg.test:5000/ns/mid:1-abc': { id: D('5'), labels: {}, repoDigests: [`reg.test:5000/ns/base@${D('4')}`] },
    });
    expect(await localDigest(e, 'reg.test:5000/ns/base:1-abc')).toBe(D('4'));
    expect(await localDigest(e, 'reg.test:5000/ns/mid:1-abc')).toBe(D('5'));
    expect(await localDigest(e, 'reg.test:5000/ns/none:1')).toBeUndefined();
  });
});
