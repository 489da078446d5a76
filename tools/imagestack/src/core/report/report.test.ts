import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNS_FOLDER, writeReport, type RunReport } from './report';

function report(statuses: Array<RunReport['images'][number]['status']>, startedAt: string): RunReport {
  const counts = { pushed: 0, built: 0, skipped: 0, failed: 0, blocked: 0, cancelled: 0 };
  for (const s of statuses) counts[s]++;
  return {
    head: '0123456789abcdef0123456789abcdef01234567',
    dirty: false,
    ok: true,
    startedAt,
    durationMs: 10,
    counts,
    images: statuses.map((status, i) => ({ image: `i${i}`, version: '1', reference: 'r', tag: 't', sourceCommit: 's', status, reason: '', durations: {}, action: 'build' })),
  };
}

describe('writeReport', () => {
  it('keeps a copy of each run that did anything under runs/, never of a skip-only run', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-report-'));
    try {
      const a = writeReport(report(['pushed', 'skipped'], '2026-11-21T06:30:01.123Z'), dir);
      expect(a.kept).toBe(path.join(dir, RUNS_FOLDER, '20261121T063001Z-0123456.json'));
      expect(JSON.parse(readFileSync(a.kept!, 'utf8')).startedAt).toBe('2026-11-21T06:30:01.123Z');
      const b = writeReport(report(['skipped', 'skipped'], '2026-11-21T06:31:00.000Z'), dir);
      expect(b.kept).toBeUndefined();
      expect(readdirSync(path.join(dir, RUNS_FOLDER))).toEqual(['20261121T063001Z-0123456.json']);
      expect(existsSync(b.json) && existsSync(b.markdown)).toBe(true);
      expect(JSON.parse(readFileSync(b.json, 'utf8')).startedAt).toBe('2026-11-21T06:31:00.000Z');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
