/**
 * Per-platform engines (`--engine`, issue 14 item 2): parsing, the checks before a run, and which
 * engine each request of a multi-platform image reaches. The run's tests use the recording fakes
 * of `__fixtures__/ports.ts`: each FakeEngine stands for one Docker engine (the run's, at
 * DOCKER_HOST, and the one named for linux/arm64), each with its own local images and its own
 * journal, over one FakeRegistry standing for the registry; the gates record the engine
 * (containers port) and DOCKER_HOST they were given. The same with two real engines:
 * test/platform-engines.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../errors';
import { infoPlatform, localEmulation } from '../../engine/engines';
import { executePlan } from '../execute';
import { FakeEngine, fakeRun, fakeSetup, NAMESPACE, REGISTRY, VERSION, type Journal } from '../__fixtures__/ports';
import type { Gate, NodeResult } from '../types';
import { enginesFromEnv, judgeEngine, parseEngines, refuseUnplannedPlatforms, type EngineAssignment } from './engines';

const TAG = `${VERSION}-abc1234`;
const ARM = 'linux/arm64';
const ARM_HOST = 'ssh://builder@arm-host';

const inputError = (fn: () => unknown): InputError => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('no error thrown');
};

describe('--engine values', () => {
  it('parses <platform>=<docker host>, repeated or comma-separated (IMAGESTACK_ENGINES)', () => {
    expect(parseEngines(['linux/arm64=ssh://me@arm', 'linux/arm/v7=tcp://10.0.0.7:2375'])).toEqual([
      { platform: 'linux/arm64', host: 'ssh://me@arm', from: '--engine' },
      { platform: 'linux/arm/v7', host: 'tcp://10.0.0.7:2375', from: '--engine' },
    ]);
    expect(enginesFromEnv({ IMAGESTACK_ENGINES: 'linux/arm64=unix:///run/arm.sock, linux/s390x=tcp://z:2375' }).engines).toEqual([
      { platform: 'linux/arm64', host: 'unix:///run/arm.sock', from: 'IMAGESTACK_ENGINES' },
      { platform: 'linux/s390x', host: 'tcp://z:2375', from: 'IMAGESTACK_ENGINES' },
    ]);
    expect(enginesFromEnv({})).toEqual({});
  });

  it('refuses a malformed value, a host that is no Docker address, and a platform named twice', () => {
    expect(inputError(() => parseEngines(['ssh://me@arm'])).message).toContain('--engine ssh://me@arm: error: not <platform>=<docker host>');
    expect(inputError(() => parseEngines(['arm64=ssh://me@arm'])).message).toContain('not <platform>=<docker host>');
    expect(inputError(() => parseEngines(['linux/arm64='])).message).toContain('not <platform>=<docker host>');
    expect(inputError(() => parseEngines(['linux/arm64=ftp://arm'])).message).toContain('unsupported scheme ftp:');
    expect(inputError(() => parseEngines(['linux/arm64=unix://docker.sock'])).message).toContain('absolute path');
    const twice = inputError(() => enginesFromEnv({ IMAGESTACK_ENGINES: 'linux/arm64=tcp://a:2375,linux/arm64=tcp://b:2375' }));
    expect(twice.message).toContain('IMAGESTACK_ENGINES=linux/arm64=tcp://b:2375: error: linux/arm64 is given an engine twice (tcp://a:2375 and tcp://b:2375)');
  });

  it('refuses an engine for a platform no image is built for, or for the run\'s engine\'s own platform', () => {
    const planned = new Set(['linux/amd64', ARM]);
    const a: EngineAssignment[] = [{ platform: 'linux/s390x', host: 'tcp://z:2375', from: '--engine' }];
    expect(() => refuseUnplannedPlatforms(a, planned, 'specs.yml', 'linux/amd64')).toThrow(
      /--engine linux\/s390x=tcp:\/\/z:2375: error: no image of specs.yml is built for linux\/s390x \(its platforms: linux\/amd64, linux\/arm64\)/,
    );
    const own = inputError(() => refuseUnplannedPlatforms([{ platform: 'linux/amd64', host: 'tcp://big:2375', from: 'IMAGESTACK_ENGINES' }], planned, 'specs.yml', 'linux/amd64'));
    expect(own.message).toContain("IMAGESTACK_ENGINES=linux/amd64=tcp://big:2375: error: linux/amd64 is the platform of the run's engine (DOCKER_HOST)");
    expect(own.message).toContain('set DOCKER_HOST=tcp://big:2375 to build linux/amd64 there');
    refuseUnplannedPlatforms([{ platform: ARM, host: 'tcp://a:2375', from: '--engine' }], planned, 'specs.yml', 'linux/amd64');
  });
});

describe('an engine\'s answer', () => {
  const a: EngineAssignment = { platform: ARM, host: ARM_HOST, from: '--engine' };

  it('maps docker info\'s OSType/Architecture (uname -m) to the OCI platform', () => {
    expect(infoPlatform('linux', 'x86_64')).toBe('linux/amd64');
    expect(infoPlatform('linux', 'aarch64')).toBe('linux/arm64');
    expect(infoPlatform('linux', 'armv7l')).toBe('linux/arm/v7');
    expect(infoPlatform('linux', 'mips64')).toBe('linux/mips64');
  });

  it('accepts its own platform; another one under emulation (known, or not knowable from here); refuses one it cannot run', () => {
    expect(judgeEngine(a, { platform: ARM, version: '27.1.1' })).toBe('linux/arm64 on ssh://builder@arm-host (Docker 27.1.1, linux/arm64, native)');
    expect(judgeEngine(a, { platform: 'linux/amd64', version: '20.10.24', emulates: true })).toBe(
      'linux/arm64 on ssh://builder@arm-host (Docker 20.10.24, linux/amd64; linux/arm64 runs there under emulation)',
    );
    expect(judgeEngine(a, { platform: 'linux/amd64', version: '20.10.24' })).toContain('under emulation (not verifiable from here');
    const refused = inputError(() => judgeEngine(a, { platform: 'linux/amd64', version: '20.10.24', emulates: false }));
    expect(refused.message).toContain('the engine is linux/amd64 and cannot run linux/arm64');
    expect(refused.message).toContain('bash tools/engine/up.sh --platforms linux/arm64');
  });

  it('emulation on this machine is a qemu-<uname -m> binfmt_misc handler, enabled', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'binfmt-'));
    expect(localEmulation(ARM, dir)).toBe(false);
    writeFileSync(path.join(dir, 'qemu-aarch64'), 'disabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n');
    expect(localEmulation(ARM, dir)).toBe(false);
    writeFileSync(path.join(dir, 'qemu-aarch64'), 'enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n');
    expect(localEmulation(ARM, dir)).toBe(true);
  });
});

/** A gate recording, per image and platform tag, the engine whose containers it got and DOCKER_HOST. */
function whereGate(seen: string[], engines: Map<unknown, string>): Gate {
  return {
    step: 'test',
    async run(ctx) {
      seen.push(`${ctx.entry.image} ${ctx.entry.tag} on ${engines.get(ctx.docker)} ${ctx.dockerHost ?? '-'} ${ctx.entry.reference}`);
      return { ok: true, summary: 'passed' };
    },
  };
}

