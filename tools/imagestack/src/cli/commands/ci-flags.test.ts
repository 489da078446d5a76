import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ciRunId } from './build';
import { githubOutputLines } from './matrix';
import { findReports } from './report';

describe('build --run-id', () => {
  it('is the flag, else <run id>-<attempt> for a matrix job inside GitHub Actions, else none', () => {
    expect(ciRunId('local-1', false, {})).toBe('local-1');
    expect(ciRunId(undefined, true, { GITHUB_RUN_ID: '9876', GITHUB_RUN_ATTEMPT: '2' })).toBe('9876-2');
    expect(ciRunId(undefined, false, { GITHUB_RUN_ID: '9876', GITHUB_RUN_ATTEMPT: '2' })).toBeUndefined();
    expect(ciRunId(undefined, true, {})).toBeUndefined();
    expect(() => ciRunId('no spaces', false, {})).toThrow(/cannot be part of a tag/);
  });
});

describe('matrix --github-output', () => {
  it('writes one line each for matrix (compact JSON), count and head', () => {
    const lines = githubOutputLines({ include: [{ name: 'base 1', image: 'base', version: '1', tag: '1-abc', wave: 0, parents: [] }] }, 'f'.repeat(40));
    expect(lines.split('\n')).toEqual([
      'matrix={"include":[{"name":"base 1","image":"base","version":"1","tag":"1-abc","wave":0,"parents":[]}]}',
      'count=1',
      `head=${'f'.repeat(40)}`,
      '',
    ]);
    expect(githubOutputLines({ include: [] }, 'h')).toBe('matrix={"include":[]}\ncount=0\nhead=h\n');
  });
});

describe('report paths', () => {
  it('takes files as given and finds report.json under folders (the downloaded artifacts)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-reports-'));
    for (const d of ['report-base-1', 'report-mid-1/nested']) {
      mkdirSync(path.join(dir, d), { recursive: true });
      writeFileSync(path.join(dir, d, 'report.json'), '{}');
      writeFileSync(path.join(dir, d, 'report.md'), '');
    }
    writeFileSync(path.join(dir, 'other.json'), '{}');
    expect(findReports([dir]).map((f) => path.relative(dir, f))).toEqual(['report-base-1/report.json', 'report-mid-1/nested/report.json']);
    expect(findReports([path.join(dir, 'other.json')])).toEqual([path.join(dir, 'other.json')]);
    rmSync(dir, { recursive: true, force: true });
  });
});
