/**
 * `imagestack refresh --packages` (issue 15), end to end with the real engine, registry and CLI:
 * an OS package update that comes without a new base digest. The stack's root image `base`
 * (pinned Jupyter-style to a local "upstream" image in the test registry, made from the
 * engine's `debian:bookworm-slim`) installs the package `imagestack-hello` from an apt
 * repository the test serves over HTTP on the engine's bridge gateway, as a Debian mirror
 * would: a `.deb` made with `dpkg-deb --build` and a `Packages` index written by hand. `mid`
 * is a stack child of `base` (datahub-style `FROM ${REGISTRY}/base:${BASE_TAG}`). Between runs
 * the test publishes another version of the package; no committed file changes.
 *
 * Protects: the root image is rebuilt without layer cache (the layer cache would keep the old
 * package: the Dockerfile is unchanged), its packages are compared with the current tag's and
 * `refresh --packages --json` names the package old → new; nothing is pushed, git is untouched
 * and the rebuilt image is not left in the engine; with the repository back at the tag's
 * version, no package would change.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/core/registry';
import type { RefreshReport } from '../src/core/refresh/types';
import { testEnvironment } from './support/env';
import { Workspace } from './support/workspace';

const { registry } = testEnvironment();
const client = new RegistryClient({ registry });
const V = '2026.1';
const PKG = 'imagestack-hello';

describe('refresh --packages', () => {
  const ws = new Workspace('imagestack-refresh-packages-');
  const upstream = `${registry}/${ws.namespace}-up/debian:bookworm-slim`;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'imagestack-apt-'));
  const repo = path.join(tmp, 'repo');
  let server: Server;

  /** Publishes `version` of the package as the repository's only one (a .deb and its Packages index). */
  function publish(version: string): void {
    rmSync(repo, { recursive: true, force: true });
    const src = path.join(tmp, 'src');
    rmSync(src, { recursive: true, force: true });
    mkdirSync(path.join(src, 'DEBIAN'), { recursive: true });
    mkdirSync(path.join(src, 'usr/share', PKG), { recursive: true });
    writeFileSync(path.join(src, 'DEBIAN/control'), `Package: ${PKG}\nVersion: ${version}\nArchitecture: all\nMaintainer: imagestack test <test@imagestack.invalid>\nDescription: a package of the refresh --packages test\n`);
    writeFileSync(path.join(src, 'usr/share', PKG, 'version'), `${version}\n`);
    mkdirSync(repo);
    const deb = `${PKG}_${version}_all.deb`;
    execFileSync('dpkg-deb', ['--root-owner-group', '--build', src, path.join(repo, deb)], { stdio: 'ignore' });
    const bytes = readFileSync(path.join(repo, deb));
    const entry = readFileSync(path.join(src, 'DEBIAN/control'), 'utf8').replace(/\nDescription/, `\nFilename: ./${deb}\nSize: ${statSync(path.join(repo, deb)).size}\nSHA256: ${createHash('sha256').update(bytes).digest('hex')}\nDescription`);
    writeFileSync(path.join(repo, 'Packages'), `${entry}\n`);
  }

  async function stackTags(): Promise<string[]> {
    const all = await Promise.all(['base', 'mid'].map(async (i) => (await client.listTags(`${ws.namespace}/${i}`)).map((t) => `${i}:${t}`)));
    return all.flat().sort();
  }

  async function refresh(...args: string[]): Promise<{ code: number; report: RefreshReport; out: string }> {
    const r = await ws.cli(['refresh', '--json', ...args]);
    try {
      return { code: r.code, report: JSON.parse(r.stdout) as RefreshReport, out: r.stderr };
    } catch {
      throw new Error(`refresh printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
    }
  }

  const localTags = () =>
    execFileSync('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' })
      .split('\n')
      .filter((r) => r.startsWith(`${registry}/${ws.namespace}/`));

  beforeAll(async () => {
    server = createServer((req, res) => {
      const file = path.join(repo, path.normalize(decodeURIComponent((req.url ?? '/').split('?')[0])));
      try {
        const body = readFileSync(file);
        res.writeHead(200, { 'content-length': body.length }).end(req.method === 'HEAD' ? undefined : body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const port = (server.address() as AddressInfo).port;
    // Build containers reach this process at the bridge network's gateway (the engine runs on this machine).
    const gateway = execFileSync('docker', ['network', 'inspect', 'bridge', '--format', '{{(index .IPAM.Config 0).Gateway}}'], { encoding: 'utf8' }).trim();
    publish('1.0-1');

    execFileSync('docker', ['tag', 'debian:bookworm-slim', upstream]);
    execFileSync('docker', ['push', '-q', upstream], { stdio: 'ignore' });
    const digest = (await client.headManifest(`${ws.namespace}-up/debian`, 'bookworm-slim'))!.digest;
    ws.write('specs.yml', `registry: ${registry}\nnamespace: placeholder\nversions:\n  "${V}": {}\nimages:\n  base: {}\n  mid: {}\n`);
    ws.write('.gitignore', 'dist/\n');
    ws.write(
      'images/base/Dockerfile',
      `ARG BASE_IMAGE=${upstream}@${digest}\nFROM $BASE_IMAGE\n` +
        `RUN rm -f /etc/apt/sources.list /etc/apt/sources.list.d/* \\\n` +
        ` && echo "deb [trusted=yes] http://${gateway}:${port} ./" > /etc/apt/sources.list.d/local.list \\\n` +
        ` && apt-get update -q && apt-get install -y -q ${PKG} && rm -rf /var/lib/apt/lists/*\n`,
    );
    ws.write('images/mid/Dockerfile', 'ARG REGISTRY\nARG BASE_TAG\nFROM ${REGISTRY}/base:${BASE_TAG}\nRUN echo mid > /mid.txt\n');
    ws.commit('a stack that installs a package from a local apt repository');
    const build = await ws.cli(['build']);
    expect(build.code, build.stdout + build.stderr).toBe(0);
  });

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    const ours = execFileSync('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' })
      .split('\n')
      .filter((r) => r.startsWith(`${registry}/${ws.namespace}/`) || r.startsWith(`${registry}/${ws.namespace}-up/`));
    if (ours.length) execFileSync('docker', ['image', 'rm', '-f', ...ours], { stdio: 'ignore' });
    ws.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a package updated in the apt repository (same base digest, same commit) is named old → new; nothing pushed, git untouched, the rebuild removed', async () => {
    publish('1.0-2');
    const pushed = await stackTags();
    const local = localTags().sort();
    const head = ws.git('rev-parse', 'HEAD');
    const { code, report, out } = await refresh('--packages');
    expect(code, out).toBe(0);
    expect(report.changes).toEqual([]);
    expect(report.outcome).toBe('nothing-to-do');
    const tag = (await ws.plan(['--offline'])).images.find((e) => e.image === 'base')!.tag;
    expect(report.packages).toEqual([
      { image: 'base', version: V, current: `${registry}/${ws.namespace}/base:${tag}`, status: 'updates', updates: [{ list: 'dpkg', name: PKG, from: '1.0-1', to: '1.0-2' }] },
    ]);
    expect(await stackTags()).toEqual(pushed);
    expect(localTags().sort()).toEqual(local);
    expect(ws.git('rev-parse', 'HEAD')).toBe(head);
    expect(ws.git('status', '--porcelain')).toBe('');
    // The report for people (the scheduled workflow's pull request body) says the same.
    const human = await ws.cli(['refresh', '--packages']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`  - dpkg ${PKG}: 1.0-1 → 1.0-2`);
  });

  it('with the repository back at the tag\'s version, no package would change', async () => {
    publish('1.0-1');
    const { code, report, out } = await refresh('--packages');
    expect(code, out).toBe(0);
    expect(report.packages).toMatchObject([{ image: 'base', status: 'current', updates: [] }]);
  });
});
