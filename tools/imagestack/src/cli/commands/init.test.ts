/**
 * `imagestack init` through the built CLI (bin/imagestack.js → dist/; `npm run build` first)
 * on a copy of the datahub-style fixture of core/adopt: what it prints, that only options
 * given on the command line are written (not IMAGESTACK_* of this machine), exit codes.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = path.resolve(__dirname, '../../../bin/imagestack.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-init-cli-'));
cpSync(path.resolve(__dirname, '../../core/adopt/__fixtures__/datahub-style'), dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, IMAGESTACK_REGISTRY: 'machine.example:5000', IMAGESTACK_NAMESPACE: 'machine-ns' } });

describe('imagestack init', () => {
  it('writes specs.yml, prints the images, each edge and why, and the decisions', () => {
    const r = run('--namespace', 'datahub', 'init');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^wrote specs\.yml: 3 images from the Dockerfiles under images\/ and images\/spec\.yml\n/);
    expect(r.stdout).toMatch(/^rstudio +images\/rstudio\/Dockerfile +base-notebook +-$/m);
    expect(r.stdout).toContain(
      "  rstudio ← base-notebook: images/rstudio/Dockerfile:2 FROM ghcr.io/example-org/base-notebook:${BASE_TAG}, BASE_TAG=latest; imagestack passes BASE_TAG=<base-notebook's tag>\n",
    );
    expect(r.stdout).toContain('external bases named like stack images:\n  base-notebook: jupyter/base-notebook:python-3.11.9 (images/base-notebook/Dockerfile:2) named like this image itself');
    expect(r.stdout).toContain("references: the Dockerfiles spell the stack's repositories ghcr.io/example-org/<image>\n");
    expect(r.stdout).toContain('left out:\n  images/ml-notebook/grpc/: not an image of images/spec.yml\n');
    expect(r.stdout).toContain('to decide:\n  - push registry: ghcr.io/datahub, from the --registry/--namespace given to init;');
    expect(r.stdout).toMatch(/\ncheck: /);
    const text = readFileSync(path.join(dir, 'specs.yml'), 'utf8');
    expect(text).toContain('registry: ghcr.io ');
    expect(text).toContain('namespace: datahub\n');
    expect(text).not.toContain('machine');
  });

  it('refuses to replace specs.yml (exit 2) unless --force', () => {
    const r = run('init');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('specs.yml: error: specs.yml already exists; imagestack init never replaces it');
    expect(run('init', '--force').stdout).toMatch(/^replaced specs\.yml: 3 images/);
  });
});
