/**
 * The Nx executors print an error exactly as the CLI does (terminal/render-error.ts) and
 * return `{ success: false }`: here bad input (a specs.yml with an unknown key), which stops
 * while specs.yml is loaded, before the engine or the registry is reached.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InputError } from '../../core/errors';
import { parseSpecs } from '../../core/specs/load';
import { renderError } from '../../terminal/render-error';
import { runImage } from './run-image';

describe('Nx executors: one error path', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-executor-'));
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints bad input as the CLI does (file:line:column, fix, no stack trace) and fails', async () => {
    const text = 'registry: 127.0.0.1:5000\nnamespace: ns\nversions: { "1": {} }\nimages:\n  base:\n    agrs: { X: "1" }\n';
    writeFileSync(path.join(dir, 'specs.yml'), text);
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const result = await runImage({ image: 'base' }, { root: dir } as ExecutorContext, 'build');
    expect(result).toEqual({ success: false });
    let expected: unknown;
    try {
      parseSpecs(text, 'specs.yml', dir);
    } catch (e) {
      expected = e;
    }
    expect(expected).toBeInstanceOf(InputError);
    expect(stderr).toBe(`${renderError(expected)}\n`);
    expect(stderr).toMatch(/^imagestack: 1 problem in the input; nothing was built or pushed\.\n\nspecs\.yml:6:5: error: unknown key "agrs"/);
    expect(stderr).not.toMatch(/\n\s+at /);
    rmSync(dir, { recursive: true, force: true });
  });
});
