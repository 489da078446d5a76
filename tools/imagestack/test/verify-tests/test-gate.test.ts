/**
 * The `test` gate against the real engine, on tiny images built here from
 * debian:bookworm-slim (no package installs): pass, fail, timeout, no network, non-root
 * user, limits, file names, inheritance along the final-stage base chain, abort. Every
 * test checks that no container is left behind (DESIGN.md promise 7).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../src/core/engine/build';
import { StepLog } from '../../src/core/engine/log';
import { readStack } from '../../src/core/graph/read-stack';
import type { Stack } from '../../src/core/graph/types';
import { GateFailure, type GateContext, type GateReport } from '../../src/core/pipeline/types';
import type { PlanEntry } from '../../src/core/plan/types';
import { loadSpecs } from '../../src/core/specs/load';
import { createTestGate } from '../../src/core/verify';
import { testEnvironment } from '../support/env';

const { registry } = testEnvironment();
const docker = new Docker();
const namespace = `it-tests-${randomBytes(4).toString('hex')}`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-test-gate-'));
const VERSION = 'v1';
const TAG = 't';

/**
 * base: root, with a uid-1000 user. child FROM base; grandchild FROM child; tool FROM base;
 * multi: a build stage FROM tool, final stage FROM base. nouser: no uid 1000. configured:
 * USER app (uid 1001) and an ENTRYPOINT that exports VIA_ENTRYPOINT before exec'ing the command.
 */
const DOCKERFILES: Record<string, string> = {
  base: 'FROM debian:bookworm-slim\nRUN useradd --uid 1000 --create-home --shell /bin/bash tester\n',
  child: 'ARG REGISTRY\nARG BASE_TAG\nFROM ${REGISTRY}/base:${BASE_TAG}\nRUN echo child > /child.txt\n',
  grandchild: 'ARG REGISTRY\nARG CHILD_TAG\nFROM ${REGISTRY}/child:${CHILD_TAG}\nRUN echo grandchild > /grandchild.txt\n',
  tool: 'ARG REGISTRY\nARG BASE_TAG\nFROM ${REGISTRY}/base:${BASE_TAG}\nRUN echo tool > /tool.txt\n',
  multi: [
    'ARG REGISTRY',
    'ARG BASE_TAG',
    'ARG TOOL_TAG',
    'FROM ${REGISTRY}/tool:${TOOL_TAG} AS build',
    'RUN echo built > /built.txt',
    'FROM ${REGISTRY}/base:${BASE_TAG}',
    'COPY --from=build /built.txt /built.txt',
    '',
  ].join('\n'),
  nouser: 'FROM debian:bookworm-slim\nRUN echo nouser > /nouser.txt\n',
  configured: [
    'FROM debian:bookworm-slim',
    'RUN useradd --uid 1001 --create-home app \\',
    ` && printf '#!/bin/sh\\nexport VIA_ENTRYPOINT=yes\\nexec "$@"\\n' > /entry.sh && chmod 755 /entry.sh`,
    'USER app',
    'ENTRYPOINT ["/entry.sh"]',
    '',
  ].join('\n'),
};
const IMAGES = Object.keys(DOCKERFILES);
const imageIds = new Map<string, string>();

