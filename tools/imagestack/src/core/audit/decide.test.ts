/** Audit decisions from real-shaped facts (digests, ISO times, tags as the registry lists them). */
import { describe, expect, it } from 'vitest';
import { decideAudit, type StableFacts } from './decide';
import type { AuditPolicy } from './spec';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const NOW = new Date('2026-11-21T06:00:00.000Z');
const DAY = 86_400_000;

function facts(image: string, stable?: Partial<NonNullable<StableFacts['stable']>>, newerTags: string[] = []): StableFacts {
  return {
    image,
    version: '2026.1',
    repository: `127.0.0.1:5000/imagestack-example/${image}`,
    stableTag: '2026.1-stable',
    ...(stable ? { stable: { digest: D('a'), otherDigests: [D('b'), D('c')], ...stable } } : {}),
    newerTags,
    notes: [],
  };
}

const policy: AuditPolicy = { maxStableAge: '30d', maxStableAgeMs: 30 * DAY, deny: [{ digest: D('c'), reason: 'CVE-2026-0001 in openssl' }] };

describe('decideAudit', () => {
  it('passes a fresh, current, allowed stable tag', () => {
    const [f] = decideAudit([facts('base', { digest: D('1'), otherDigests: [D('2')], promotedAt: '2026-11-20T06:00:00.000Z', promotion: 7, sourceTag: '2026.1-3f2a9c1' })], policy, NOW);
    expect(f).toMatchObject({ flags: [], sourceTag: '2026.1-3f2a9c1', age: { ms: DAY, from: 'promotion' } });
  });

  it('an index: gives its platforms, and flags a denied digest of any platform\'s image (gather.ts reads every platform\'s config)', () => {
    const [f, single] = decideAudit(
      [facts('multi', { digest: D('1'), otherDigests: [D('2'), D('3'), D('4'), D('c')], platforms: ['linux/amd64', 'linux/arm64'], createdAt: '2026-11-20T06:00:00Z' }), facts('one', { digest: D('1'), otherDigests: [], createdAt: '2026-11-20T06:00:00Z' })],
      policy,
      NOW,
    );
    expect(f.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(f.flags).toEqual([{ kind: 'denied', detail: `${D('c').slice(0, 19)}… denied: CVE-2026-0001 in openssl` }]);
    expect(single).not.toHaveProperty('platforms');
  });

  it('flags a missing stable tag', () => {
    expect(decideAudit([facts('python')], policy, NOW)[0].flags).toEqual([{ kind: 'no-stable', detail: 'no 2026.1-stable tag in the registry' }]);
  });

  it('measures age from the last promotion of the digest, else from the created label', () => {
    const [byPromotion, byCreated, unknown] = decideAudit(
      [
        facts('a', { digest: D('1'), otherDigests: [], promotedAt: '2026-10-01T06:00:00.000Z', promotion: 3, createdAt: '2026-11-20T00:00:00Z' }),
        facts('b', { digest: D('1'), otherDigests: [], createdAt: '2026-09-01T06:00:00Z' }),
        facts('c', { digest: D('1'), otherDigests: [] }),
      ],
      policy,
      NOW,
    );
    expect(byPromotion.flags).toEqual([{ kind: 'too-old', detail: 'promoted (#3) 51d0h ago, more than 30d' }]);
    expect(byCreated.flags).toEqual([{ kind: 'too-old', detail: 'created (no promotion record) 81d0h ago, more than 30d' }]);
    expect(unknown.flags).toEqual([]);
    expect(unknown.notes).toEqual(['age unknown: no promotion record and no created label']);
  });

  it('has no age limit without maxStableAge', () => {
    const [f] = decideAudit([facts('a', { digest: D('1'), otherDigests: [], createdAt: '2020-01-01T00:00:00Z' })], { deny: [] }, NOW);
    expect(f.flags).toEqual([]);
    expect(f.age?.from).toBe('created');
  });

  it('flags a stable behind newer built tags, naming the newest', () => {
    const [f] = decideAudit([facts('gcc', { digest: D('1'), otherDigests: [], promotedAt: '2026-11-20T06:00:00Z' }, ['2026.1-aaaaaaa', '2026.1-bbbbbbb'])], policy, NOW);
    expect(f.flags).toEqual([{ kind: 'behind', detail: '2 newer built tags, newest 2026.1-bbbbbbb' }]);
  });

  it('flags a denied digest, whichever of the image digests it is (here the config digest = image ID)', () => {
    const [f] = decideAudit([facts('scipy', { promotedAt: '2026-11-20T06:00:00Z' })], policy, NOW);
    expect(f.flags).toEqual([{ kind: 'denied', detail: 'sha256:cccccccccccc… denied: CVE-2026-0001 in openssl' }]);
  });

  it('gives every reason at once', () => {
    const [f] = decideAudit([facts('toolbox', { createdAt: '2026-01-01T00:00:00Z' }, ['2026.1-1234567'])], policy, NOW);
    expect(f.flags.map((x) => x.kind)).toEqual(['too-old', 'behind', 'denied']);
  });
});

describe('decideAudit: the pinned external base (issue 15)', () => {
  const fresh = { digest: D('1'), otherDigests: [], promotedAt: '2026-11-20T06:00:00.000Z' };
  const withBase = (base: StableFacts['base']): StableFacts => ({ ...facts('base', fresh), base });

  it('flags a stale base (a newer digest upstream) with the age of the pinned base image; passes a current one', () => {
    const [stale, current] = decideAudit(
      [
        withBase({ name: 'debian:bookworm-slim', digest: D('5'), current: D('6'), createdAt: '2026-10-22T06:00:00.000Z' }),
        withBase({ name: 'debian:bookworm-slim', digest: D('6'), current: D('6'), createdAt: '2026-11-19T06:00:00.000Z' }),
      ],
      policy,
      NOW,
    );
    expect(stale.flags).toEqual([
      { kind: 'stale-base', detail: `debian:bookworm-slim is pinned to ${D('5').slice(0, 19)}…, created 30d0h ago; its tag now points at ${D('6').slice(0, 19)}… (imagestack refresh)` },
    ]);
    expect(stale.base).toEqual({ name: 'debian:bookworm-slim', digest: D('5'), current: D('6'), ageMs: 30 * DAY });
    expect(current.flags).toEqual([]);
  });

  it('with maxBaseAge, flags a base image older than that; a registry that cannot tell is a note, not a flag', () => {
    const strict: AuditPolicy = { ...policy, maxBaseAge: '14d', maxBaseAgeMs: 14 * DAY };
    const [old, unknown] = decideAudit(
      [withBase({ name: 'debian:bookworm-slim', digest: D('6'), current: D('6'), createdAt: '2026-10-22T06:00:00.000Z' }), withBase({ name: 'reg.test/up/x:1', digest: D('6'), error: 'HEAD …: 401 unauthorized\nmore' })],
      strict,
      NOW,
    );
    expect(old.flags).toEqual([{ kind: 'old-base', detail: `debian:bookworm-slim@${D('6').slice(0, 19)}… created 30d0h ago, more than 14d` }]);
    expect(unknown.flags).toEqual([]);
    expect(unknown.notes).toEqual(['base reg.test/up/x:1 not checked upstream: HEAD …: 401 unauthorized']);
  });
});
