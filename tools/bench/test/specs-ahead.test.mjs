/**
 * specs.yml history read ahead on a worker thread (tools/imagestack/src/core/specs/history-ahead.ts)
 * gives the same plans as the walk comparing specs.yml itself: the built CLI on a generated
 * repository (hundreds of specs.yml changes: entries edited, added, removed, versions and
 * stack-wide blocks changed), with the worker forced on and off (IMAGESTACK_SPECS_WORKER),
 * at HEAD and at older heads, with and without --explain. Needs the build (`npm test` builds
 * first); the worker exists only compiled.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRepo } from '../generate/generate.mjs';

const root = path.resolve(import.meta.dirname, '../../..');
const cli = path.join(root, 'tools/imagestack/bin/imagestack.js');
const dirs = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('specs.yml history read ahead on a worker thread', () => {
  it('plans exactly as the walk alone does', () => {
    expect(existsSync(path.join(root, 'tools/imagestack/dist/core/specs/history-worker.js'))).toBe(true);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-ahead-'));
    dirs.push(dir);
    const repo = path.join(dir, 'repo');
    generateRepo({ images: 80, commits: 1500, seed: 7, out: repo });
    const plan = (worker, args) =>
      execFileSync(process.execPath, [cli, 'plan', '--offline', '--json', ...args], {
        cwd: repo,
        env: { ...process.env, IMAGESTACK_SPECS_WORKER: worker },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
    for (const args of [[], ['--explain'], ['--head', 'HEAD~300'], ['--head', 'HEAD~1000', '--explain']]) {
      const alone = plan('0', args);
      expect(JSON.parse(alone).images.length).toBeGreaterThan(0);
      expect(plan('1', args), args.join(' ')).toBe(alone);
    }
  }, 120_000);
});