const write = (rel: string, content: string) => {
  const file = path.join(dir, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
};

/** A scenario: per image, its `test:` entry (YAML flow mapping) and the files of its test folder. */
type Scenario = Partial<Record<string, { test?: string; files?: Record<string, string> }>>;

/** Writes specs.yml and the test folders of a scenario (removing the previous ones); reads the stack. */
async function stackFor(scenario: Scenario): Promise<Stack> {
  const lines = [`registry: ${registry}`, `namespace: ${namespace}`, `versions: { "${VERSION}": {} }`, 'images:'];
  for (const image of IMAGES) {
    rmSync(path.join(dir, 'images', image, 'test'), { recursive: true, force: true });
    const s = scenario[image];
    lines.push(`  ${image}: ${s?.test ? `{ test: ${s.test} }` : '{}'}`);
    for (const [name, content] of Object.entries(s?.files ?? {})) write(`images/${image}/test/${name}`, content);
  }
  write('specs.yml', `${lines.join('\n')}\n`);
  return readStack(await loadSpecs(path.join(dir, 'specs.yml')));
}

function entry(image: string): PlanEntry {
  const repository = `${registry}/${namespace}/${image}`;
  return {
    image,
    version: VERSION,
    repository,
    tag: TAG,
    reference: `${repository}:${TAG}`,
    sourceCommit: '0'.repeat(40),
    dirty: false,
    parents: [],
    wave: 0,
    action: 'build',
    reason: 'test',
  };
}

/** Runs the gate on `image`; resolves with the report (or the GateFailure) and every log line. */
async function runGate(
  stack: Stack,
  image: string,
  signal?: AbortSignal,
): Promise<{ report?: GateReport; error?: unknown; lines: string[]; ms: number }> {
  const lines: string[] = [];
  const ctx: GateContext = {
    entry: entry(image),
    stack,
    imageId: imageIds.get(image)!,
    docker,
    client: undefined as never, // the test gate does not use the registry
    outputDir: path.join(dir, 'out'),
    outputs: {},
    log: (l) => lines.push(l),
    signal,
  };
  const t0 = performance.now();
  try {
    const report = await createTestGate().run(ctx);
    return { report, lines, ms: performance.now() - t0 };
  } catch (error) {
    return { error, lines, ms: performance.now() - t0 };
  }
}

/** Containers imagestack labelled (`io.imagestack.run=1`), of this file's images, running or not. */
async function leftovers(): Promise<string[]> {
  const ids = new Set(imageIds.values());
  const all = await docker.listContainers({ all: true, filters: { label: ['io.imagestack.run=1'] } });
  return all.filter((c) => ids.has(c.ImageID)).map((c) => `${c.Id.slice(0, 12)} ${c.Image} ${c.State}`);
}

describe('the test gate', () => {
  beforeAll(async () => {
    for (const [image, dockerfile] of Object.entries(DOCKERFILES)) write(`images/${image}/Dockerfile`, dockerfile);
    await stackFor({}); // validates the Dockerfiles' parents
    const log = new StepLog(path.join(dir, 'build.log'));
    try {
      for (const image of IMAGES) {
        const buildArgs: Record<string, string> = { REGISTRY: `${registry}/${namespace}` };
        for (const p of IMAGES) buildArgs[`${p.toUpperCase()}_TAG`] = TAG;
        await buildImage(docker, {
          contextDir: path.join(dir, 'images', image),
          dockerfile: 'Dockerfile',
          reference: entry(image).reference,
          buildArgs,
          labels: { 'io.imagestack.image': image },
          log,
        });
        // The tagged image's ID (buildImage returns the first stage's ID for multi-stage builds).
        imageIds.set(image, (await docker.getImage(entry(image).reference).inspect()).Id);
      }
    } finally {
      await log.close();
    }
    expect(await leftovers()).toEqual([]);
  });

  afterAll(async () => {
    for (const image of [...IMAGES].reverse()) {
      await docker.getImage(entry(image).reference).remove({ force: true }).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes a suite that exits 0, with its output in the log', async () => {
    const stack = await stackFor({
      base: { test: '{ command: "sh /imagestack/test/run.sh" }', files: { 'run.sh': 'echo "hello from the test"\n' } },
    });
    const r = await runGate(stack, 'base');
    expect(r.error).toBeUndefined();
    expect(r.report).toMatchObject({ ok: true, summary: '1 test suite passed' });
    expect(r.report!.items).toEqual([{ name: 'base', ok: true, found: 'exit 0', durationMs: expect.any(Number) }]);
    expect(r.lines).toContain('hello from the test');
    expect(await leftovers()).toEqual([]);
  });

  it('reports "no tests" for an image without a test entry or folder', async () => {
    const r = await runGate(await stackFor({}), 'child');
    expect(r.report).toEqual({ ok: true, summary: 'no tests', items: [] });
  });

  it('fails a suite that exits non-zero, naming image@version, the suite and the code, with the last 30 lines', async () => {
    const stack = await stackFor({
      base: {
        test: '{ command: "sh /imagestack/test/run.sh" }',
        files: { 'run.sh': 'i=1; while [ $i -le 40 ]; do echo "line $i"; i=$((i+1)); done\necho "to stderr" >&2\nexit 3\n' },
      },
    });
    const r = await runGate(stack, 'base');
    expect(r.error).toBeInstanceOf(GateFailure);
    const f = r.error as GateFailure;
    expect(f.message).toBe(`tests of base@${VERSION} failed: its own suite exited with code 3`);
    expect(f.report).toMatchObject({ ok: false, summary: 'test exit 3', items: [{ name: 'base', ok: false, found: 'exit 3' }] });
    expect(f.logTail).toHaveLength(30);
    // stderr is merged into stdout inside the container (inOrder), so order is kept.
    expect(f.logTail.at(-1)).toBe('to stderr');
    expect(f.logTail[0]).toBe('line 12');
    expect(r.lines).toContain('line 1'); // everything went to the log
    expect(await leftovers()).toEqual([]);
  });

  it('kills a suite at its timeout, reports "timed out", and leaves no container', async () => {
    const before = await leftovers();
    const stack = await stackFor({
      base: { test: '{ command: "echo started; sleep 60", timeout: 2 }' },
    });
    const r = await runGate(stack, 'base');
    expect(r.error).toBeInstanceOf(GateFailure);
    const f = r.error as GateFailure;
    expect(f.message).toBe(`tests of base@${VERSION} failed: its own suite timed out after 2 s and was killed`);
    expect(f.report.items).toEqual([{ name: 'base', ok: false, found: 'timed out after 2 s', durationMs: expect.any(Number) }]);
    expect(f.report.items![0].durationMs).toBeGreaterThanOrEqual(1900);
    expect(f.logTail).toEqual(['started']);
    expect(r.ms).toBeLessThan(15_000);
    expect(await leftovers()).toEqual(before);
    expect(before).toEqual([]);
  });

  it('gives tests no network: no name resolution, no route, only the loopback interface', async () => {
    const script = [
      'set -u',
      'echo "interfaces: $(ls /sys/class/net | tr "\\n" " ")"',
      'if getent hosts deb.debian.org; then echo "resolved deb.debian.org"; exit 1; fi',
      'if timeout 5 bash -c "echo > /dev/tcp/1.1.1.1/53"; then echo "connected to 1.1.1.1:53"; exit 1; fi',
      'echo "no network"',
    ].join('\n');
    const none = await runGate(await stackFor({ base: { test: '{ command: "bash /imagestack/test/run.sh" }', files: { 'run.sh': script } } }), 'base');
    expect(none.error).toBeUndefined();
    expect(none.lines).toContain('interfaces: lo ');
    expect(none.lines).toContain('no network');

    // network: true keeps the engine's default network (an eth0 besides lo).
    const withNet = await runGate(
      await stackFor({ base: { test: '{ command: "ls /sys/class/net", network: true }' } }),
      'base',
    );
    expect(withNet.error).toBeUndefined();
    expect(withNet.lines).toContain('eth0');
    expect(await leftovers()).toEqual([]);
  });

  it('runs as a non-root user: uid 1000, else the image USER, else nobody; test.user overrides', async () => {
    const test = '{ command: "id -u; id -un; echo HOME=$HOME" }';
    const base = await runGate(await stackFor({ base: { test } }), 'base');
    expect(base.error).toBeUndefined();
    expect(base.lines).toContain('1000');
    expect(base.lines).toContain('tester');
    expect(base.lines).toContain('HOME=/home/tester');
    expect(base.lines[0]).toMatch(/as 1000 \(the image's USER is root; uid 1000 \(tester\) from \/etc\/passwd\)/);

    const configured = await runGate(await stackFor({ configured: { test: '{ command: "id -un; echo entrypoint=$VIA_ENTRYPOINT" }' } }), 'configured');
    expect(configured.error).toBeUndefined();
    expect(configured.lines).toContain('app');
    expect(configured.lines).toContain('entrypoint=yes'); // the image's ENTRYPOINT ran the command

    const nouser = await runGate(await stackFor({ nouser: { test: '{ command: ["id"] }' } }), 'nouser');
    expect(nouser.error).toBeUndefined();
    expect(nouser.lines).toContain('uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)');

    const root = await runGate(await stackFor({ base: { test: '{ command: "id -u", user: root }' } }), 'base');
    expect(root.error).toBeUndefined();
    expect(root.lines).toContain('0');
    expect(await leftovers()).toEqual([]);
  });

  it('applies the limits: memory without swap, pids, CPUs, no new privileges, no capabilities', async () => {
    const script = [
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
      'cat /sys/fs/cgroup/pids/pids.max',
      'echo "cpu $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)/$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"',
      'grep -E "^(NoNewPrivs|CapBnd)" /proc/self/status',
      'sleep 3',
    ].join('\n');
    const stack = await stackFor({
      base: { test: '{ command: "sh /imagestack/test/run.sh", limits: { memory: 64m, pids: 32, cpus: 0.5 } }', files: { 'run.sh': script } },
    });
    // Inspect the container while it runs.
    const seen = (async () => {
      for (let i = 0; i < 100; i++) {
        const [c] = await docker.listContainers({ filters: { label: ['io.imagestack.run=1', 'io.imagestack.gate=test'], ancestor: [imageIds.get('base')!] } });
        if (c) return docker.getContainer(c.Id).inspect();
        await new Promise((r) => setTimeout(r, 100));
      }
      return undefined;
    })();
    const r = await runGate(stack, 'base');
    expect(r.error).toBeUndefined();
    const info = await seen;
    expect(info?.HostConfig).toMatchObject({
      Memory: 64 * 1024 ** 2,
      MemorySwap: 64 * 1024 ** 2,
      PidsLimit: 32,
      NanoCpus: 500_000_000,
      NetworkMode: 'none',
      SecurityOpt: ['no-new-privileges'],
      CapDrop: ['ALL'],
    });
    expect(info?.Config.Labels).toMatchObject({ 'io.imagestack.run': '1', 'io.imagestack.gate': 'test', 'io.imagestack.suite': 'base' });
    expect(info?.Config.User).toBe('1000');
    expect(r.lines).toContain(String(64 * 1024 ** 2));
    expect(r.lines).toContain('32');
    expect(r.lines).toContain('cpu 50000/100000');
    expect(r.lines).toContain('NoNewPrivs:\t1');
    expect(r.lines).toContain('CapBnd:\t0000000000000000');
    expect(await leftovers()).toEqual([]);
  });

  it('fails a test that forks past the pids limit, or runs out of memory', async () => {
    const forks = await runGate(
      await stackFor({
        base: { test: '{ command: "i=0; while [ $i -lt 100 ]; do sleep 30 & i=$((i+1)); done; echo spawned all", limits: { pids: 20 } }' },
      }),
      'base',
    );
    expect(forks.error).toBeInstanceOf(GateFailure);
    expect((forks.error as GateFailure).report.items![0].found).toMatch(/^exit [1-9]/);
    expect(forks.lines.join('\n')).toMatch(/Cannot fork/);
    expect(forks.lines).not.toContain('spawned all');

    const memory = await runGate(
      await stackFor({
        base: { test: '{ command: "head -c 300000000 /dev/zero | tail -n 1 > /dev/null", limits: { memory: 64m } }' },
      }),
      'base',
    );
    expect(memory.error).toBeInstanceOf(GateFailure);
    expect((memory.error as GateFailure).report.items![0].found).toBe('exit 137 (out of memory)');
    expect((memory.error as GateFailure).message).toBe(`tests of base@${VERSION} failed: its own suite exited with code 137 (killed: out of memory)`);
    expect(await leftovers()).toEqual([]);
  });

  it('copies file names with spaces, quotes and non-ASCII intact, read-only for the test user', async () => {
    const names = ['plain.txt', 'with space.txt', `"double" and 'single'.txt`, 'ünïcödé-日本.txt', 'sub dir/nested $HOME `x`.txt'];
    const files: Record<string, string> = {};
    for (const n of names) files[n] = `content of ${n}\n`;
    files['run.sh'] = [
      'set -eu',
      'cd /imagestack/test',
      'find . -type f ! -name run.sh | LC_ALL=C sort | while IFS= read -r f; do printf "%s|%s\\n" "$f" "$(cat "$f")"; done',
      'if touch /imagestack/test/new 2>/dev/null; then echo "test folder is writable"; exit 1; fi',
      'stat -c "%U %a %n" /imagestack /imagestack/test /imagestack/test/run.sh',
    ].join('\n');
    const r = await runGate(await stackFor({ base: { test: '{ command: "sh /imagestack/test/run.sh" }', files } }), 'base');
    expect(r.error, r.lines.join('\n')).toBeUndefined();
    const expected = [...names].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1)).map((n) => `./${n}|content of ${n}`);
    expect(r.lines.filter((l) => l.startsWith('./'))).toEqual(expected);
    expect(r.lines).toContain('root 755 /imagestack');
    expect(r.lines).toContain('root 755 /imagestack/test');
    expect(r.lines).toContain('root 644 /imagestack/test/run.sh');
  });

  it('inherits suites marked inherit: true along the final-stage base chain only', async () => {
    const suite = (name: string, inherit: boolean) => ({
      test: `{ command: "sh /imagestack/test/run.sh", inherit: ${inherit} }`,
      files: { 'run.sh': `echo "SUITE ${name} in $(cat /etc/hostname >/dev/null; ls / | grep -E '^(child|grandchild|tool|built)\\.txt$' | tr '\\n' ' ')"\n` },
    });
    const stack = await stackFor({
      base: suite('base', true),
      child: suite('child', false),
      grandchild: suite('grandchild', false),
      tool: suite('tool', true),
      multi: suite('multi', false),
    });
    const suites = (r: { lines: string[] }) => r.lines.filter((l) => l.startsWith('SUITE ')).map((l) => l.split(' ')[1]);

    const child = await runGate(stack, 'child');
    expect(child.error).toBeUndefined();
    expect(child.report!.items!.map((i) => i.name)).toEqual(['base (inherited)', 'child']);
    expect(suites(child)).toEqual(['base', 'child']);

    // grandchild: base's suite (inherit: true) yes, child's (inherit: false) no.
    const grandchild = await runGate(stack, 'grandchild');
    expect(grandchild.report!.items!.map((i) => i.name)).toEqual(['base (inherited)', 'grandchild']);
    expect(suites(grandchild)).toEqual(['base', 'grandchild']);

    // multi: a build stage FROM tool (inherit: true) is not its base; only base's suite is inherited.
    const multi = await runGate(stack, 'multi');
    expect(multi.report!.items!.map((i) => i.name)).toEqual(['base (inherited)', 'multi']);
    expect(suites(multi)).toEqual(['base', 'multi']);
    expect(multi.lines, multi.lines.join('\n')).toContain('SUITE multi in built.txt ');

    // An inherited suite that fails is named as such.
    const failing = await stackFor({
      base: { test: '{ command: "echo base says no; exit 4", inherit: true }' },
      child: suite('child', false),
    });
    const failed = await runGate(failing, 'child');
    expect(failed.error).toBeInstanceOf(GateFailure);
    const f = failed.error as GateFailure;
    expect(f.message).toBe(`tests of child@${VERSION} failed: the suite inherited from base exited with code 4`);
    expect(f.report.summary).toBe('1 of 2 test suites failed: base (inherited) exit 4');
    expect(f.report.items!.map((i) => [i.name, i.ok])).toEqual([
      ['base (inherited)', false],
      ['child', true], // every suite runs, for a complete report
    ]);
    expect(f.logTail).toEqual(['base says no']);
    expect(await leftovers()).toEqual([]);
  });

  it('stops when the signal aborts mid-test: kills and removes the container', async () => {
    const stack = await stackFor({ base: { test: '{ command: "echo running; sleep 60", timeout: 120 }' } });
    const controller = new AbortController();
    const running = runGate(stack, 'base', controller.signal);
    // Abort once the test's container is running.
    for (let i = 0; i < 100; i++) {
      const list = await docker.listContainers({ filters: { label: ['io.imagestack.gate=test'], ancestor: [imageIds.get('base')!], status: ['running'] } });
      if (list.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await leftovers()).length).toBe(1);
    controller.abort();
    const r = await running;
    expect((r.error as Error).message).toMatch(/cancelled$/);
    expect(r.error).not.toBeInstanceOf(GateFailure);
    expect(r.ms).toBeLessThan(20_000);
    expect(await leftovers()).toEqual([]);
  });

  it('stops before starting anything when the signal is already aborted', async () => {
    const stack = await stackFor({ base: { test: '{ command: "echo should not run" }' } });
    const controller = new AbortController();
    controller.abort();
    const r = await runGate(stack, 'base', controller.signal);
    expect((r.error as Error).message).toMatch(/cancelled$/);
    expect(r.lines).not.toContain('should not run');
    expect(await leftovers()).toEqual([]);
  });

  it('fails with the settings problems before running anything', async () => {
    // The settings are checked when specs.yml is loaded (schema definition `test`), before the
    // stack is read and any gate runs; the gate reads ImageSpec.test as loaded.
    const error = await stackFor({ base: { test: '{ command: "true", timeout: "soon", limits: { memroy: 1g } }' } }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('InputError');
    expect((error as Error).message).toContain('images.base.test.timeout must be a positive number of seconds');
    expect((error as Error).message).toContain('unknown key "memroy" in images.base.test.limits');
    expect(await leftovers()).toEqual([]);
  });
});
