/**
 * The example stack's multi-platform pair (issue 14, item 8), real engine (QEMU user-mode
 * emulation for linux/arm64, registered by tools/engine/up.sh --platforms) and real registry:
 * `bash` (FROM the local base index of debian:bookworm-slim) and `bash-assert` (FROM bash) are
 * built for linux/amd64 and linux/arm64 with the default builder (BuildKit). Each tag is one
 * image index holding both platforms, each platform's image config says its architecture, and
 * each platform's tests saw it (`uname -m` inside: x86_64, aarch64). The rest of the example
 * stack is built by example-stack.test.ts (legacy builder, engine's platform only).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexPlatforms, RegistryClient } from '../src/core/registry';
import { testEnvironment } from './support/env';
import { Workspace, type PlanJson } from './support/workspace';

const { registry } = testEnvironment();
const client = new RegistryClient({ registry });
const UP = path.resolve(__dirname, '../../engine/up.sh');
const PAIR = ['bash', 'bash-assert'];
const BOTH = ['linux/amd64', 'linux/arm64'];

interface PlatformReport { platform: string; status: string; digest?: string }
interface ImageReport { image: string; version: string; status: string; platforms?: PlatformReport[] }

describe('the example stack: bash and bash-assert for linux/amd64 and linux/arm64', () => {
  const ws = new Workspace('imagestack-example-platforms-');
  let plan: PlanJson;

  beforeAll(() => {
    // What `npm run main` and the global setup do: emulation and the base index (idempotent).
    execFileSync('bash', [UP, '--platforms', 'linux/arm64'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20 * 60_000 });
    ws.copyFromRepo('specs.yml').copyFromRepo('images').copyFromRepo('schemas');
    ws.write('specs.yml', ws.read('specs.yml').replace(/^registry: .*$/m, `registry: ${registry}`));
    ws.commit('example stack');
  }, 20 * 60_000);
  afterAll(() => ws.dispose());

  it('plan --json: the pair asks for both platforms at both versions, every other image for the engine\'s platform only', async () => {
    plan = await ws.plan();
    for (const e of plan.images) {
      expect([e.image, e.version, (e as { platforms?: string[] }).platforms]).toEqual([e.image, e.version, PAIR.includes(e.image) ? BOTH : []]);
    }
    expect(plan.images.filter((e) => PAIR.includes(e.image))).toHaveLength(4);
  });

  it('builds each platform FROM the parent\'s image of that platform; each tag is one index of both platforms whose configs and tests say their architecture', async () => {
    const r = await ws.cli(['build', '--parallel', '2', 'bash-assert'], { IMAGESTACK_BUILDER: 'auto' });
    expect(r.code, r.stdout.slice(-4000) + r.stderr).toBe(0);
    const report = JSON.parse(ws.read('dist/imagestack/report.json')) as { images: ImageReport[] };
    expect(report.images.map((i) => `${i.image}@${i.version}`).sort()).toEqual(['bash-assert@2026.1', 'bash-assert@2026.2', 'bash@2026.1', 'bash@2026.2']);
    for (const i of report.images) {
      expect(i.platforms!.map((p) => [p.platform, p.status])).toEqual([
        ['linux/amd64', 'pushed'],
        ['linux/arm64', 'pushed'],
      ]);
      const tag = plan.images.find((e) => e.image === i.image && e.version === i.version)!.tag;
      const { descriptor, bytes } = await client.getManifest(`${ws.namespace}/${i.image}`, tag);
      expect(indexPlatforms(bytes, descriptor.mediaType)).toEqual(BOTH);
      for (const architecture of ['amd64', 'arm64']) {
        const { config } = await client.getImageConfig(`${ws.namespace}/${i.image}`, tag, { os: 'linux', architecture });
        expect(config.architecture).toBe(architecture);
        expect(config.config.Env).toContain(`IMAGE_ARCH=${architecture}`);
      }
      // The tests (bash's, inherited by bash-assert) ran in a container of each platform's image.
      const log = ws.read(`dist/imagestack/logs/${i.image}-${i.version}.log`);
      expect(log).toContain('bash: ok (uname -m x86_64, linux/amd64, sandbox)');
      expect(log).toContain('bash: ok (uname -m aarch64, linux/arm64, sandbox)');
      if (i.image === 'bash-assert') expect(log.match(/bash-assert: ok \(red, amber, green\)/g)).toHaveLength(2);
    }
    // bash-assert's arm64 image is FROM bash's arm64 image: its layers start with them.
    for (const version of ['2026.1', '2026.2']) {
      const tag = (image: string) => plan.images.find((e) => e.image === image && e.version === version)!.tag;
      const parent = await client.getImageConfig(`${ws.namespace}/bash`, tag('bash'), { os: 'linux', architecture: 'arm64' });
      const child = await client.getImageConfig(`${ws.namespace}/bash-assert`, tag('bash-assert'), { os: 'linux', architecture: 'arm64' });
      expect(child.config.rootfs.diff_ids.slice(0, parent.config.rootfs.diff_ids.length)).toEqual(parent.config.rootfs.diff_ids);
    }
  }, 15 * 60_000);

  it('a re-run builds nothing: each index already names both platforms', async () => {
    const r = await ws.cli(['build', 'bash-assert'], { IMAGESTACK_BUILDER: 'auto' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('0 pushed, 0 built, 4 skipped');
  });
});
