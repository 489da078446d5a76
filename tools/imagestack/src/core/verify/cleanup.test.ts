/**
 * DESIGN.md promise 7: every container started is removed, on each exit path (success, a
 * failed command or gate, a timeout, an abort / Ctrl-C, an engine error). The engine is a
 * recording fake (`__fixtures__/containers.ts`, standing for the Docker engine's container
 * API as dockerode exposes it); the same paths against the real engine are in
 * test/verify/container.test.ts and test/verify-tests/.
 */
import { describe, expect, it } from 'vitest';
import { executePlan } from '../pipeline/execute';
import { fakePlan, fakeRun, fakeStack, FakeEngine, FakeRegistry, type Journal } from '../pipeline/__fixtures__/ports';
import { GateFailure, type Gate } from '../pipeline/types';
import { runInContainer, withCreatedContainer } from './container';
import { runCommands } from './run-commands';
import { runTestSuite } from './test/run-suite';
import type { TestSuite } from './test/suites';
import { fakeContainerEngine, playCommands, type FakeContainer } from './__fixtures__/containers';

const allRemoved = (cs: FakeContainer[]) => cs.length > 0 && cs.every((c) => c.removed);
/** A signal aborted after `ms` (a Ctrl-C during the run). */
const abortedIn = (ms: number) => AbortSignal.timeout(ms);
/** The part of a container that never ends by itself. */
const hangs = () => fakeContainerEngine(() => ({ hang: true }));

describe('runInContainer removes its container', () => {
  it('after a successful run', async () => {
    const engine = fakeContainerEngine(() => ({ stdout: () => 'hello\n' }));
    const r = await runInContainer(engine, 'sha256:img', 'echo hello');
    expect(r).toMatchObject({ exitCode: 0, timedOut: false, stdout: 'hello\n' });
    expect(allRemoved(engine.containers)).toBe(true);
  });

  it('after a non-zero exit', async () => {
    const engine = fakeContainerEngine(() => ({ exitCode: 3 }));
    expect((await runInContainer(engine, 'sha256:img', 'false')).exitCode).toBe(3);
    expect(allRemoved(engine.containers)).toBe(true);
  });

  it('after the time limit killed it', async () => {
    const engine = hangs();
    expect(await runInContainer(engine, 'sha256:img', 'sleep 1000', { timeoutMs: 10 })).toMatchObject({ timedOut: true, exitCode: 137 });
    expect(engine.containers[0].killed).toBe(true);
    expect(allRemoved(engine.containers)).toBe(true);
  });

  it('after an abort (Ctrl-C) while it runs', async () => {
    const engine = hangs();
    await expect(runInContainer(engine, 'sha256:img', 'sleep 1000', { signal: abortedIn(10) })).rejects.toThrow('cancelled');
    expect(allRemoved(engine.containers)).toBe(true);
  });

  it('after the engine refused to start it', async () => {
    const engine = fakeContainerEngine(() => ({ failStart: true }));
    await expect(runInContainer(engine, 'sha256:img', 'true')).rejects.toThrow('could not start a container');
    expect(allRemoved(engine.containers)).toBe(true);
  });

  it('withCreatedContainer, when the work on the container throws', async () => {
    const engine = fakeContainerEngine();
    await expect(withCreatedContainer(engine, 'sha256:img', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(allRemoved(engine.containers)).toBe(true);
  });
});

describe('runTestSuite removes its container', () => {
  const suite = (timeoutSeconds = 60): TestSuite => ({
    name: 'app',
    owner: 'app',
    inherited: false,
    argv: ['sh', '-c', './run-tests'],
    settings: { folder: 'test', folderDeclared: false, inherit: false, timeoutSeconds, network: false, limits: { memoryBytes: 1 << 29, pids: 256, cpus: 1 } },
  });
  const run = (engine: ReturnType<typeof fakeContainerEngine>, s: TestSuite, signal?: AbortSignal) =>
    runTestSuite({ docker: engine, imageId: 'sha256:img', suite: s, user: '1000', log: () => undefined, signal });

  it('when the suite passes, and when it fails', async () => {
    const pass = fakeContainerEngine(() => ({ stdout: () => 'ok\n' }));
    expect(await run(pass, suite())).toMatchObject({ ok: true, found: 'exit 0', tail: ['ok'] });
    const fail = fakeContainerEngine(() => ({ exitCode: 3, stdout: () => 'FAILED test_x\n' }));
    expect(await run(fail, suite())).toMatchObject({ ok: false, found: 'exit 3', tail: ['FAILED test_x'] });
    expect(allRemoved(pass.containers) && allRemoved(fail.containers)).toBe(true);
  });

  it('and leaves no timer running once the output ended (a process would wait for it to exit)', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const pass = fakeContainerEngine(() => ({ stdout: () => 'ok\n' }));
    expect(await run(pass, suite())).toMatchObject({ ok: true });
    expect(timers()).toBe(before);
  });

  it('when it times out', async () => {
    const engine = hangs();
    expect(await run(engine, suite(0.01))).toMatchObject({ ok: false, timedOut: true });
    expect(engine.containers[0].killed).toBe(true);
    expect(allRemoved(engine.containers)).toBe(true);
  });

  it('when the run is aborted', async () => {
    const engine = hangs();
    await expect(run(engine, suite(), abortedIn(10))).rejects.toThrow('cancelled');
    expect(allRemoved(engine.containers)).toBe(true);
  });
});

describe('a pipeline run leaves no container behind', () => {
  /** Stands for the checks gate: commands in one container, output matched, GateFailure when it does not match. */
  const commandGate = (want: RegExp): Gate => ({
    step: 'checks',
    async run(ctx) {
      const { results } = await runCommands(ctx.docker, ctx.imageId, [{ name: 'version', command: 'app --version' }], { signal: ctx.signal });
      const ok = want.test(results[0].stdout);
      if (!ok) throw new GateFailure(`check "version": expected ${want}, found ${results[0].stdout}`, { ok: false, summary: '1 of 1 checks failed' });
      return { ok: true, summary: '1 check passed' };
    },
  });

  function setup(play: Parameters<typeof fakeContainerEngine>[0]) {
    const journal: Journal = [];
    const stack = fakeStack({ base: [], app: ['base'] });
    const plan = fakePlan(stack);
    const registry = new FakeRegistry(journal);
    const containers = fakeContainerEngine(play);
    return { stack, plan, registry, containers, engine: new FakeEngine(journal, registry, containers) };
  }
  const version = playCommands(() => ({ stdout: 'app 1.2', exitCode: 0 }));

  it('on success and on a failed gate', async () => {
    for (const [want, status] of [[/^app 1\./, 'pushed'], [/^app 2\./, 'failed']] as const) {
      const { stack, plan, registry, containers, engine } = setup(() => ({ stdout: version }));
      const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { gates: [commandGate(want)] });
      const results = await executePlan(run, plan, { toBuild });
      expect(results[0].status).toBe(status);
      expect(allRemoved(containers.containers)).toBe(true);
    }
  });

  it('when the run is cancelled while a gate runs a container', async () => {
    const { stack, plan, registry, containers, engine } = setup(() => ({ hang: true }));
    const ac = new AbortController();
    const { run, toBuild } = fakeRun(stack, plan, { engine, registry }, { gates: [commandGate(/./)] });
    setTimeout(() => ac.abort(), 20);
    const results = await executePlan(run, plan, { toBuild, signal: ac.signal });
    expect(results.map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
    expect(allRemoved(containers.containers)).toBe(true);
  });
});
