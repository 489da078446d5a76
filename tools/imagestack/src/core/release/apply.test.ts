/**
 * The all-or-nothing mover. The decisions (order, undo steps, message) are pure; applyMoves
 * runs here against a hand-written in-memory registry that records every call and fails
 * where the test says (the integration tests run the same code against the real registry).
 */
import { describe, expect, it } from 'vitest';
import { RegistryError } from '../errors';
import type { RegistryClient } from '../registry/client';
import { sha256Digest } from '../registry/digest';
import { ApplyError, applyMoves, everythingRestored, failureMessage, isChange, orderMoves, undoSteps, type StableMove } from './apply';
import type { ManifestBytes } from './retag';

const MT = 'application/vnd.oci.image.manifest.v1+json';
function manifest(name: string): ManifestBytes {
  const bytes = Buffer.from(`{"name":"${name}"}`);
  return { descriptor: { mediaType: MT, digest: sha256Digest(bytes), size: bytes.length }, bytes };
}
function move(image: string, previous: string | null, next: string): StableMove {
  return { image, repository: `ns/${image}`, tag: '2026.2-stable', previous: previous === null ? null : manifest(previous), next: manifest(next) };
}

/** An in-memory registry: tags → digests; PUTs fail for the tags in `failPut`. */
class FakeRegistry {
  readonly tags = new Map<string, string>();
  readonly calls: string[] = [];
  failPut = new Set<string>();
  deleteTagSupported = false;
  asClient(): RegistryClient {
    return this as unknown as RegistryClient;
  }
  async putManifest(repository: string, tag: string, bytes: Buffer): Promise<unknown> {
    this.calls.push(`PUT ${repository}:${tag}`);
    if (this.failPut.has(`${repository}:${tag}`)) throw new RegistryError(`PUT ${repository}:${tag}: 500 Internal Server Error`, 500);
    this.tags.set(`${repository}:${tag}`, sha256Digest(bytes));
    return {};
  }
  async headManifest(repository: string, tag: string): Promise<unknown> {
    this.calls.push(`HEAD ${repository}:${tag}`);
    const d = this.tags.get(`${repository}:${tag}`);
    return d ? { digest: d } : undefined;
  }
  async deleteTag(repository: string, tag: string): Promise<boolean> {
    this.calls.push(`DELETE ${repository}:${tag}`);
    if (!this.deleteTagSupported) return false;
    this.tags.delete(`${repository}:${tag}`);
    return true;
  }
}

function registryWith(moves: StableMove[]): FakeRegistry {
  const r = new FakeRegistry();
  for (const m of moves) if (m.previous) r.tags.set(`${m.repository}:${m.tag}`, m.previous.descriptor.digest);
  return r;
}

describe('decisions', () => {
  const moves = [move('a', null, 'a2'), move('b', 'b1', 'b2'), move('c', 'c1', 'c1'), move('d', 'd1', 'd2'), move('e', null, 'e2')];
  it('only changes move; existing stable tags first, new ones last, plan order within', () => {
    expect(moves.map(isChange)).toEqual([true, true, false, true, true]);
    expect(orderMoves(moves).map((m) => m.image)).toEqual(['b', 'd', 'a', 'e']);
  });
  it('undo goes newest first: restore what existed, delete (by tag) what was new', () => {
    expect(undoSteps(orderMoves(moves).slice(0, 3)).map((s) => `${s.action} ${s.move.image}`)).toEqual(['delete-tag a', 'restore d', 'restore b']);
    expect(undoSteps([])).toEqual([]);
  });
});

