/**
 * What the stack's consumers need, end to end on a tiny stack with the real registry and
 * real engines: pre-pull on two extra private dockerd instances (test/support/engines.ts),
 * the DaemonSet manifest, stamped references (lock file and stamped JSON copies), and the
 * audit of stable tags. One workspace and one build serve all three, to keep the suite short.
 *
 * Stable tags are made by a plain registry retag (GET the manifest, PUT it under
 * `<version>-stable`), and one promotion record is written with core/release/history, as
 * `imagestack promote` would leave them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/core/registry';
import { writePromotion } from '../src/core/release/history';
import { startEngine, type ExtraEngine } from './support/engines';
import { testEnvironment } from './support/env';
import { Workspace, writeTinyStack } from './support/workspace';

const { registry } = testEnvironment();
const client = new RegistryClient({ registry });
const V = '2026.1';
const IMAGES = ['base', 'mid', 'side', 'leaf']; // in plan order; multi skips 2026.1

const MANIFEST = `{
  "display_name": "tiny leaf, assert",
  "image_name": "placeholder",
  "visible_filenames": ["cyber-dojo.sh"],
  "tab_size": 4
}
`;

/** `docker -H <host> …`, stdout trimmed; undefined when docker exits non-zero. */
function docker(host: string, ...args: string[]): string | undefined {
  try {
    return execFileSync('docker', ['-H', host, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

describe('prepull, stamp and audit on a tiny stack', () => {
  const ws = new Workspace();
  const engines: ExtraEngine[] = [];
  const out = mkdtempSync(path.join(os.tmpdir(), 'imagestack-stamp-'));
  /** image → digest of its 2026.1 tag at the first commit. */
  const digests = new Map<string, string>();
  const tags = new Map<string, string>();
  let first: string;
  const repo = (image: string) => `${registry}/${ws.namespace}/${image}`;
  const engineArgs = () => engines.flatMap((e) => ['--engine', `${e.name}=${e.dockerHost}`]);

  beforeAll(async () => {
    writeTinyStack(ws, registry);
    ws.write('images/leaf/start_point/manifest.json', MANIFEST);
    ws.write('.gitignore', 'dist/\n'); // build reports and logs
    ws.write(
      'specs.yml',
      `${ws.read('specs.yml')}stamp:\n  - { file: images/leaf/start_point/manifest.json, pointer: /image_name, image: leaf }\n  - { file: images/leaf/start_point/manifest.json, pointer: /display_name, image: base, form: "repository:tag" }\n`,
    );
    first = ws.commit('tiny stack with a start point');
    // Engines start while the stack builds (each takes ~10 s on a busy machine).
    const [build, ...started] = await Promise.all([ws.cli(['build', '--version', V]), startEngine('pp-a'), startEngine('pp-b')]);
    engines.push(...started);
    expect(build.code, build.stdout + build.stderr).toBe(0);
    for (const e of (await ws.plan()).images.filter((x) => x.version === V)) {
      tags.set(e.image, e.tag);
      digests.set(e.image, (await client.headManifest(`${ws.namespace}/${e.image}`, e.tag))!.digest);
    }
  });
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.stop()));
    ws.dispose();
    rmSync(out, { recursive: true, force: true });
  });

  describe('prepull', () => {
    it('pulls every image of the commit on every engine, by digest, and tags it', async () => {
      const r = await ws.cli(['prepull', '--commit', first, '--version', V, ...engineArgs(), '--timeout', '3m']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/done in .*: 8 pulled \(.+\), 0 already present, 0 failed/);
      for (const e of engines) {
        for (const image of IMAGES) {
          const byDigest = docker(e.dockerHost, 'image', 'inspect', '--format', '{{.Id}}', `${repo(image)}@${digests.get(image)}`);
          expect(byDigest, `${image} on ${e.name}`).toMatch(/^sha256:/);
          expect(docker(e.dockerHost, 'image', 'inspect', '--format', '{{.Id}}', `${repo(image)}:${tags.get(image)}`)).toBe(byDigest);
        }
      }
    });

    it('pulls nothing new when run again: every image is reported present', async () => {
      const r = await ws.cli(['prepull', '--commit', first, '--version', V, ...engineArgs()]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/: 0 pulled \(0 B\), 8 already present, 0 failed/);
    });

    it('pulls the stable tags by digest and tags them on the nodes', async () => {
      for (const image of IMAGES) {
        const { bytes, descriptor } = await client.getManifest(`${ws.namespace}/${image}`, tags.get(image)!);
        await client.putManifest(`${ws.namespace}/${image}`, `${V}-stable`, bytes, descriptor.mediaType);
      }
      const r = await ws.cli(['prepull', '--stable', V, '--engine', `${engines[0].name}=${engines[0].dockerHost}`]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/: 0 pulled \(0 B\), 4 already present/); // same content as the commit's tags
      for (const image of IMAGES) {
        expect(docker(engines[0].dockerHost, 'image', 'inspect', '--format', '{{index .RepoDigests 0}}', `${repo(image)}:${V}-stable`)).toBe(`${repo(image)}@${digests.get(image)}`);
      }
    });

    it('prints a DaemonSet that pins every stable image by digest and passes the Kubernetes schema', async () => {
      const r = await ws.cli(['prepull', '--kubernetes', '--stable', V, '--namespace-k8s', 'labs']);
      expect(r.code, r.stderr).toBe(0);
      const ds = parse(r.stdout);
      expect(() => new DaemonSet(ds).validate()).not.toThrow();
      expect(ds.metadata.namespace).toBe('labs');
      expect(ds.spec.template.spec.initContainers.map((c: { image: string }) => c.image)).toEqual(IMAGES.map((i) => `${repo(i)}:${V}-stable@${digests.get(i)}`));
    });

    it('gives up on a frozen engine after --timeout, for that node only', async () => {
      // A real hang: the daemon is stopped with SIGSTOP, so its socket accepts and never answers.
      const pid = Number(readFileSync(path.join(engines[1].dir, 'dockerd.pid'), 'utf8'));
      process.kill(pid, 'SIGSTOP');
      try {
        const r = await ws.cli(['prepull', '--commit', first, '--version', V, ...engineArgs(), '--timeout', '3s']);
        expect(r.code, r.stdout + r.stderr).toBe(1);
        expect(r.stdout).toMatch(/pp-b: every image: timed out after 3s/);
        expect(r.stdout).toMatch(/4 already present, 4 failed; missing on pp-b/);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
    });

    it('reports a stopped engine as failed for that node only, and exits non-zero', async () => {
      const dead = engines[1];
      await dead.stop();
      const r = await ws.cli(['prepull', '--commit', first, '--version', V, ...engineArgs(), '--timeout', '1m']);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toMatch(/INCOMPLETE .*: 0 pulled \(0 B\), 4 already present, 4 failed; missing on pp-b/);
      expect(r.stdout).toMatch(new RegExp(`pp-b: every image: engine unreachable: .*${dead.dockerHost.slice('unix://'.length).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      const rows = r.stdout.split('\n').filter((l) => IMAGES.some((i) => l.startsWith(`${i}:`)));
      expect(rows).toHaveLength(4);
      for (const row of rows) expect(row).toMatch(/present\s+FAILED$/);
    });

    it('stops on bad arguments before touching anything (exit 2, with the fix)', async () => {
      const cases: Array<[string[], RegExp]> = [
        [['prepull', '--engine', 'x=unix:///nope.sock'], /exactly one of --stable <version> and --commit <sha>/],
        [['prepull', '--stable', V], /no engine to pull on\n\s+fix: give one --engine/],
        [['prepull', '--stable', V, '--engine', 'unix:///x.sock', '--timeout', '5'], /--timeout 5: error: not a positive duration/],
        [['prepull', '--stable', '2099.1', '--kubernetes'], /specs\.yml: error: version "2099\.1" is not declared/],
        [['audit', '--version', V, '--max-age', 'soon'], /--max-age soon: error: not a duration/],
      ];
      for (const [args, message] of cases) {
        const r = await ws.cli(args);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr).toMatch(message);
      }
    });

    it('refuses, listing them, when tags of the commit are missing', async () => {
      const r = await ws.cli(['prepull', '--commit', first, '--engine', `x=${engines[0].dockerHost}`]);
      expect(r.code).toBe(2); // 2026.2 was never built
      expect(r.stderr).toMatch(/base:2026\.2-[0-9a-f]{7}: error: tag not in the registry\n\s+fix: build and push it first/);
    });
  });

  describe('stamp', () => {
    it('writes a lock file of registry digests and stamped copies, leaving the source tree untouched', async () => {
      const before = ws.git('status', '--porcelain');
      const r = await ws.cli(['stamp', '--version', V, '--out', out]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const lock = JSON.parse(readFileSync(path.join(out, 'imagestack.lock.json'), 'utf8'));
      expect(lock.commit).toBe(first);
      expect(Object.keys(lock.images)).toEqual(['base', 'leaf', 'mid', 'side']);
      for (const image of IMAGES) {
        const d = (await client.headManifest(`${ws.namespace}/${image}`, tags.get(image)!))!.digest;
        expect(lock.images[image]).toEqual({ [V]: `${repo(image)}:${tags.get(image)}@${d}` });
      }
      const stamped = JSON.parse(readFileSync(path.join(out, V, 'images/leaf/start_point/manifest.json'), 'utf8'));
      expect(stamped).toEqual({ ...JSON.parse(MANIFEST), image_name: lock.images.leaf[V], display_name: `${repo('base')}:${tags.get('base')}` });
      expect(existsSync(path.join(out, '2026.2'))).toBe(false);
      expect(ws.read('images/leaf/start_point/manifest.json')).toBe(MANIFEST);
      expect(ws.git('status', '--porcelain')).toBe(before);
      expect(before).toBe('');
    });

    it('refuses to write into the workspace root', async () => {
      const r = await ws.cli(['stamp', '--version', V, '--out', '.']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/would write over the source tree/);
    });
  });

  describe('audit', () => {
    it('passes fresh stable tags with a promotion record, and flags their age with a stricter --max-age', async () => {
      const at = new Date(Date.now() - 2 * 3_600_000).toISOString();
      await writePromotion(client, ws.namespace, {
        number: 1,
        version: V,
        kind: 'promote',
        commit: first,
        at,
        by: 'test',
        images: IMAGES.map((image) => ({
          image,
          repository: repo(image),
          sourceTag: tags.get(image)!,
          stableTag: `${V}-stable`,
          previousDigest: null,
          digest: digests.get(image)!,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        })),
      });
      const ok = await ws.cli(['audit', '--version', V, '--max-age', '1d']);
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/ok: 4 images pass/);
      const old = await ws.cli(['audit', '--version', V, '--max-age', '1h']);
      expect(old.code).toBe(1);
      expect(old.stdout).toMatch(/^leaf .* FLAGGED\s+too-old: promoted \(#1\) 2h0m ago, more than 1h$/m);
    });

    it('flags stable tags behind a newer built tag (by git ancestry) and denied digests; exit 1', async () => {
      ws.write('images/mid/mid.txt', 'mid v2\n');
      ws.commit('mid v2');
      const b = await ws.cli(['build', '--version', V]);
      expect(b.code, b.stdout + b.stderr).toBe(0);
      ws.write('specs.yml', `${ws.read('specs.yml')}audit:\n  deny:\n    - { digest: "${digests.get('side')}", reason: "CVE-2026-0001" }\n`);
      const r = await ws.cli(['audit', '--version', V]);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      const row = (image: string) => r.stdout.split('\n').find((l) => l.startsWith(`${image} `)) ?? '';
      const newMid = (await ws.plan()).images.find((e) => e.image === 'mid' && e.version === V)!.tag;
      expect(row('base')).toMatch(/\bok\b/);
      expect(row('mid')).toMatch(new RegExp(`FLAGGED\\s+behind: 1 newer built tag, newest ${newMid}$`));
      expect(row('leaf')).toMatch(/FLAGGED\s+behind: 1 newer built tag/);
      expect(row('side')).toMatch(/FLAGGED\s+denied: sha256:[0-9a-f]{12}… denied: CVE-2026-0001$/);
      expect(r.stdout).toMatch(/FLAGGED: 3 of 4 images/);
      ws.git('checkout', 'specs.yml');
    });
  });
});