describe('each platform on its engine (base ← left, base ← right; both platforms)', () => {
  function setup(armOwn: string, inRegistry: string[] = []) {
    const s = fakeSetup({ base: [], left: ['base'], right: ['base'] }, inRegistry);
    for (const e of s.plan.images) e.platforms = ['linux/amd64', ARM];
    const armJournal: Journal = [];
    const main = new FakeEngine(s.journal, s.registry, { main: true } as never);
    const arm = new FakeEngine(armJournal, s.registry, { arm: true } as never);
    const seen: string[] = [];
    const gate = whereGate(seen, new Map<unknown, string>([[main.containers, 'main'], [arm.containers, 'arm']]));
    const { run, toBuild } = fakeRun(s.stack, s.plan, { engine: main, registry: s.registry }, { gates: [gate] });
    run.platformEngines = new Map([[ARM, { engine: arm, own: armOwn, host: ARM_HOST }]]);
    return { ...s, main, arm, armJournal, run, toBuild, seen };
  }
  const byImage = (results: NodeResult[]) => new Map(results.map((r) => [r.image, r]));

  it('an engine of arm64 builds, gates and saves the arm64 images (plain tag there); the run\'s engine the amd64 ones; one index per image', async () => {
    const { run, plan, toBuild, main, arm, armJournal, journal, seen, registry } = setup(ARM);
    const results = byImage(await executePlan(run, plan, { toBuild, parallel: 1 }));
    expect([...results.values()].map((r) => r.status)).toEqual(['pushed', 'pushed', 'pushed']);
    expect(main.builds.map((b) => `${b.labels['io.imagestack.image']} ${b.platform}`)).toEqual(['base linux/amd64', 'left linux/amd64', 'right linux/amd64']);
    expect(arm.builds.map((b) => `${b.labels['io.imagestack.image']} ${b.platform}`)).toEqual(['base linux/arm64', 'left linux/arm64', 'right linux/arm64']);
    // On an engine of its own platform, an image keeps the entry's tag; the child's arm64 build names its parent so.
    expect(arm.builds.map((b) => [b.reference, b.buildArgs.BASE_TAG])).toEqual([
      [`${REGISTRY}/${NAMESPACE}/base:${TAG}`, undefined],
      [`${REGISTRY}/${NAMESPACE}/left:${TAG}`, TAG],
      [`${REGISTRY}/${NAMESPACE}/right:${TAG}`, TAG],
    ]);
    // Gates: arm64's on the arm engine, with its DOCKER_HOST; their files keep the run's per-platform names (tag) beside amd64's.
    expect(seen.filter((l) => l.startsWith('left'))).toEqual([
      `left ${TAG} on main - ${REGISTRY}/${NAMESPACE}/left:${TAG}`,
      `left ${TAG}-linux-arm64 on arm ${ARM_HOST} ${REGISTRY}/${NAMESPACE}/left:${TAG}`,
    ]);
    // The arm engine's journal: its builds only (no ping of it by the plan's executor; no push by tag).
    expect(armJournal.filter((l) => !l.startsWith('build'))).toEqual([]);
    expect(journal.filter((l) => l.startsWith('pushimage left') || l === 'putindex left')).toEqual(['pushimage left linux/amd64', 'pushimage left linux/arm64', 'putindex left']);
    const index = JSON.parse(registry.bytes.get(`${NAMESPACE}/left:${TAG}`)!.toString());
    expect(index.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
    expect(results.get('left')!.platforms!.map((p) => [p.reference, p.engine])).toEqual([
      [`${REGISTRY}/${NAMESPACE}/left:${TAG}`, undefined],
      [`${REGISTRY}/${NAMESPACE}/left:${TAG}`, ARM_HOST],
    ]);
  });

  it('an engine of another platform (emulating arm64) names arm64 images <tag>-linux-arm64 there, as the run\'s engine would', async () => {
    const { run, plan, toBuild, arm, seen } = setup('linux/amd64');
    const results = byImage(await executePlan(run, plan, { toBuild, parallel: 1 }));
    expect(results.get('right')!.status).toBe('pushed');
    expect(arm.builds.map((b) => [b.reference, b.buildArgs.BASE_TAG ?? null])).toEqual([
      [`${REGISTRY}/${NAMESPACE}/base:${TAG}-linux-arm64`, null],
      [`${REGISTRY}/${NAMESPACE}/left:${TAG}-linux-arm64`, `${TAG}-linux-arm64`],
      [`${REGISTRY}/${NAMESPACE}/right:${TAG}-linux-arm64`, `${TAG}-linux-arm64`],
    ]);
    expect(seen).toContain(`base ${TAG}-linux-arm64 on arm ${ARM_HOST} ${REGISTRY}/${NAMESPACE}/base:${TAG}-linux-arm64`);
  });

  it('a parent in the registry: each platform\'s image is pulled by digest into that platform\'s engine', async () => {
    const { run, plan, main, arm, armJournal, journal, registry } = setup(ARM, ['base']);
    const digests = { amd64: `sha256:${'a'.repeat(64)}`, arm64: `sha256:${'b'.repeat(64)}` };
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: Object.entries(digests).map(([a, digest]) => ({ digest, platform: { os: 'linux', architecture: a } })) }));
    await registry.putManifest(`${NAMESPACE}/base`, TAG, bytes, 'application/vnd.docker.distribution.manifest.list.v2+json');
    for (const digest of Object.values(digests)) registry.add(`${NAMESPACE}/base`, digest);
    const { toBuild } = fakeRun(run.stack, plan, { engine: main, registry }, { images: ['left'] });
    const results = byImage(await executePlan(run, plan, { toBuild: toBuild.filter((k) => k.startsWith('left')) }));
    expect(results.get('left')!.status).toBe('pushed');
    expect(journal.filter((l) => l.startsWith('pull'))).toEqual([`pull ${REGISTRY}/${NAMESPACE}/base@${digests.amd64}`]);
    expect(armJournal.filter((l) => l.startsWith('pull'))).toEqual([`pull ${REGISTRY}/${NAMESPACE}/base@${digests.arm64}`]);
    expect(arm.tags).toContain(`tag ${REGISTRY}/${NAMESPACE}/base:${TAG}`);
    expect(main.tags).toContain(`tag ${REGISTRY}/${NAMESPACE}/base:${TAG}`);
  });

  it('a failure on the arm64 engine fails the image as on one engine: nothing pushed, children blocked', async () => {
    const { run, plan, toBuild, arm, journal } = setup(ARM);
    arm.failBuild.add('base linux/arm64');
    const results = byImage(await executePlan(run, plan, { toBuild, parallel: 1 }));
    expect(results.get('base')).toMatchObject({ status: 'failed', step: 'build' });
    expect(['left', 'right'].map((i) => results.get(i)!.status)).toEqual(['blocked', 'blocked']);
    expect(journal.filter((l) => l.startsWith('pushimage') || l.startsWith('putindex'))).toEqual([]);
  });
});
