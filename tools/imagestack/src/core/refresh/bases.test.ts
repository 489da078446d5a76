/**
 * The stack's external bases against upstream (core/refresh/bases.ts), and the commit message.
 * `headManifest` is a hand-written fake standing for `RegistryClient.headManifest` (HEAD on the
 * base's registry); the real one is exercised by test/refresh.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { makeStack } from '../git/__fixtures__/test-repo';
import { compareBases, currentDigests, registryHost, stackBases } from './bases';
import { commitMessage } from './message';

const D = (c: string) => `sha256:${c.repeat(64)}`;

function stack() {
  const s = makeStack('/ws', { images: { a: {}, b: { parents: ['a'] }, c: {} } });
  s.images.get('a')!.externalBases = [{ reference: `debian:bookworm-slim@${D('1')}`, raw: '$BASE', line: 2 }, { reference: 'scratch', raw: 'scratch', line: 3 }];
  s.images.get('c')!.externalBases = [{ reference: 'debian:bookworm-slim', raw: 'debian:bookworm-slim', line: 1 }, { reference: `busybox:1@${D('2')}`, raw: 'busybox:1', line: 4 }];
  return s;
}

describe('stackBases and compareBases', () => {
  it('groups uses by reference (scratch left out) and says current, outdated, unpinned or error', () => {
    const uses = stackBases(stack());
    expect(uses).toEqual([
      { reference: 'debian:bookworm-slim', pins: [null, D('1')], images: ['a', 'c'] },
      { reference: 'busybox:1', pins: [D('2')], images: ['c'] },
    ]);
    const now = new Map<string, string | Error>([
      ['debian:bookworm-slim', D('1')],
      ['busybox:1', D('3')],
    ]);
    expect(compareBases(uses, now).map((b) => b.status)).toEqual(['unpinned', 'outdated']);
    expect(compareBases(uses.slice(1), new Map([['busybox:1', D('2')]]))[0].status).toBe('current');
    expect(compareBases(uses.slice(1), new Map([['busybox:1', new Error('401 unauthorized')]]))[0]).toMatchObject({ status: 'error', error: '401 unauthorized' });
  });
});

describe('currentDigests', () => {
  it('asks each base’s registry for its tag (latest when none; Docker Hub at registry-1.docker.io) and keeps errors per base', async () => {
    const asked: string[] = [];
    const clientFor = (registry: string) => ({
      headManifest: async (repository: string, tag: string) => {
        asked.push(`${registry} ${repository}:${tag}`);
        if (repository === 'library/gone') return undefined;
        if (registry === 'down.test') throw new Error('unreachable');
        return { digest: D('9'), mediaType: 'application/vnd.oci.image.index.v1+json', size: 1 };
      },
    });
    const r = await currentDigests(['debian:bookworm-slim', 'reg.test:5000/x/y', 'gone', 'down.test/a:1'], clientFor);
    expect(asked.sort()).toEqual(['down.test a:1', 'reg.test:5000 x/y:latest', 'registry-1.docker.io library/debian:bookworm-slim', 'registry-1.docker.io library/gone:latest']);
    expect(r.get('debian:bookworm-slim')).toBe(D('9'));
    expect((r.get('gone') as Error).message).toContain('404');
    expect((r.get('down.test/a:1') as Error).message).toBe('unreachable');
    expect(registryHost('ghcr.io')).toBe('ghcr.io');
  });
});

describe('commitMessage', () => {
  it('lists each base, old → new digest, and the images whose tags will move', () => {
    expect(
      commitMessage({
        changes: [
          { reference: 'debian:bookworm-slim', from: D('1'), to: D('2') },
          { reference: 'reg.test/up/busybox:1', from: null, to: D('3') },
        ],
        moves: ['a', 'b'],
      }),
    ).toBe(
      `Refresh external base pins: debian:bookworm-slim, busybox:1\n\n- debian:bookworm-slim: ${D('1')} → ${D('2')}\n- reg.test/up/busybox:1: unpinned → ${D('3')}\n\nTags that will move: a, b\n`,
    );
  });
});