describe('applyMoves', () => {
  it('moves every change, then commits', async () => {
    const moves = [move('a', 'a1', 'a2'), move('b', 'b1', 'b1'), move('c', null, 'c2')];
    const reg = registryWith(moves);
    let committed = false;
    const moved = await applyMoves(reg.asClient(), moves, { what: 'promotion of 2026.2', commit: async () => void (committed = true) });
    expect(moved.map((m) => m.image)).toEqual(['a', 'c']);
    expect(committed).toBe(true);
    expect(reg.tags.get('ns/a:2026.2-stable')).toBe(manifest('a2').descriptor.digest);
    expect(reg.tags.get('ns/c:2026.2-stable')).toBe(manifest('c2').descriptor.digest);
    expect(reg.calls).toEqual(['PUT ns/a:2026.2-stable', 'PUT ns/c:2026.2-stable']);
  });

  it('a failing third PUT puts the first two back and leaves everything where it was', async () => {
    const moves = [move('a', 'a1', 'a2'), move('b', 'b1', 'b2'), move('c', 'c1', 'c2'), move('d', 'd1', 'd2')];
    const reg = registryWith(moves);
    const before = new Map(reg.tags);
    reg.failPut.add('ns/c:2026.2-stable');
    const err = (await applyMoves(reg.asClient(), moves, { what: 'promotion of 2026.2', commit: async () => undefined }).catch((e: unknown) => e)) as ApplyError;
    expect(err).toBeInstanceOf(ApplyError);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBe(500);
    expect(reg.tags).toEqual(before);
    expect(reg.calls).toEqual([
      'PUT ns/a:2026.2-stable',
      'PUT ns/b:2026.2-stable',
      'PUT ns/c:2026.2-stable',
      'HEAD ns/c:2026.2-stable',
      'PUT ns/b:2026.2-stable',
      'PUT ns/a:2026.2-stable',
    ]);
    expect(everythingRestored(err.report)).toBe(true);
    expect(err.report.failedAt).toEqual({ image: 'c', tag: '2026.2-stable' });
    expect(err.report.restored.map((t) => t.image)).toEqual(['b', 'a']);
    expect(err.report.untouched.map((t) => t.image)).toEqual(['c', 'd']);
    expect(err.message).toContain('promotion of 2026.2 failed moving c:2026.2-stable: PUT ns/c:2026.2-stable: 500');
    expect(err.message).toContain('every stable tag is where it was before; nothing was recorded.');
  });

  it('a failing commit (verify or record) puts every moved tag back', async () => {
    const moves = [move('a', 'a1', 'a2'), move('b', 'b1', 'b2')];
    const reg = registryWith(moves);
    const before = new Map(reg.tags);
    const err = (await applyMoves(reg.asClient(), moves, {
      what: 'revert of 2026.2',
      commit: async () => {
        throw new RegistryError('record exists already', undefined);
      },
    }).catch((e: unknown) => e)) as ApplyError;
    expect(err.report.failedAt).toBe('commit');
    expect(reg.tags).toEqual(before);
    expect(err.message).toContain('revert of 2026.2 failed after moving the stable tags: record exists already');
  });

  it('a failed PUT the registry stored anyway is put back too', async () => {
    const moves = [move('a', 'a1', 'a2')];
    const reg = registryWith(moves);
    const put = reg.putManifest.bind(reg);
    let first = true;
    reg.putManifest = async (r: string, t: string, b: Buffer) => {
      await put(r, t, b);
      if (first) {
        first = false;
        throw new RegistryError('the answer was lost', undefined);
      }
      return {};
    };
    const err = (await applyMoves(reg.asClient(), moves, { what: 'p', commit: async () => undefined }).catch((e: unknown) => e)) as ApplyError;
    expect(err.report.restored.map((t) => t.image)).toEqual(['a']);
    expect(err.report.untouched).toEqual([]);
    expect(reg.tags.get('ns/a:2026.2-stable')).toBe(manifest('a1').descriptor.digest);
  });

  it('a stable tag that did not exist is deleted by tag where the registry can, else reported as left in place', async () => {
    for (const supported of [true, false]) {
      const moves = [move('a', 'a1', 'a2'), move('n', null, 'n2'), move('m', null, 'm2')];
      const reg = registryWith(moves);
      reg.deleteTagSupported = supported;
      reg.failPut.add('ns/m:2026.2-stable');
      const err = (await applyMoves(reg.asClient(), moves, { what: 'promotion of 2026.2', commit: async () => undefined }).catch((e: unknown) => e)) as ApplyError;
      expect(reg.calls).toContain('DELETE ns/n:2026.2-stable');
      expect(reg.calls.some((c) => c.startsWith('DELETE') && c.includes('sha256'))).toBe(false); // never by digest
      expect(reg.tags.get('ns/a:2026.2-stable')).toBe(manifest('a1').descriptor.digest);
      if (supported) {
        expect(everythingRestored(err.report)).toBe(true);
        expect(reg.tags.has('ns/n:2026.2-stable')).toBe(false);
      } else {
        expect(everythingRestored(err.report)).toBe(false);
        expect(err.report.notRestored).toEqual([
          expect.objectContaining({ image: 'n', digest: manifest('n2').descriptor.digest, why: expect.stringContaining('cannot delete a tag alone') }),
        ]);
        expect(err.message).toContain('NOT put back: n:2026.2-stable');
        expect(err.message).toContain('some stable tags were NOT put back');
      }
    }
  });

  it('a failing undo is reported, not hidden', async () => {
    const moves = [move('a', 'a1', 'a2'), move('b', 'b1', 'b2')];
    const reg = registryWith(moves);
    let puts = 0;
    const put = reg.putManifest.bind(reg);
    reg.putManifest = async (r: string, t: string, b: Buffer) => {
      if (++puts >= 2) throw new RegistryError('registry down', undefined);
      return put(r, t, b);
    };
    reg.headManifest = async () => {
      throw new RegistryError('registry down', undefined);
    };
    const err = (await applyMoves(reg.asClient(), moves, { what: 'p', commit: async () => undefined }).catch((e: unknown) => e)) as ApplyError;
    expect(err.report.notRestored.map((t) => t.image).sort()).toEqual(['a', 'b']);
    expect(failureMessage('p', err.report)).toMatch(/NOT put back: a:2026.2-stable .*putting it back failed: registry down/);
  });
});
