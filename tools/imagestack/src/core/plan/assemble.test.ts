import { describe, expect, it } from 'vitest';
import type { Stack, StackImage } from '../graph/types';
import type { Specs } from '../specs/types';
import { assemblePlan } from './assemble';

// A hand-made stack: base → python → scipy, base → gcc; gcc skips 2026.1.
function stack(): Stack {
  const parents: Record<string, string[]> = { base: [], python: ['base'], scipy: ['python'], gcc: ['base'] };
  const order = ['base', 'python', 'gcc', 'scipy'];
  const specs = {
    registry: '127.0.0.1:5000',
    namespace: 'ns',
    versions: [{ name: '2026.1', args: {}, line: 1 }, { name: '2026.2', args: {}, line: 2 }],
  } as unknown as Specs;
  const images = new Map<string, StackImage>(
    order.map((name) => [
      name,
      {
        name,
        spec: { name, skip: name === 'gcc' ? ['2026.1'] : [] },
        dockerfile: `images/${name}/Dockerfile`,
        parents: parents[name].map((image) => ({ image, instruction: 'FROM', line: 3, tagArg: `${image.toUpperCase()}_TAG` })),
        externalBases: [],
        finalBase: parents[name][0] ? { image: parents[name][0] } : { reference: 'debian:bookworm-slim', raw: 'debian:bookworm-slim' },
      } as unknown as StackImage,
    ]),
  );
  const ancestors = (n: string): string[] => parents[n].flatMap((p) => [...ancestors(p), p]);
  return {
    specs,
    images,
    order,
    waves: new Map([['base', 0], ['python', 1], ['gcc', 1], ['scipy', 2]]),
    ancestors,
    descendants: (n) => order.filter((o) => ancestors(o).includes(n)),
  };
}

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const commits = new Map([
  ['base@2026.1', A], ['base@2026.2', A],
  ['python@2026.1', B], ['python@2026.2', B],
  ['scipy@2026.1', B], ['scipy@2026.2', B],
  ['gcc@2026.2', A],
]);

describe('assemblePlan', () => {
  it('orders entries by wave, then stack order, then version, and skips skipped versions', () => {
    const plan = assemblePlan({ stack: stack(), head: B, sourceCommits: commits, dirty: new Map(), decision: { mode: 'registry', present: new Set() } });
    expect(plan.images.map((e) => `${e.image}@${e.version}`)).toEqual([
      'base@2026.1', 'base@2026.2', 'python@2026.1', 'python@2026.2', 'gcc@2026.2', 'scipy@2026.1', 'scipy@2026.2',
    ]);
    const python = plan.images[2];
    expect(python).toMatchObject({
      repository: '127.0.0.1:5000/ns/python',
      tag: '2026.1-bbbbbbb',
      reference: '127.0.0.1:5000/ns/python:2026.1-bbbbbbb',
      sourceCommit: B,
      parents: ['base'],
      wave: 1,
      action: 'build',
      reason: 'tag missing in the registry',
      dirty: false,
    });
  });

  it('skips what the registry has', () => {
    const plan = assemblePlan({
      stack: stack(), head: B, sourceCommits: commits, dirty: new Map(),
      decision: { mode: 'registry', present: new Set(['base@2026.1', 'base@2026.2']) },
    });
    expect(plan.images.filter((e) => e.action === 'skip').map((e) => e.reason)).toEqual(['tag already in the registry', 'tag already in the registry']);
  });

  it('says when a tag in the registry lacks platforms asked for, keeps it (skip), and hands the platforms on outside the JSON', () => {
    const lacking = new Map([['base@2026.1', ['linux/arm64']]]);
    const plan = assemblePlan({
      stack: stack(), head: B, sourceCommits: commits, dirty: new Map(),
      decision: { mode: 'registry', present: new Set(['base@2026.1', 'base@2026.2']), lacking },
    });
    expect(plan.images[0]).toMatchObject({ image: 'base', version: '2026.1', action: 'skip', reason: 'tag already in the registry, but it lacks linux/arm64 (never overwritten)' });
    expect(plan.images[1].reason).toBe('tag already in the registry');
    expect(plan.lackingPlatforms).toBe(lacking);
  });

  it('offline: builds what changed since base and says which changes came from a parent', () => {
    const plan = assemblePlan({
      stack: stack(), head: B, sourceCommits: commits, dirty: new Map(),
      decision: { mode: 'offline', base: A, changed: new Set([B]) },
    });
    const reason = (k: string) => plan.images.find((e) => `${e.image}@${e.version}` === k)!;
    expect(reason('base@2026.1')).toMatchObject({ action: 'skip', reason: 'unchanged since aaaaaaa' });
    expect(reason('python@2026.1')).toMatchObject({ action: 'build', reason: 'changed since aaaaaaa' });
    expect(reason('scipy@2026.1')).toMatchObject({ action: 'build', reason: 'downstream of a change to python' });
  });

  it('gives dirty entries a dirty tag that claims no commit', () => {
    const plan = assemblePlan({
      stack: stack(), head: B, sourceCommits: commits, dirty: new Map([['scipy@2026.2', '0123456789ab']]),
      decision: { mode: 'registry', present: new Set() },
    });
    const scipy = plan.images.find((e) => e.image === 'scipy' && e.version === '2026.2')!;
    expect(scipy.tag).toBe('2026.2-dirty-0123456789ab');
    expect(scipy.tag).not.toContain('bbbbbbb');
    expect(scipy.reason).toBe('uncommitted changes to its inputs');
    expect(plan.dirty).toBe(true);
  });
});
