/**
 * Per-platform engines (issue 14 item 2, `imagestack build --engine linux/arm64=<docker host>`)
 * on real engines and the real registry: a two-image stack for linux/amd64 and linux/arm64
 * (root FROM the per-platform debian base index the engine script publishes, a datahub-style
 * child `FROM ${REGISTRY}/root:${BASE_TAG}`), its arm64 images built, tested (in a container
 * and by a host-side test driving `docker`) and pushed by digest on a second, private engine
 * (test/support/engines.ts: its own dockerd, data-root and image store), its amd64 images on
 * the main engine, one index per image. Then the same commit on the main engine alone, into
 * another namespace: the same platforms under the same tags.
 *
 * The second engine is amd64 here, running arm64 under QEMU user-mode emulation (the binfmt
 * handler tools/engine/up.sh registers is the host kernel's, so every engine of this machine has
 * it); on real infrastructure it would be a native arm64 host (e.g. `ssh://builder@arm-host`),
 * where the arm64 images keep their plain tag. Emulated work: one `RUN uname -m`, one file write,
 * two `sh` tests per image. Nothing is faked.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexPlatforms, RegistryClient } from '../src/core/registry';
import { startEngine, type ExtraEngine } from './support/engines';
import { testEnvironment } from './support/env';
import { Workspace } from './support/workspace';
import { docker } from './registry/support';

const SPECS = `registry: 127.0.0.1:5000
namespace: engines
platforms: [linux/amd64, linux/arm64]

versions:
  "1": {}

images:
  root:
    test: { command: "sh /imagestack/test/run.sh", host: "sh images/root/host-test.sh", timeout: 120 }
  child:
    test: { command: "sh /imagestack/test/run.sh", timeout: 120 }
`;
const RUN_SH = '#!/bin/sh\n# Inside a container of each platform\'s image: it runs where it was built.\nset -eu\necho "built on $(cat /built-on), running on $(uname -m)"\ntest "$(uname -m)" = "$(cat /built-on)"\n';
// Host-side: the image is on the engine of DOCKER_HOST (the platform's engine), under IMAGESTACK_IMAGE.
const HOST_SH = 'set -eu\necho "host test: $IMAGESTACK_IMAGE is $(docker image inspect --format \'{{.Os}}/{{.Architecture}}\' "$IMAGESTACK_IMAGE") on ${DOCKER_HOST}, uname -m $(docker run --rm "$IMAGESTACK_IMAGE" uname -m)"\n';

/** `<repository>:<tag>` of the images of `namespace` in the engine at `host`. */
function imagesOf(host: string, registry: string, namespace: string): string[] {
  return execFileSync('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { env: { ...process.env, DOCKER_HOST: host }, encoding: 'utf8' })
    .split('\n')
    .filter((r) => r.startsWith(`${registry}/${namespace}/`))
    .sort();
}

describe('build --engine linux/arm64=<a second engine> (real engines, QEMU emulation on the second)', () => {
  const { registry, dockerHost } = testEnvironment();
  const client = new RegistryClient({ registry, credentials: null });
  let ws: Workspace;
  let arm: ExtraEngine;
  /** The namespace of the one-engine run of the same commit. */
  let single = '';
  const tags = new Map<string, string>();
  const platformsOf = async (namespace: string, image: string) => {
    const { descriptor, bytes } = await client.getManifest(`${namespace}/${image}`, tags.get(image)!);
    return indexPlatforms(bytes, descriptor.mediaType);
  };

  beforeAll(async () => {
    arm = await startEngine('arm', { copyImages: [] });
    ws = new Workspace('imagestack-platform-engines-');
    single = `${ws.namespace}-one`;
    ws.write('specs.yml', SPECS);
    ws.write('images/root/Dockerfile', 'FROM 127.0.0.1:5000/imagestack-base/debian:bookworm-slim\nRUN uname -m > /built-on\n');
    ws.write('images/root/test/run.sh', RUN_SH);
    ws.write('images/root/host-test.sh', HOST_SH);
    ws.write('images/child/Dockerfile', 'ARG REGISTRY\nARG BASE_TAG\nFROM ${REGISTRY}/root:${BASE_TAG}\nRUN echo child > /name\n');
    ws.write('images/child/test/run.sh', RUN_SH);
    ws.commit('a two-platform stack');
    for (const e of (await ws.plan()).images) tags.set(e.image, e.tag);
  }, 120_000);

  afterAll(async () => {
    for (const ns of [ws.namespace, single]) {
      const mine = imagesOf(dockerHost, registry, ns);
      if (mine.length) docker(['rmi', ...mine]);
    }
    await arm?.stop();
    ws?.dispose();
  }, 120_000);

  it("refuses a malformed --engine, a platform the stack is not built for, the main engine's own platform, a platform named twice, and an engine that does not answer, before anything is built", async () => {
    const bad = await ws.cli(['build', '--engine', 'arm64']);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toContain('--engine arm64: error: not <platform>=<docker host>');
    const foreign = await ws.cli(['build', '--engine', `linux/s390x=${arm.dockerHost}`]);
    expect(foreign.code, foreign.stderr).toBe(2);
    expect(foreign.stderr).toContain('no image of specs.yml is built for linux/s390x (its platforms: linux/amd64, linux/arm64)');
    const own = await ws.cli(['build', '--engine', `linux/amd64=${arm.dockerHost}`]); // this machine, and the main engine, are amd64
    expect(own.code, own.stderr).toBe(2);
    expect(own.stderr).toContain("linux/amd64 is the platform of the run's engine (DOCKER_HOST)");
    const twice = await ws.cli(['build'], { IMAGESTACK_ENGINES: `linux/arm64=${arm.dockerHost},linux/arm64=tcp://127.0.0.1:1` });
    expect(twice.code, twice.stderr).toBe(2);
    expect(twice.stderr).toContain('linux/arm64 is given an engine twice');
    const down = await ws.cli(['build', '--engine', 'linux/arm64=unix:///nonexistent/docker.sock']);
    expect(down.code, down.stderr).toBe(5);
    expect(down.stderr).toContain('the engine named for linux/arm64 (--engine linux/arm64=unix:///nonexistent/docker.sock) does not answer');
    expect(down.stderr).toContain('fix: start that engine or correct its address');
    for (const image of ['root', 'child']) expect(await client.listTags(`${ws.namespace}/${image}`)).toEqual([]);
  }, 120_000);

  it('builds, tests and pushes the arm64 images on the second engine and the amd64 ones on the main engine; one index per tag', async () => {
    const r = await ws.cli(['build', '--engine', `linux/arm64=${arm.dockerHost}`]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`engine for linux/arm64 on ${arm.dockerHost} \\(Docker \\S+, linux/amd64; linux/arm64 runs there under emulation\\)`));
    // Where each platform's images are: arm64's only on the second engine (named <tag>-linux-arm64 there, an amd64 engine), amd64's only on the main one.
    const local = (image: string, suffix = '') => `${registry}/${ws.namespace}/${image}:${tags.get(image)}${suffix}`;
    expect(imagesOf(arm.dockerHost, registry, ws.namespace)).toEqual([local('child', '-linux-arm64'), local('root', '-linux-arm64')]);
    expect(imagesOf(dockerHost, registry, ws.namespace)).toEqual([local('child'), local('root')]);
    // The tests ran on each platform (uname -m inside), the host-side test with the second engine's DOCKER_HOST.
    const rootLog = ws.read('dist/imagestack/logs/root-1.log');
    expect(rootLog).toContain('built on aarch64, running on aarch64');
    expect(rootLog).toContain('built on x86_64, running on x86_64');
    expect(rootLog).toContain(`host test: ${local('root', '-linux-arm64')} is linux/arm64 on ${arm.dockerHost}, uname -m aarch64`);
    expect(rootLog).toContain(`host test: ${local('root')} is linux/amd64 on ${dockerHost}, uname -m x86_64`);
    expect(ws.read('dist/imagestack/logs/child-1.log')).toContain('built on aarch64, running on aarch64');
    for (const image of ['root', 'child']) expect(await platformsOf(ws.namespace, image)).toEqual(['linux/amd64', 'linux/arm64']);
    const report = JSON.parse(ws.read('dist/imagestack/report.json')) as { images: Array<{ image: string; platforms: Array<{ platform: string; status: string; engine?: string }> }> };
    for (const i of report.images) {
      expect(i.platforms.map((p) => [p.platform, p.status, p.engine ?? null]), i.image).toEqual([
        ['linux/amd64', 'pushed', null],
        ['linux/arm64', 'pushed', arm.dockerHost],
      ]);
    }
    const { config } = await client.getImageConfig(`${ws.namespace}/child`, tags.get('child')!, { os: 'linux', architecture: 'arm64' });
    expect(config.architecture).toBe('arm64');
  }, 300_000);

  it('publishes what a one-engine run of the same commit publishes (same tags, same platforms); a re-run with the engine builds nothing', async () => {
    const one = await ws.cli(['build'], { IMAGESTACK_NAMESPACE: single });
    expect(one.code, one.stdout + one.stderr).toBe(0);
    for (const image of ['root', 'child']) {
      expect(await client.listTags(`${single}/${image}`)).toEqual(await client.listTags(`${ws.namespace}/${image}`));
      expect(await platformsOf(single, image)).toEqual(await platformsOf(ws.namespace, image));
    }
    const again = await ws.cli(['build'], { IMAGESTACK_ENGINES: `linux/arm64=${arm.dockerHost}` });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(JSON.parse(ws.read('dist/imagestack/report.json')).counts).toMatchObject({ pushed: 0, built: 0, skipped: 2 });
  }, 300_000);
});
