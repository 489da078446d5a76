/**
 * Promises 4 and 7 through the real CLI: nothing is pushed until the image and its ancestors
 * passed their checks and tests; a failure blocks the descendants, siblings go on; Ctrl-C
 * during a test leaves no container behind.
 */
import { spawn } from 'node:child_process';
import Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/core/registry';
import { testEnvironment } from './support/env';
import { CLI, Workspace, writeTinyStack } from './support/workspace';

const { registry } = testEnvironment();
const client = new RegistryClient({ registry });
const docker = new Docker();
const IMAGES = ['base', 'mid', 'leaf', 'side', 'multi'];

async function pushedImages(ws: Workspace): Promise<string[]> {
  const out: string[] = [];
  for (const image of IMAGES) if ((await client.listTags(`${ws.namespace}/${image}`)).length) out.push(image);
  return out.sort();
}

const ourContainers = async () => (await docker.listContainers({ all: true, filters: { label: ['io.imagestack.run=1'] } })).length;

describe('gates before push', () => {
  let ws: Workspace;
  afterEach(() => ws?.dispose());

  it('a failing check in a mid-level image blocks its push and its descendants; a sibling is pushed', async () => {
    ws = writeTinyStack(new Workspace(), registry);
    ws.write(
      'specs.yml',
      ws.read('specs.yml').replace('  mid: {}', '  mid:\n    checks:\n      - { name: mid-version, command: "cat /mid.txt", match: "^mid v9" }'),
    );
    ws.commit('a check that fails');
    const r = await ws.cli(['build']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/mid@2026\.1 failed at checks/);
    expect(r.stdout).toMatch(/check "mid-version": expected .*mid v9.*, found .*mid v1/);
    expect(r.stdout).toMatch(/leaf@2026\.1\s+blocked/);
    expect(await pushedImages(ws)).toEqual(['base', 'side']);
    const report = JSON.parse(ws.read('dist/imagestack/report.json'));
    expect(report.ok).toBe(false);
    expect(report.images[0]).toMatchObject({ image: 'mid', status: 'failed', step: 'checks' });
    expect(report.images[0].gates.checks.items[0]).toMatchObject({ name: 'mid-version', ok: false });
    expect(ws.read('dist/imagestack/report.md')).toContain('## Failures');
  });

  it('a failing test likewise blocks the subtree and keeps it out of the registry', async () => {
    ws = writeTinyStack(new Workspace(), registry);
    ws.write('specs.yml', ws.read('specs.yml').replace('  side: {}', '  side:\n    test: { command: "sh /imagestack/test/run.sh", timeout: 30 }'));
    ws.write('images/side/test/run.sh', 'echo "checking side"\ntest -f /nope || { echo "side is broken"; exit 3; }\n');
    ws.commit('a test that fails');
    const r = await ws.cli(['build']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/side@2026\.1 failed at test/);
    expect(r.stdout).toContain('side is broken');
    expect(r.stdout).toMatch(/multi@2026\.2\s+blocked.*parent side failed/);
    expect(await pushedImages(ws)).toEqual(['base', 'leaf', 'mid']);
    expect(await ourContainers()).toBe(0);
  });

  it('Ctrl-C in the middle of a test stops the run and leaves no container', async () => {
    ws = writeTinyStack(new Workspace(), registry);
    ws.write('specs.yml', ws.read('specs.yml').replace('  base:\n', '  base:\n    test: { command: "sleep 120", timeout: 300 }\n'));
    ws.write('images/base/test/.keep', '');
    ws.commit('a slow test');
    const before = await ourContainers();
    const child = spawn(process.execPath, [CLI, 'build'], { cwd: ws.dir, env: { ...process.env, IMAGESTACK_NAMESPACE: ws.namespace } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
    // Wait until the test container runs, then interrupt.
    for (let i = 0; i < 240 && !(/ test /.test(out) && (await ourContainers()) > before); i++) await new Promise((r) => setTimeout(r, 250));
    expect(await ourContainers()).toBeGreaterThan(before);
    child.kill('SIGINT');
    const code = await exited;
    expect(code, out).toBe(130);
    expect(await ourContainers()).toBe(before);
    expect(await pushedImages(ws)).toEqual([]);
  });
});
