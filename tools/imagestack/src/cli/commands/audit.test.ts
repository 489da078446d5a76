import { describe, expect, it } from 'vitest';
import { auditTable } from './audit';
import type { AuditResult } from '../../core/audit/gather';

const policy = { maxStableAge: '30d', maxStableAgeMs: 30 * 86_400_000, deny: [] };
const finding = (image: string, platforms?: string[]): AuditResult['findings'][number] => ({
  image,
  version: '2026.2',
  stableTag: '2026.2-stable',
  sourceTag: '2026.2-abc1234',
  age: { ms: 2 * 86_400_000, from: 'promotion' },
  ...(platforms ? { platforms } : {}),
  flags: [],
  notes: [],
});

describe('auditTable', () => {
  it('has no platforms column when no stable tag is an image index (the single-platform table is unchanged)', () => {
    const out = auditTable({ version: '2026.2', policy, findings: [finding('base'), finding('python')], ok: true });
    const header = out.split('\n').find((l) => l.startsWith('image'))!;
    expect(header.split(/\s+/)).toEqual(['image', 'stable', 'source', 'age', 'result', 'reasons']);
  });

  it('names each index\'s platforms, and - for a single-platform image, when any stable tag is an index', () => {
    const out = auditTable({ version: '2026.2', policy, findings: [finding('base', ['linux/amd64', 'linux/arm64']), finding('scipy')], ok: true });
    const lines = out.split('\n');
    expect(lines.find((l) => l.startsWith('image'))!.split(/\s+/)).toEqual(['image', 'stable', 'platforms', 'source', 'age', 'result', 'reasons']);
    expect(lines.find((l) => l.startsWith('base'))).toContain('linux/amd64, linux/arm64');
    expect(lines.find((l) => l.startsWith('scipy'))).toMatch(/^scipy\s+2026\.2-stable\s+-\s+2026\.2-abc1234/);
  });
});
