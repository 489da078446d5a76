/**
 * Pinned external bases and `imagestack refresh` (issue 15), end to end with the real engine,
 * registry and CLI. A local "upstream" repository in the test registry (`<ns>-up/debian`)
 * serves the external base: a one-file image the test makes from the engine's
 * `debian:bookworm-slim`, pushed again with another file content for each new digest. The
 * stack pins it Jupyter-style (`ARG BASE_IMAGE=…@sha256:…` + `FROM $BASE_IMAGE`); `mid` is a
 * stack child of `base`; `other` uses a second upstream repository, unpinned. Tiny images: no
 * package installs.
 *
 * Protects: a pin builds and labels (base name without the pin, base digest = the pin); refresh
 * pins an unpinned base; refresh --commit builds and tests the affected images, pushes nothing,
 * commits the new pins (on --branch) and the commit moves exactly the images on that base and
 * their descendants; a second refresh finds nothing; a new base that breaks a test commits
 * nothing, puts the Dockerfile back byte for byte and exits non-zero with the failing test's tail;
 * `audit` flags the stale base before the refresh and not after the refreshed tags are promoted,
 * and `--max-base-age` flags an old base image; `plan --base-age` gives each base's digest and
 * created date (see also test/base-age.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

describe('pinned external bases and refresh', () => {
  const ws = new Workspace('imagestack-refresh-');
  const up = `${ws.namespace}-up`;
  const upstream = `${registry}/${up}/debian:bookworm-slim`;
  const other = `${registry}/${up}/other:1`;
  const made: string[] = [];
  const ctx = mkdtempSync(path.join(os.tmpdir(), 'imagestack-upstream-'));

  /** Builds a one-file image from debian:bookworm-slim (`/etc/upstream` = `content`), pushes it as `ref`; returns its registry digest. */
  async function pushUpstream(ref: string, content: string): Promise<string> {
    writeFileSync(path.join(ctx, 'upstream'), `${content}\n`);
    writeFileSync(path.join(ctx, 'Dockerfile'), 'FROM debian:bookworm-slim\nCOPY upstream /etc/upstream\n');
    execFileSync('docker', ['build', '-q', '-t', ref, ctx], { stdio: 'ignore' });
    made.push(ref);
    execFileSync('docker', ['push', '-q', ref], { stdio: 'ignore' });
    const [repo, tag] = ref.slice(ref.indexOf('/') + 1).split(':');
    return (await client.headManifest(repo, tag))!.digest;
  }

  /** Every tag of the stack's repositories, to show nothing was pushed. */
  async function stackTags(): Promise<string[]> {
    const all = await Promise.all(['base', 'mid', 'other'].map(async (i) => (await client.listTags(`${ws.namespace}/${i}`)).map((t) => `${i}:${t}`)));
    return all.flat().sort();
  }

  async function refresh(...args: string[]): Promise<{ code: number; report: RefreshReport; stderr: string }> {
    const r = await ws.cli(['refresh', '--json', ...args]);
    let report: RefreshReport;
    try {
      report = JSON.parse(r.stdout) as RefreshReport;
    } catch {
      throw new Error(`refresh printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
    }
    return { code: r.code, report, stderr: r.stderr };
  }

  const tagsOf = async () => Object.fromEntries((await ws.plan(['--offline'])).images.filter((e) => e.version === V).map((e) => [e.image, e.tag]));

  let d1: string;
  beforeAll(async () => {
    d1 = await pushUpstream(upstream, 'v1');
    await pushUpstream(other, 'other v1');
    ws.write(
      'specs.yml',
      `registry: ${registry}\nnamespace: placeholder\nversions:\n  "${V}": {}\nimages:\n` +
        `  base:\n    test: { command: "sh /imagestack/test/run.sh", inherit: true, timeout: 60 }\n  mid: {}\n  other: {}\n`,
    );
    ws.write('.gitignore', 'dist/\n');
    ws.write('images/base/Dockerfile', `# the upstream base, pinned\nARG BASE_IMAGE=${upstream}@${d1}\nFROM $BASE_IMAGE\nRUN echo base > /base.txt\n`);
    ws.write('images/base/test/run.sh', 'v=$(cat /etc/upstream)\necho "upstream is $v"\nif [ "$v" = broken ]; then echo "FAIL: the upstream base is broken" >&2; exit 1; fi\n');
    ws.write('images/mid/Dockerfile', 'ARG REGISTRY\nARG BASE_TAG\nFROM ${REGISTRY}/base:${BASE_TAG}\nRUN echo mid > /mid.txt\n');
    ws.write('images/other/Dockerfile', `FROM ${other}\nRUN echo other > /other.txt\n`);
    ws.commit('pinned stack');
  });
  afterAll(() => {
    // The upstream images, and the stack's images this test built (pushed and verification-only tags).
    // Earlier upstream versions lost their tag to the next push: they go by repository@digest.
    const ours = execFileSync('docker', ['image', 'ls', '--digests', '--format', '{{.Repository}}:{{.Tag}} {{.Repository}}@{{.Digest}}'], { encoding: 'utf8' })
      .split(/[\n ]/)
      .filter((r) => (r.startsWith(`${registry}/${ws.namespace}/`) || r.startsWith(`${registry}/${up}/`)) && !r.endsWith(':<none>') && !r.endsWith('@<none>'));
    execFileSync('docker', ['image', 'rm', '-f', ...new Set([...made, ...ours])], { stdio: 'ignore' });
    ws.dispose();
    rmSync(ctx, { recursive: true, force: true });
  });

  it('a pinned base plans, builds and labels: plan --json bases; base.name without the pin, base.digest = the pin', async () => {
    const plan = (await ws.plan()) as unknown as { images: Array<{ image: string; bases: unknown }> };
    expect(Object.fromEntries(plan.images.map((e) => [e.image, e.bases]))).toEqual({
      base: [{ reference: upstream, digest: d1 }],
      mid: [],
      other: [{ reference: other, digest: null }],
    });
    const human = await ws.cli(['plan']);
    expect(human.stdout).toMatch(new RegExp(`^base\\s+${upstream.replace(/[.]/g, '\\.')}\\s+${d1.slice(0, 19)}$`, 'm'));
    expect(human.stdout).toMatch(/^other\s+\S+other:1\s+unpinned$/m);
    // plan --base-age: the pin, or what the unpinned tag points at now, with the base image's created date (its config's).
    const aged = JSON.parse((await ws.cli(['plan', '--json', '--base-age'])).stdout) as { images: Array<{ image: string; baseAge: unknown }> };
    const created = async (repo: string, digest: string) => (await client.getImageConfig(repo, digest)).config.created as string;
    const otherNow = (await client.headManifest(`${up}/other`, '1'))!.digest;
    expect(Object.fromEntries(aged.images.map((e) => [e.image, e.baseAge]))).toEqual({
      base: [{ reference: upstream, digest: d1, pinned: true, created: await created(`${up}/debian`, d1) }],
      mid: [],
      other: [{ reference: other, digest: otherNow, pinned: false, created: await created(`${up}/other`, otherNow) }],
    });
    const build = await ws.cli(['build']);
    expect(build.code, build.stdout + build.stderr).toBe(0);
    const tag = (await tagsOf()).base;
    const labels = JSON.parse(execFileSync('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', `${registry}/${ws.namespace}/base:${tag}`], { encoding: 'utf8' })) as Record<string, string>;
    expect(labels['org.opencontainers.image.base.name']).toBe(upstream);
    expect(labels['org.opencontainers.image.base.digest']).toBe(d1);
  });

  it('an unpinned base is reported and pinned (refresh --commit), verified without pushing', async () => {
    const pushed = await stackTags();
    const before = await tagsOf();
    const head = ws.git('rev-parse', 'HEAD');
    const { code, report, stderr } = await refresh('--commit');
    expect(code, stderr).toBe(0);
    expect(report.bases.find((b) => b.reference === other)).toMatchObject({ pins: [null], status: 'unpinned', images: ['other'] });
    expect(report.bases.find((b) => b.reference === upstream)).toMatchObject({ pins: [d1], current: d1, status: 'current' });
    expect(report.moves).toEqual(['other']);
    expect(report.outcome).toBe('committed');
    expect(ws.git('rev-parse', 'HEAD~1')).toBe(head);
    expect(ws.read('images/other/Dockerfile')).toBe(`FROM ${other}@${report.changes[0].to}\nRUN echo other > /other.txt\n`);
    expect(await stackTags()).toEqual(pushed);
    const after = await tagsOf();
    expect(Object.keys(after).filter((i) => after[i] !== before[i])).toEqual(['other']);
  });

  /** `build` (push) and `promote` HEAD's tags to stable. */
  async function buildAndPromote(): Promise<void> {
    const build = await ws.cli(['build']);
    expect(build.code, build.stdout + build.stderr).toBe(0);
    const promote = await ws.cli(['promote', '--version', V, '--commit', ws.git('rev-parse', 'HEAD')]);
    expect(promote.code, promote.stdout + promote.stderr).toBe(0);
  }

  async function auditFlags(...args: string[]): Promise<{ code: number; flags: Record<string, string[]> }> {
    const r = await ws.cli(['audit', '--version', V, '--json', ...args]);
    const json = JSON.parse(r.stdout) as { findings: Array<{ image: string; flags: Array<{ kind: string; detail: string }> }> };
    return { code: r.code, flags: Object.fromEntries(json.findings.map((f) => [f.image, f.flags.map((x) => `${x.kind}: ${x.detail}`)])) };
  }

  it('refresh --commit --branch: a new upstream digest is built and tested, nothing pushed, one commit moves exactly base and its descendants; audit flags the stale base before and not after the refreshed tags are promoted', async () => {
    await buildAndPromote();
    expect(await auditFlags()).toEqual({ code: 0, flags: { base: [], mid: [], other: [] } });
    const d2 = await pushUpstream(upstream, 'v2');
    const stale = await auditFlags();
    expect(stale.code).toBe(1);
    expect(stale.flags.mid).toEqual([]);
    expect(stale.flags.other).toEqual([]);
    expect(stale.flags.base).toHaveLength(1);
    expect(stale.flags.base[0]).toMatch(new RegExp(`^stale-base: ${upstream.replace(/[.]/g, '\\.')} is pinned to ${d1.slice(0, 19)}…, created \\S+ ago; its tag now points at ${d2.slice(0, 19)}… \\(imagestack refresh\\)$`));
    expect(d2).not.toBe(d1);
    const pushed = await stackTags();
    const before = await tagsOf();
    const dry = await refresh('--dry-run');
    expect(dry.report).toMatchObject({ outcome: 'dry-run', changes: [{ reference: upstream, from: d1, to: d2 }], files: ['images/base/Dockerfile'] });
    expect(ws.git('status', '--porcelain')).toBe('');

    const { code, report, stderr } = await refresh('--commit', '--branch', 'imagestack/refresh');
    expect(code, stderr).toBe(0);
    expect(report).toMatchObject({ outcome: 'committed', moves: ['base', 'mid'], verified: { ok: true, built: 2, failures: [] } });
    expect(report.commit!.branch).toBe('imagestack/refresh');
    expect(await stackTags()).toEqual(pushed);
    expect(ws.git('status', '--porcelain')).toBe('');
    const message = ws.git('log', '-1', '--format=%B');
    expect(message).toContain(`${upstream}: ${d1} → ${d2}`);
    expect(message).toContain('Tags that will move: base, mid');
    // Only the digest changed.
    expect(ws.read('images/base/Dockerfile')).toBe(`# the upstream base, pinned\nARG BASE_IMAGE=${upstream}@${d2}\nFROM $BASE_IMAGE\nRUN echo base > /base.txt\n`);
    const after = await tagsOf();
    expect(Object.keys(after).filter((i) => after[i] !== before[i])).toEqual(['base', 'mid']);
    expect((await ws.plan(['--offline'])).images.filter((e) => e.action === 'build').map((e) => e.image)).toEqual(['base', 'mid']);

    // The normal pipeline builds the commit; once its tags are promoted, the base is current.
    await buildAndPromote();
    expect(await auditFlags()).toEqual({ code: 0, flags: { base: [], mid: [], other: [] } });
    const old = await auditFlags('--max-base-age', '1ms');
    expect(old.code).toBe(1);
    expect(old.flags.base[0]).toMatch(/^old-base: .* created \S+ ago, more than 1ms$/);
    expect(old.flags.other[0]).toMatch(/^old-base: /);

    // Idempotent: a second run finds nothing to do.
    const again = await refresh('--commit');
    expect(again.code).toBe(0);
    expect(again.report).toMatchObject({ outcome: 'nothing-to-do', changes: [], moves: [] });
    expect(ws.git('rev-parse', 'HEAD')).toBe(report.commit!.sha);
  });

  it('a new base that breaks a test: nothing committed, the Dockerfile back byte for byte, exit 1 with the failing test’s tail', async () => {
    await pushUpstream(upstream, 'broken');
    const head = ws.git('rev-parse', 'HEAD');
    const dockerfile = ws.read('images/base/Dockerfile');
    const pushed = await stackTags();
    const r = await ws.cli(['refresh', '--commit']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('The new bases break the stack; nothing was changed in git.');
    expect(r.stdout).toMatch(/### base@2026\.1: test failed/);
    expect(r.stdout).toContain('FAIL: the upstream base is broken');
    expect(ws.git('rev-parse', 'HEAD')).toBe(head);
    expect(ws.git('status', '--porcelain')).toBe('');
    expect(ws.read('images/base/Dockerfile')).toBe(dockerfile);
    expect(await stackTags()).toEqual(pushed);
  });
});
