/**
 * Stack-wide checks end to end: the fixture stack `fixtures/stacks/stack-checks/` (two tiny
 * start-point images with the same `display_name`) built by the real CLI against the real
 * engine and registry; the check fails the run and names both images and the value, and
 * `promote` of that version is refused before anything changes; once fixed, it promotes.
 * Nothing is faked.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/core/registry';
import type { RunReport } from '../src/core/report/report';
import { testEnvironment } from './support/env';
import { fixtureWorkspace } from './support/workspace';

const { registry } = testEnvironment();
const client = new RegistryClient({ registry, credentials: null });
const V = '2026.1';

describe('stack-wide checks', () => {
  const ws = fixtureWorkspace('stack-checks', registry);
  let first: { code: number; stdout: string; stderr: string };
  const report = () => JSON.parse(readFileSync(path.join(ws.dir, 'dist/imagestack/report.json'), 'utf8')) as RunReport;
  const stable = async (image: string) => (await client.headManifest(`${ws.namespace}/${image}`, `${V}-stable`))?.digest ?? 'absent';

  beforeAll(async () => {
    first = await ws.cli(['build']);
  });
  afterAll(() => ws.dispose());

  it('a duplicate display_name fails the run, naming both images and the value', () => {
    expect(first.code, first.stdout + first.stderr).toBe(1);
    const message = 'stack check "unique-display-name" (2026.1) failed: /display_name in /start_point/manifest.json is unique across images, but "C, assert" in kata-a and kata-b';
    expect(first.stdout).toContain(`✖ ${message}`);
    expect(first.stdout).toContain('✔ stack check "one-debian" (2026.1): VERSION_ID of /etc/os-release is the same in every image (3 images)');
    const r = report();
    expect(r.ok).toBe(false);
    expect(r.stackChecks!.find((c) => c.name === 'unique-display-name')).toMatchObject({ ok: false, message, values: { 'kata-a': 'C, assert', 'kata-b': 'C, assert' } });
    expect(r.images.every((i) => i.status === 'pushed')).toBe(true); // the run's pushes are not withheld
    expect(readFileSync(path.join(ws.dir, 'dist/imagestack/report.md'), 'utf8')).toContain(`**FAILED**: ${message}`);
  });

  it('promote of that version is refused before anything changes', async () => {
    const r = await ws.cli(['promote', '--version', V, '--commit', 'HEAD']);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(`cannot promote ${V}`);
    expect(r.stderr).toContain('"C, assert" in kata-a and kata-b');
    expect(r.stderr).toContain('nothing was changed');
    for (const image of ['base', 'kata-a', 'kata-b']) expect(await stable(image)).toBe('absent');
  });

  it('once the value is unique, the run passes and the version promotes', async () => {
    ws.write('images/kata-b/manifest.json', '{ "display_name": "C, cmocka", "image_name": "y" }\n');
    ws.commit('kata-b: its own display_name');
    const r = await ws.cli(['build']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('✔ stack check "unique-display-name" (2026.1)');
    const p = await ws.cli(['promote', '--version', V, '--commit', 'HEAD']);
    expect(p.code, p.stdout + p.stderr).toBe(0);
    expect(await stable('kata-b')).not.toBe('absent');
  });
});
