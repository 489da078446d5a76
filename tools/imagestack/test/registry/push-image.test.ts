/**
 * Pushing per-platform images by digest with our registry client (`RegistryClient.pushImage`,
 * from `DockerEngine.saveImage`'s archive), then one index naming them: the real engine (QEMU
 * emulation for linux/arm64, from tools/engine/up.sh --platforms) and the real registry; the
 * only stand-in is the proxy of test/release/proxy.ts in front of the real registry, which
 * counts requests and injects one failure. Emulated work is one `RUN` writing a file.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '../../src/core/engine/docker-engine';
import { StepLog } from '../../src/core/engine/log';
import { indexPlatforms, putImageIndex, RegistryClient, type PushedImage } from '../../src/core/registry';
import { RegistryError } from '../../src/core/errors';
import { testEnvironment } from '../support/env';
import { startRegistryProxy, type RegistryProxy } from '../release/proxy';
import { docker } from './support';

const UP = path.resolve(__dirname, '../../../engine/up.sh');
const BASE_REPOSITORY = 'imagestack-base/debian';
const BASE = `${BASE_REPOSITORY}:bookworm-slim`;
const run = randomBytes(4).toString('hex');
const repository = `imagestack-test/push-image-${run}`;

describe('pushImage: per-platform images by digest, no tag; one index over them', () => {
  let registry: string;
  let client: RegistryClient;
  let engine: DockerEngine;
  let context: string;
  const made: string[] = [];
  const built: Record<string, { reference: string; imageId: string }> = {};
  const pushed: Record<string, PushedImage> = {};

  beforeAll(async () => {
    registry = testEnvironment().registry;
    // Idempotent: on a machine where it already ran, only checks.
    execFileSync('bash', [UP, '--platforms', 'linux/amd64,linux/arm64'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20 * 60_000 });
    client = new RegistryClient({ registry, credentials: null });
    engine = new DockerEngine(new Docker());
    context = mkdtempSync(path.join(os.tmpdir(), 'imagestack-push-image-'));
    writeFileSync(path.join(context, 'Dockerfile'), `ARG BASE\nFROM \${BASE}\nRUN uname -m > /built-on && echo ${run} >> /built-on\n`);
    const { bytes } = await client.getManifest(BASE_REPOSITORY, 'bookworm-slim');
    const entries: Array<{ digest: string; platform: { architecture: string } }> = JSON.parse(bytes.toString()).manifests;
    for (const architecture of ['amd64', 'arm64']) {
      const digest = entries.find((m) => m.platform.architecture === architecture)!.digest;
      const reference = `${registry}/${repository}:local-${architecture}`;
      const log = new StepLog(path.join(context, `build-${architecture}.log`));
      // The per-platform base by digest (the classic builder takes a local tag whatever its platform).
      const { imageId } = await engine.build({
        contextDir: context,
        dockerfile: 'Dockerfile',
        reference,
        buildArgs: { BASE: `${registry}/${BASE_REPOSITORY}@${digest}` },
        labels: {},
        log,
        platform: `linux/${architecture}`,
      });
      await log.close();
      made.push(reference);
      built[architecture] = { reference, imageId };
    }
  }, 20 * 60_000);

  afterAll(() => {
    rmSync(context, { recursive: true, force: true });
    for (const ref of made) {
      try {
        docker(['rmi', ref]);
      } catch {
        /* already gone */
      }
    }
  });

  it('pushes each platform by digest, the base layers mounted from the parent repository, not sent; no tag appears', async () => {
    for (const architecture of ['amd64', 'arm64']) {
      const lines: string[] = [];
      const archive = await engine.saveImage(built[architecture].imageId);
      pushed[architecture] = await client.pushImage(repository, archive, { mountFrom: [BASE], onProgress: (l) => lines.push(l) });
      const p = pushed[architecture];
      expect(p.platform).toBe(`linux/${architecture}`);
      expect(p.descriptor.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
      // debian's one layer comes from the parent repository; only the RUN layer is compressed and sent.
      expect(p.layers).toMatchObject({ sent: 1, present: 0, mounted: 1 });
      expect(p.layers.bytesSent).toBeLessThan(10_000);
      expect(lines.join('\n')).toMatch(/layer \d: mounted from imagestack-base\/debian/);
      expect(lines.at(-1)).toMatch(new RegExp(`image manifest ${p.descriptor.digest} \\(linux/${architecture}\\) put`));
      // The config is the engine's own: its digest is the image ID.
      const { digest, config } = await client.getImageConfig(repository, p.descriptor.digest);
      expect(digest).toBe(built[architecture].imageId);
      expect(config.architecture).toBe(architecture);
    }
    expect(await client.listTags(repository)).toEqual([]);
  }, 300_000);

  it('one index names both platforms; each config says its architecture', async () => {
    const index = await putImageIndex(client, repository, '1-abcdef0', [
      { platform: pushed.amd64.platform, descriptor: pushed.amd64.descriptor },
      { platform: pushed.arm64.platform, descriptor: pushed.arm64.descriptor },
    ]);
    const got = await client.getManifest(repository, '1-abcdef0');
    expect(got.descriptor.digest).toBe(index.digest);
    expect(indexPlatforms(got.bytes, got.descriptor.mediaType)).toEqual(['linux/amd64', 'linux/arm64']);
    for (const architecture of ['amd64', 'arm64']) {
      const { config, manifestDigest } = await client.getImageConfig(repository, '1-abcdef0', { os: 'linux', architecture });
      expect(config.architecture).toBe(architecture);
      expect(manifestDigest).toBe(pushed[architecture].descriptor.digest);
    }
    expect(await client.listTags(repository)).toEqual(['1-abcdef0']);
  }, 120_000);

  it('the arm64 image pulled by its manifest digest (the local copy removed first) runs as aarch64', () => {
    docker(['rmi', built.arm64.reference]);
    const byDigest = `${registry}/${repository}@${pushed.arm64.descriptor.digest}`;
    docker(['pull', byDigest]);
    made.push(byDigest);
    expect(docker(['image', 'inspect', '--format', '{{.Id}} {{.Os}}/{{.Architecture}}', byDigest]).trim()).toBe(`${built.arm64.imageId} linux/arm64`);
    expect(docker(['run', '--rm', byDigest, 'uname', '-m']).trim()).toBe('aarch64');
    expect(docker(['run', '--rm', byDigest, 'head', '-1', '/built-on']).trim()).toBe('aarch64');
  }, 300_000);

  describe('through a proxy that counts requests (the registry behind it is real)', () => {
    let proxy: RegistryProxy;
    let via: RegistryClient;

    beforeAll(async () => {
      proxy = await startRegistryProxy(registry);
      via = new RegistryClient({ registry: proxy.host, credentials: null, backoff: { baseMs: 1, capMs: 5 } });
    });

    afterAll(() => proxy.close());

    it('a second push of the same image sends no layer and gives the same manifest digest', async () => {
      proxy.log.length = 0;
      const again = await via.pushImage(repository, await engine.saveImage(built.amd64.imageId), { mountFrom: [BASE] });
      expect(again.descriptor).toEqual(pushed.amd64.descriptor);
      expect(again.layers).toEqual({ sent: 0, present: 2, mounted: 0, bytesSent: 0 });
      expect(proxy.log.filter((r) => r.method === 'PATCH')).toEqual([]);
    }, 120_000);

    it('a registry failing mid-push (every blob upload refused): a clear error naming the request, no image manifest put, no tag', async () => {
      const other = `${repository}-failing`;
      proxy.log.length = 0;
      proxy.fail = (r) => r.path.includes('-failing/blobs/uploads/');
      try {
        const err = await via.pushImage(other, await engine.saveImage(built.amd64.imageId), { mountFrom: [BASE] }).catch((e) => e);
        expect(err).toBeInstanceOf(RegistryError);
        expect(err.message).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/v2\/imagestack-test\/push-image-\w+-failing\/blobs\/uploads\//);
        expect(err.message).toMatch(/500/);
      } finally {
        proxy.fail = undefined;
      }
      expect(proxy.log.filter((r) => r.method === 'PUT' && r.path.includes('/manifests/'))).toEqual([]);
      expect(await client.listTags(other)).toEqual([]);
    }, 120_000);

    it('an abort mid-push ends it with CancelledError and puts no manifest', async () => {
      const other = `${repository}-aborted`;
      proxy.log.length = 0;
      const ctl = new AbortController();
      proxy.fail = (r) => {
        if (r.path.includes('-aborted/blobs/')) ctl.abort();
        return false;
      };
      try {
        const err = await via.pushImage(other, await engine.saveImage(built.arm64.imageId), { signal: ctl.signal }).catch((e) => e);
        expect(err.name).toBe('CancelledError');
      } finally {
        proxy.fail = undefined;
      }
      expect(proxy.log.filter((r) => r.method === 'PUT' && r.path.includes('/manifests/'))).toEqual([]);
      expect(await client.listTags(other)).toEqual([]);
    }, 120_000);
  });
});
