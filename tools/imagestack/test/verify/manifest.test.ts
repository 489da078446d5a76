/**
 * The `manifest` gate against the real engine and registry: files written (layer table,
 * dpkg list, command outputs), the package diff against the previous tag found from git
 * and the registry (pulled, listed, removed again; then read from the cache file), no
 * previous tag, a failing built-in, and no container or pulled image left behind.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../../src/core/git/__fixtures__/test-repo';
import { InputError } from '../../src/core/errors';
import { GateFailure } from '../../src/core/pipeline/types';
import { loadSpecs } from '../../src/core/specs/load';
import { createManifestGate, type PackageManifest } from '../../src/core/verify/manifest';
import {
  dockerBuild,
  dockerCli,
  dockerPush,
  gateContext,
  installFakePackage,
  localImageId,
  pipelineLabels,
  planEntry,
  runContainers,
  workspace,
} from './support';

const namespace = `it-verify-${randomBytes(4).toString('hex')}`;
const VERSION = '2026.1';
const SPECS = `registry: 127.0.0.1:5000
namespace: ${namespace}
versions:
  "2026.1": {}
defaults:
  manifest:
    commands:
      - { name: user, description: "default user", command: "id -un" }
images:
  probe:
    manifest:
      timeout: 60
      commands:
        - { name: greeting, description: "a greeting", command: "echo hello; echo to-stderr >&2" }
        - { name: failing, description: "a command that fails", command: "echo partial; exit 3" }
        - { name: long, description: "a long output", command: "seq 1 45" }
`;

const { repo, stack } = workspace(SPECS);
// History: a → b (probe image A at a, B at b); x on a side branch (not an ancestor of b).
const a = repo.commit('a', { 'images/probe/Dockerfile': 'FROM debian:bookworm-slim\n' });
const x = (() => {
  repo.git('checkout', '-q', '-b', 'side');
  const sha = repo.commit('x', { 'x.txt': 'x' });
  repo.git('checkout', '-q', 'main');
  return sha;
})();
const b = repo.commit('b', { 'images/probe/Dockerfile': 'FROM debian:bookworm-slim\n# b\n' });

const entryA = planEntry(namespace, 'probe', VERSION, a);
const entryB = planEntry(namespace, 'probe', VERSION, b);
const entryX = planEntry(namespace, 'probe', VERSION, x);
const uniq = randomBytes(4).toString('hex');
const BASE = `FROM debian:bookworm-slim\nLABEL io.imagestack.test=${uniq}\nRUN echo base > /base.txt\n`;
const images: string[] = [];

beforeAll(() => {
  images.push(dockerBuild(entryA.reference, `${BASE}${pipelineLabels('probe', VERSION, a)}\n`));
  // B = A + one package (made and installed offline) + a change of an existing package's version: none.
  images.push(dockerBuild(entryB.reference, `${BASE}${installFakePackage('imagestack-probe', '1.0-1')}\n${pipelineLabels('probe', VERSION, b)}\n`));
  // A decoy on a side branch: newer than A, not an ancestor of b, with an extra package.
  images.push(dockerBuild(entryX.reference, `${BASE}${installFakePackage('imagestack-decoy', '9.9')}\n${pipelineLabels('probe', VERSION, x)}\n`));
  dockerPush(entryA.reference);
  dockerPush(entryX.reference);
  // The previous tag must come from the registry: not in the engine.
  dockerCli(['rmi', entryA.reference, entryX.reference]);
});

afterAll(() => {
  for (const ref of [entryA.reference, entryB.reference, entryX.reference]) {
    try {
      dockerCli(['rmi', '-f', ref]);
    } catch {
      /* already gone */
    }
  }
  removeTempDirs();
});

