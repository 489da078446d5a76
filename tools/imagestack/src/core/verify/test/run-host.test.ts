/**
 * runHostSuite with real host processes (`sh`) and, for the container list, the recording
 * fake of the engine's container side (__fixtures__/containers.ts, standing for dockerode's
 * `/containers` API). The real engine: test/verify-tests/host-test.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PlanEntry } from '../../plan/types';
import { fakeContainerEngine } from '../__fixtures__/containers';
import { hostTestEnv, runHostSuite } from './run-host';
import type { TestSuite } from './suites';
import { DEFAULT_LIMITS } from './limits';

const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-run-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = {
  image: 'python',
  version: '2026.1',
  tag: '2026.1-abcdef0',
  reference: '127.0.0.1:5000/ns/python:2026.1-abcdef0',
} as PlanEntry;

function suite(host: string, timeoutSeconds = 30): TestSuite {
  return {
    name: 'python (host)', owner: 'python', inherited: false, host: true, argv: ['sh', '-c', host],
    settings: { host, folder: 'test', folderDeclared: false, inherit: false, timeoutSeconds, network: false, limits: { ...DEFAULT_LIMITS } },
  };
}

describe('runHostSuite', () => {
  it('runs in the workspace root with the image reference in the environment', async () => {
    const lines: string[] = [];
    const r = await runHostSuite({
      docker: fakeContainerEngine(), entry, imageId: 'sha256:1234', cwd: dir, log: (l) => lines.push(l),
      // Only the variables the host test is given: the test process itself may carry others (IMAGESTACK_REGISTRY from the integration setup).
      suite: suite("pwd; env | grep -E '^IMAGESTACK_(IMAGE|IMAGE_ID|IMAGE_NAME|TAG|VERSION)=' | sort; echo to-stderr >&2"),
    });
    expect(r).toMatchObject({ ok: true, exitCode: 0, found: 'exit 0', timedOut: false });
    expect(lines).toEqual([
      dir,
      'IMAGESTACK_IMAGE=127.0.0.1:5000/ns/python:2026.1-abcdef0',
      'IMAGESTACK_IMAGE_ID=sha256:1234',
      'IMAGESTACK_IMAGE_NAME=python',
      'IMAGESTACK_TAG=2026.1-abcdef0',
      'IMAGESTACK_VERSION=2026.1',
      'to-stderr',
    ]);
  });

  it('gives a multi-platform image\'s platform its platform, its local reference and the published tag (the index\'s)', async () => {
    const lines: string[] = [];
    // The entry as platforms/names.ts gives it to the gates of linux/arm64 on an amd64 engine.
    const arm = { ...entry, tag: `${entry.tag}-linux-arm64`, reference: `${entry.reference}-linux-arm64` } as PlanEntry;
    const r = await runHostSuite({
      docker: fakeContainerEngine(), entry: arm, imageId: 'sha256:5678', cwd: dir, log: (l) => lines.push(l),
      published: { platform: 'linux/arm64', tag: entry.tag },
      suite: suite("env | grep -E '^IMAGESTACK_(IMAGE|PLATFORM|TAG)=' | sort"),
    });
    expect(r.ok).toBe(true);
    expect(lines).toEqual([
      'IMAGESTACK_IMAGE=127.0.0.1:5000/ns/python:2026.1-abcdef0-linux-arm64',
      'IMAGESTACK_PLATFORM=linux/arm64',
      'IMAGESTACK_TAG=2026.1-abcdef0',
    ]);
  });

  it('gives a single-platform image its platform and its own tag', () => {
    expect(hostTestEnv(entry, 'sha256:1234', { platform: 'linux/amd64' })).toMatchObject({ IMAGESTACK_PLATFORM: 'linux/amd64', IMAGESTACK_TAG: '2026.1-abcdef0' });
    expect(hostTestEnv(entry, 'sha256:1234')).not.toHaveProperty('IMAGESTACK_PLATFORM'); // an engine that does not say it
  });

  it('gets the DOCKER_HOST of the engine holding the image when it is another engine (--engine per platform)', async () => {
    const lines: string[] = [];
    const run = (dockerHost?: string) =>
      runHostSuite({ docker: fakeContainerEngine(), entry, imageId: 'sha256:1234', cwd: dir, log: (l) => lines.push(l), suite: suite('echo "DOCKER_HOST=${DOCKER_HOST:-unset}"'), ...(dockerHost ? { dockerHost } : {}) });
    await run('ssh://builder@arm-host');
    expect(lines).toEqual(['DOCKER_HOST=ssh://builder@arm-host']);
    lines.length = 0;
    await run();
    expect(lines).toEqual([`DOCKER_HOST=${process.env.DOCKER_HOST ?? 'unset'}`]); // without it, the process's own
  });

  it('fails with the exit code and the last 30 lines, in the order written', async () => {
    const r = await runHostSuite({
      docker: fakeContainerEngine(), entry, imageId: 'sha256:1234', cwd: dir, log: () => undefined,
      suite: suite('for i in $(seq 1 40); do echo line $i; done; echo "AssertionError: uid 0" >&2; exit 3'),
    });
    expect(r).toMatchObject({ ok: false, exitCode: 3, found: 'exit 3' });
    expect(r.tail).toHaveLength(30);
    expect(r.tail.at(-1)).toBe('AssertionError: uid 0');
    expect(r.tail[0]).toBe('line 12');
  });

  it('stops the whole process group at the timeout, background processes too', async () => {
    const pidFile = path.join(dir, 'bg.pid');
    const t0 = Date.now();
    const r = await runHostSuite({
      docker: fakeContainerEngine(), entry, imageId: 'sha256:1234', cwd: dir, log: () => undefined,
      suite: suite(`sleep 60 & echo $! > ${pidFile}; sleep 60`, 1),
    });
    expect(r).toMatchObject({ ok: false, timedOut: true, found: 'timed out after 1 s' });
    expect(Date.now() - t0).toBeLessThan(10_000);
    const bg = Number(readFileSync(pidFile, 'utf8'));
    // Gone, or a zombie waiting for whichever process reaps orphans here.
    const alive = () => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${bg}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 20 && alive(); i++) await new Promise((res) => setTimeout(res, 50));
    expect(alive()).toBe(false);
  });

  it('removes the containers made during the test, keeps older ones, and rejects when cancelled', async () => {
    const docker = fakeContainerEngine();
    const older = await docker.createContainer({ Image: 'sha256:1234' });
    const lines: string[] = [];
    // The fake cannot see containers the command starts: one is created as the command runs.
    const ac = new AbortController();
    const run = runHostSuite({ docker, entry, imageId: 'sha256:1234', cwd: dir, log: (l) => lines.push(l), suite: suite('sleep 30'), signal: ac.signal });
    await new Promise((r) => setTimeout(r, 300));
    const made = await docker.createContainer({ Image: 'sha256:1234' });
    const ours = await docker.createContainer({ Image: 'sha256:1234', Labels: { 'io.imagestack.run': '1' } });
    ac.abort();
    await expect(run).rejects.toThrow(/host test python \(host\) cancelled/);
    expect([older.removed, made.removed, ours.removed]).toEqual([false, true, false]);
    expect(lines.at(-1)).toBe(`removed 1 container the host test left: ${made.id.slice(0, 12)}`);
  });
});
