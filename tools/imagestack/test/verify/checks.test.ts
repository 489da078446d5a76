/**
 * The `checks` gate against the real engine: command checks (pass, fail with image,
 * check, expected and found in the message), package checks with version ranges (dpkg
 * epochs, missing packages), file + schema checks on JSON files inside the image
 * (valid, invalid, missing, through a symlink), every check running even when one fails,
 * and no container left behind.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../../src/core/git/__fixtures__/test-repo';
import { InputError } from '../../src/core/errors';
import { GateFailure } from '../../src/core/pipeline/types';
import { loadSpecs } from '../../src/core/specs/load';
import { createChecksGate } from '../../src/core/verify/checks';
import { createManifestGate } from '../../src/core/verify/manifest';
import type { GateOutputs } from '../../src/core/pipeline/types';
import { REPO_ROOT } from '../support/workspace';
import { dockerBuild, dockerCli, gateContext, installFakePackage, pipelineLabels, planEntry, runContainers, workspace, writeFileStep } from './support';

const namespace = `it-checks-${randomBytes(4).toString('hex')}`;
const VERSION = '2026.1';
const startPoint = readFileSync(path.join(REPO_ROOT, 'images/gcc-assert/start_point/manifest.json'), 'utf8');
const badStartPoint = JSON.stringify({ ...JSON.parse(startPoint), tab_size: 9, visible_filenames: ['hiker.c'], colour: 'red' });

const PASSING = `
      - { name: bookworm, command: "cat /etc/os-release", match: "VERSION_CODENAME=bookworm" }
      - { name: stderr-counts, command: "echo 'v1.2' >&2", match: "^v1\\\\.2$" }
      - { name: probe-range, package: imagestack-probe, version: ">=1.0 <2" }
      - { name: probe-exact, package: imagestack-probe, version: "=1.0" }
      - { name: epoch-ignored, package: imagestack-epoch, version: ">=1.24 <2" }
      - { name: base-files, package: base-files, version: ">=12" }
      - { name: start-point, file: /start_point/manifest.json, schema: schemas/start-point-manifest.schema.json }
      - { name: via-symlink, file: /start_point/link.json, schema: schemas/start-point-manifest.schema.json }`;
const FAILING = `
      - { name: greeting, command: "echo hello", match: "^goodbye$" }
      - { name: probe-too-old, package: imagestack-probe, version: ">=1.1" }
      - { name: not-installed, package: no-such-package }
      - { name: bad-start-point, file: /bad/manifest.json, schema: schemas/start-point-manifest.schema.json }
      - { name: missing-file, file: /nope.json, schema: schemas/start-point-manifest.schema.json }`;

const specs = (checks: string) => `registry: 127.0.0.1:5000
namespace: ${namespace}
versions:
  "2026.1": {}
images:
  probe:
    checks:${checks}
`;

const ws = workspace(specs(PASSING + FAILING));
const sha = ws.repo.commit('checks', { 'images/probe/Dockerfile': 'FROM debian:bookworm-slim\n' });
const entry = planEntry(namespace, 'probe', VERSION, sha);
let imageId: string;

beforeAll(() => {
  imageId = dockerBuild(
    entry.reference,
    [
      'FROM debian:bookworm-slim',
      `LABEL io.imagestack.test=${randomBytes(4).toString('hex')}`,
      installFakePackage('imagestack-probe', '1.0-1'),
      installFakePackage('imagestack-epoch', '1:1.24.2-1+deb12u1'),
      writeFileStep('/start_point/manifest.json', startPoint),
      'RUN ln -s manifest.json /start_point/link.json',
      writeFileStep('/bad/manifest.json', badStartPoint),
      pipelineLabels('probe', VERSION, sha),
      '',
    ].join('\n'),
  );
});

afterAll(() => {
  dockerCli(['rmi', '-f', entry.reference]);
  removeTempDirs();
});

describe('checks gate', () => {
  it('passes when every check passes, reporting expected and found', async () => {
    const pass = workspace(specs(PASSING));
    pass.repo.commit('pass');
    const ctx = gateContext(entry, pass.stack(), imageId);
    const t0 = performance.now();
    const report = await createChecksGate().run(ctx);
    console.log(`checks gate, 8 checks, no manifest in ctx.outputs: ${Math.round(performance.now() - t0)} ms`);
    expect(report.ok).toBe(true);
    expect(report.summary).toMatch(/^8 checks passed/);
    const found = Object.fromEntries(report.items!.map((i) => [i.name, [i.ok, i.expected, i.found]]));
    expect(found).toEqual({
      bookworm: [true, 'output matching /VERSION_CODENAME=bookworm/m', expect.stringMatching(/^"PRETTY_NAME=.*" \(exit 0\)$/)],
      'stderr-counts': [true, 'output matching /^v1\\.2$/m', '"v1.2" (exit 0)'],
      'probe-range': [true, 'imagestack-probe >=1.0 <2', 'imagestack-probe 1.0-1 (dpkg)'],
      'probe-exact': [true, 'imagestack-probe =1.0', 'imagestack-probe 1.0-1 (dpkg)'],
      'epoch-ignored': [true, 'imagestack-epoch >=1.24 <2', 'imagestack-epoch 1:1.24.2-1+deb12u1 (dpkg)'],
      'base-files': [true, 'base-files >=12', expect.stringMatching(/^base-files 12\.\S+ \(dpkg\)$/)],
      'start-point': [true, '/start_point/manifest.json valid against schemas/start-point-manifest.schema.json', expect.stringMatching(/^valid \(manifest\.json, \d+ bytes\)$/)],
      'via-symlink': [true, '/start_point/link.json valid against schemas/start-point-manifest.schema.json', expect.stringMatching(/^valid/)],
    });
    expect(await runContainers([imageId])).toEqual([]);
  });

  it('runs every check and fails naming image, check, expected and found for each failure', async () => {
    const ctx = gateContext(entry, ws.stack(), imageId);
    const err = await createChecksGate().run(ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateFailure);
    const lines = (err as GateFailure).message.split('\n');
    expect(lines).toEqual([
      'probe@2026.1: check "greeting": expected output matching /^goodbye$/m, found "hello" (exit 0)',
      'probe@2026.1: check "probe-too-old": expected imagestack-probe >=1.1, found imagestack-probe 1.0-1 (dpkg)',
      'probe@2026.1: check "not-installed": expected no-such-package installed, found no-such-package not installed (neither in the dpkg list nor in the pip list)',
      expect.stringMatching(
        /^probe@2026\.1: check "bad-start-point": expected \/bad\/manifest\.json valid against schemas\/start-point-manifest\.schema\.json, found 3 errors: \(root\): unknown property "colour" \(not allowed\); \/visible_filenames: must contain "cyber-dojo\.sh"; \/tab_size: must be <= 8$/,
      ),
      'probe@2026.1: check "missing-file": expected /nope.json valid against schemas/start-point-manifest.schema.json, found no such file: /nope.json',
    ]);
    const report = (err as GateFailure).report;
    expect(report.ok).toBe(false);
    expect(report.summary).toBe('5 of 13 checks failed');
    expect(report.items!.filter((i) => i.ok).map((i) => i.name)).toHaveLength(8);
    expect((err as GateFailure).logTail.join('\n')).toContain('  hello');
    expect(await runContainers([imageId])).toEqual([]);
  });

  it('uses the package lists of the manifest gate when it ran first', async () => {
    const pass = workspace(specs(`
      - { name: probe, package: imagestack-probe }`));
    pass.repo.commit('pass');
    const outputs: GateOutputs = {};
    await createManifestGate({ diff: false }).run(gateContext(entry, pass.stack(), imageId, { outputs }));
    expect(outputs.manifest).toBeDefined();
    const ctx = gateContext(entry, pass.stack(), imageId, { outputs });
    const report = await createChecksGate().run(ctx);
    expect(report.items).toEqual([{ name: 'probe', ok: true, expected: 'imagestack-probe installed', found: 'imagestack-probe 1.0-1 (dpkg)' }]);
    expect(ctx.lines.join('\n')).not.toContain('listing packages');
  });

  it('rejects invalid checks before running anything', async () => {
    // Invalid checks stop when specs.yml is loaded (schema definition `check`, then the
    // checks' own rules), before any gate runs: the gate reads ImageSpec.checks as loaded.
    const bad = workspace(specs(`
      - { name: both, command: "true", package: x }`));
    bad.repo.commit('bad');
    const err = await loadSpecs(path.join(bad.repo.dir, 'specs.yml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(
      /^specs\.yml:\d+:\d+: error: check "both" has command and package; a check has exactly one of them\n {2}fix: give it `command` \+ `match`, or `package` \(\+ `version`\), or `file` \+ `schema`$/,
    );
  });
});