describe('manifest gate', () => {
  let outputDir: string;
  let manifest: PackageManifest;

  it('writes Markdown and JSON with the layer table, the dpkg list and every command', async () => {
    const before = await runContainers(images);
    const ctx = gateContext(entryB, stack(), images[1]);
    outputDir = ctx.outputDir;
    const t0 = performance.now();
    const report = await createManifestGate().run(ctx);
    const ms = performance.now() - t0;
    console.log(`manifest gate (with previous tag pulled and listed): ${Math.round(ms)} ms; ${report.summary}`);

    expect(report.ok).toBe(true);
    expect(report.files).toEqual({
      markdown: path.join(outputDir, 'manifests', 'probe', `${entryB.tag}.md`),
      json: path.join(outputDir, 'manifests', 'probe', `${entryB.tag}.json`),
    });
    manifest = JSON.parse(readFileSync(report.files!.json, 'utf8')) as PackageManifest;
    expect(ctx.outputs.manifest).toEqual(manifest);
    expect(manifest).toMatchObject({ reference: entryB.reference, imageId: images[1], version: VERSION, sourceCommit: b, dirty: false, pipSource: 'none' });
    expect(manifest.os).toMatchObject({ ID: 'debian', VERSION_CODENAME: 'bookworm' });
    expect(manifest.packages.dpkg).toMatchObject({ 'imagestack-probe': '1.0-1', dpkg: expect.any(String), 'base-files': expect.stringMatching(/^12\./) });
    expect(manifest.packages.pip).toEqual({});
    expect(Object.keys(manifest.commands)).toEqual(['os-release', 'dpkg', 'pip', 'user', 'greeting', 'failing', 'long']);
    expect(manifest.commands.greeting).toEqual({ description: 'a greeting', command: 'echo hello; echo to-stderr >&2', output: 'hello\nto-stderr', exitCode: 0 });
    expect(manifest.commands.failing).toMatchObject({ output: 'partial', exitCode: 3 });
    expect(manifest.commands.user.output).toBe('root');
    expect(manifest.commands.dpkg).toMatchObject({ exitCode: 0, builtIn: true });
    expect(manifest.layers.length).toBeGreaterThanOrEqual(4);
    expect(manifest.layers.some((l) => l.createdBy.startsWith('RUN d=/tmp/pkg-imagestack-probe') && l.size > 0)).toBe(true);
    expect(manifest.layers.at(-1)!.createdBy).toMatch(/^LABEL org\.opencontainers\.image\.title=probe/);
    expect(report.items!.find((i) => i.name === 'failing')).toEqual({ name: 'failing', ok: false, found: 'exit 3' });

    const md = readFileSync(report.files!.markdown, 'utf8');
    expect(md.startsWith(`# ${entryB.reference}\n`)).toBe(true);
    expect(md).toContain(`| Image ID | \`${images[1]}\` |`);
    expect(md).toContain('## Layers');
    expect(md).toMatch(/\| 1 \| \d{4}-\d\d-\d\dT[^|]+\| [\d.]+ MB \| (`ADD file:[0-9a-f]+ in \/`|\(not recorded\)) \|/);
    expect(md).toContain('| `RUN echo base > /base.txt` |');
    expect(md).toMatch(/### dpkg: Debian packages[^\n]*\n\n[^\n]+\n\n\d+ packages; the JSON file has the raw output\.\n\n<details>/);
    expect(md).toMatch(/imagestack-probe +1\.0-1/);
    expect(md).toContain('### greeting: a greeting\n\n`echo hello; echo to-stderr >&2` · exit 0\n\n```text\nhello\nto-stderr\n```');
    expect(md).toContain('<summary>45 lines</summary>');
    expect(await runContainers(images)).toEqual(before);
  });

  it('diffs against the previous tag of an ancestor commit: exactly the added package', () => {
    expect(manifest.diff).toEqual({
      previous: { tag: entryA.tag, reference: entryA.reference, sourceCommit: a },
      dpkg: { added: [{ name: 'imagestack-probe', version: '1.0-1' }], removed: [], changed: [] },
      pip: { added: [], removed: [], changed: [] },
    });
    const md = readFileSync(path.join(outputDir, 'manifests', 'probe', `${entryB.tag}.md`), 'utf8');
    expect(md).toContain(`## Changes since ${entryA.tag}`);
    expect(md).toContain('| imagestack-probe | added |  | `1.0-1` |');
    expect(md).toContain('### pip\n\nNo changes.');
  });

  it('removed the pulled previous image and cached its package lists', async () => {
    expect(await localImageId(entryA.reference)).toBeUndefined();
    const cache = JSON.parse(readFileSync(path.join(outputDir, 'manifests', 'probe', `${entryA.tag}.json`), 'utf8'));
    expect(cache).toMatchObject({ packagesOnly: true, tag: entryA.tag, sourceCommit: a });
    expect(cache.packages.dpkg['imagestack-probe']).toBeUndefined();
  });

  it('reads the previous lists from the cache file on the next run (no pull)', async () => {
    const ctx = gateContext(entryB, stack(), images[1], { outputDir });
    const t0 = performance.now();
    const report = await createManifestGate().run(ctx);
    console.log(`manifest gate (previous lists from the cache file): ${Math.round(performance.now() - t0)} ms`);
    expect(ctx.lines.join('\n')).toContain(`package lists of ${entryA.tag} read from`);
    expect(ctx.lines.join('\n')).not.toContain('pulling');
    expect(report.summary).toMatch(/1 package change since /);
  });

  it('says so when there is no previous tag', async () => {
    const ctx = gateContext(entryA, stack(), images[0]);
    // entryA's image is not in the engine any more: use B's image under A's entry (the gate reads the entry).
    ctx.imageId = images[1];
    const report = await createManifestGate().run(ctx);
    const m = JSON.parse(readFileSync(report.files!.json, 'utf8')) as PackageManifest;
    // The registry holds B's decoy x (not an ancestor of a) and a's own tag (never its own previous).
    const reason = `no 2026.1-<sha7> tag in ${namespace}/probe names an ancestor of ${a.slice(0, 7)} (1 tag of other commits)`;
    expect(m.diff).toEqual({ previous: null, reason });
    expect(readFileSync(report.files!.markdown, 'utf8')).toContain(`No previous tag to compare with: ${reason}.`);
    expect(report.summary).toMatch(/no previous tag$/);
  });

  it('fails when a required built-in fails, after writing the files', async () => {
    const id = dockerBuild(`${entryB.repository}:nodpkg-${uniq}`, `${BASE}RUN rm -f /usr/bin/dpkg-query\n`);
    images.push(id);
    try {
      const ctx = gateContext(entryB, stack(), id);
      const err = await createManifestGate({ diff: false }).run(ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GateFailure);
      expect((err as GateFailure).message).toMatch(/^probe@2026\.1: manifest: built-in command "dpkg" \(dpkg-query .*\) exited 127/);
      expect((err as GateFailure).report.ok).toBe(false);
      expect(existsSync((err as GateFailure).report.files!.json)).toBe(true);
      expect(await runContainers([id])).toEqual([]);
    } finally {
      dockerCli(['rmi', '-f', `${entryB.repository}:nodpkg-${uniq}`]);
    }
  });

  it('rejects invalid manifest settings before running anything', async () => {
    // Invalid settings stop when specs.yml is loaded (schema definition `manifestCommand`),
    // before any gate runs: the gate reads ImageSpec.manifest as loaded.
    const bad = workspace(SPECS.replace('name: greeting', 'name: dpkg'));
    bad.repo.commit('bad');
    const err = await loadSpecs(path.join(bad.repo.dir, 'specs.yml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/^specs\.yml:\d+:\d+: error: manifest command name "dpkg" is built in/);
  });
});
