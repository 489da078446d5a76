import { describe, expect, it } from 'vitest';
import { mergeReports } from './merge';
import type { RunReport } from './report';

type Img = RunReport['images'][number];
const img = (image: string, status: Img['status']): Img => ({
  image,
  version: '1',
  reference: `r/${image}:1-abc`,
  tag: '1-abc',
  sourceCommit: 'abc',
  status,
  reason: status,
  durations: {},
  action: status === 'skipped' ? 'skip' : 'build',
});
const report = (startedAt: string, durationMs: number, images: Img[], head = 'a'.repeat(40)): RunReport => ({
  head,
  dirty: false,
  ok: true,
  startedAt,
  durationMs,
  counts: { pushed: 0, built: 0, skipped: 0, failed: 0, blocked: 0, cancelled: 0 },
  images,
});

describe('mergeReports', () => {
  it('makes one result of the platform jobs and the publish job of a multi-platform image: the worse status, every platform', () => {
    type P = NonNullable<Img['platforms']>[number];
    const p = (platform: string, status: P['status'], digest?: string): P => ({ platform, reference: 'r', status, durations: {}, ...(digest ? { digest } : {}) });
    const job = (status: Img['status'], platforms: P[], digest?: string): Img => ({ ...img('base', status), platforms, ...(digest ? { digest } : {}) });
    const ok = mergeReports([
      report('2026-01-01T00:00:00.000Z', 1, [job('pushed', [p('linux/arm64', 'pushed', 'sha256:b')], 'sha256:b')]),
      report('2026-01-01T00:00:00.000Z', 1, [job('pushed', [p('linux/amd64', 'pushed', 'sha256:a'), p('linux/arm64', 'pushed', 'sha256:b')], 'sha256:index')]),
      report('2026-01-01T00:00:00.000Z', 1, [job('pushed', [p('linux/amd64', 'pushed', 'sha256:a')], 'sha256:a')]),
    ]);
    expect(ok.images).toHaveLength(1);
    expect(ok.images[0].digest).toBe('sha256:index'); // the publish job's, naming every platform
    expect(ok.images[0].platforms!.map((x) => [x.platform, x.status, x.digest])).toEqual([
      ['linux/amd64', 'pushed', 'sha256:a'],
      ['linux/arm64', 'pushed', 'sha256:b'],
    ]);
    expect(ok.counts.pushed).toBe(1);
    const failed = mergeReports([
      report('2026-01-01T00:00:00.000Z', 1, [job('pushed', [p('linux/amd64', 'pushed', 'sha256:a')])]),
      report('2026-01-01T00:00:00.000Z', 1, [job('failed', [p('linux/arm64', 'failed')])]),
      report('2026-01-01T00:00:00.000Z', 1, [job('blocked', [p('linux/amd64', 'not run'), p('linux/arm64', 'not run')])]),
    ]);
    expect(failed.images.map((r) => r.status)).toEqual(['failed']);
    expect(failed.images[0].platforms!.map((x) => [x.platform, x.status])).toEqual([
      ['linux/arm64', 'failed'],
      ['linux/amd64', 'pushed'],
    ]);
    expect(failed.ok).toBe(false);
  });

  it("joins the jobs' reports: each image once, failures first, counts and ok recomputed, wall time from first start to last end", () => {
    const merged = mergeReports([
      report('2026-01-01T00:00:00.000Z', 60_000, [img('base', 'pushed')]),
      report('2026-01-01T00:00:30.000Z', 90_000, [img('mid', 'failed'), img('base', 'skipped')]),
      report('2026-01-01T00:01:00.000Z', 5_000, [img('leaf', 'blocked')]),
    ]);
    expect(merged.images.map((r) => `${r.image}:${r.status}`)).toEqual(['mid:failed', 'leaf:blocked', 'base:pushed']);
    expect(merged.counts).toEqual({ pushed: 1, built: 0, skipped: 0, failed: 1, blocked: 1, cancelled: 0 });
    expect(merged.ok).toBe(false);
    expect(merged.startedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(merged.durationMs).toBe(120_000);
  });

  it('refuses reports of different commits, and no report at all', () => {
    expect(() => mergeReports([report('2026-01-01T00:00:00Z', 1, [], 'a'.repeat(40)), report('2026-01-01T00:00:00Z', 1, [], 'b'.repeat(40))])).toThrow(
      /different commits \(aaaaaaa, bbbbbbb\)/,
    );
    expect(() => mergeReports([])).toThrow('no run report to merge');
  });
});
