import { describe, expect, it } from 'vitest';
import { memoryRegistry } from './__fixtures__/memory-registry';
import { checkRunId, MARKER_REPOSITORY, markerTag, readFailureMarker, writeFailureMarker, type MarkerRegistry } from './markers';

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/; // OCI distribution spec, tag grammar

describe('markerTag', () => {
  it('is a valid tag naming run, image and version', () => {
    const t = markerTag('123456-2', 'gcc-assert', '2026.1');
    expect(t).toMatch(TAG);
    expect(t).toMatch(/^[0-9a-f]{12}\.123456-2\.gcc-assert\.2026\.1$/);
  });

  it('never collides when names contain the separator, and stays within 128 characters', () => {
    expect(markerTag('r', 'a.b', 'c')).not.toBe(markerTag('r', 'a', 'b.c'));
    const long = markerTag('r'.repeat(64), 'i'.repeat(60), 'v'.repeat(100));
    expect(long).toMatch(TAG);
    expect(long).toHaveLength(128);
  });

  it.each(['', '-1', '.x', 'a b', 'a/b', 'x'.repeat(65)])('rejects the run id %j', (id) => {
    expect(() => checkRunId(id)).toThrow(/cannot be part of a tag: use 1 to 64 letters/);
  });
});

describe('failure markers', () => {
  it('are written to <namespace>/imagestack-runs as an empty OCI index and read back', async () => {
    const reg = memoryRegistry();
    await writeFailureMarker(reg, 'ns', {
      runId: '7-1',
      image: 'base',
      version: '2026.1',
      tag: '2026.1-abc1234',
      status: 'failed',
      reason: 'test failed: exit 1',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    const [[key, m]] = [...reg.manifests];
    expect(key).toBe(`ns/${MARKER_REPOSITORY}:${markerTag('7-1', 'base', '2026.1')}`);
    expect(m.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(JSON.parse(m.bytes.toString()).manifests).toEqual([]);
    expect(await readFailureMarker(reg, 'ns', '7-1', 'base', '2026.1')).toEqual({
      runId: '7-1',
      image: 'base',
      version: '2026.1',
      tag: '2026.1-abc1234',
      status: 'failed',
      reason: 'test failed: exit 1',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('belong to one run: another run id (a re-run) sees none', async () => {
    const reg = memoryRegistry();
    await writeFailureMarker(reg, 'ns', { runId: '7-1', image: 'base', version: '1', tag: 't', status: 'failed', reason: 'x', createdAt: '' });
    expect(await readFailureMarker(reg, 'ns', '7-2', 'base', '1')).toBeUndefined();
    expect(await readFailureMarker(reg, 'ns', '7-1', 'base', '2')).toBeUndefined();
  });
});
