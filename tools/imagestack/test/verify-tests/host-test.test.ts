/**
 * Host-side tests (`test.host`) through the real CLI, real engine and registry, on the tiny
 * stack (base → mid → leaf, base → side, multi): the command gets the image's exact
 * reference and runs in the workspace root; a failing host test blocks the image's push and
 * its descendants with the last lines of its output; containers a host test leaves (running
 * or stopped) are gone after the run (promise 7); a host test that outlives its timeout is
 * stopped with its process group.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/core/registry';
import { testEnvironment } from '../support/env';
import { Workspace, writeTinyStack } from '../support/workspace';
import { hostPlatform } from '../../src/core/pipeline/platforms/names';

const { registry } = testEnvironment();
const client = new RegistryClient({ registry });
const docker = new Docker();
const IMAGES = ['base', 'mid', 'leaf', 'side', 'multi'];
const scratch = mkdtempSync(path.join(os.tmpdir(), 'imagestack-host-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function pushedImages(ws: Workspace): Promise<string[]> {
  const out: string[] = [];
  for (const image of IMAGES) if ((await client.listTags(`${ws.namespace}/${image}`)).length) out.push(image);
  return out.sort();
}

/** Every container made from an image of the workspace's namespace, running or not. */
async function containersOf(ws: Workspace): Promise<string[]> {
  const all = await docker.listContainers({ all: true });
  return all.filter((c) => c.Image.includes(`/${ws.namespace}/`) || c.Labels?.['io.imagestack.host-test'] === ws.namespace).map((c) => c.Id);
}

/** Removes the images a test made under the workspace's namespace. */
async function removeOurImages(namespace: string): Promise<void> {
  for (const i of await docker.listImages()) {
    if ((i.RepoTags ?? []).some((t) => t.includes(`/${namespace}/`))) await docker.getImage(i.Id).remove({ force: true }).catch(() => undefined);
  }
}

/** The tiny stack with `entries` replacing `  <image>: {}` lines of specs.yml. */
function stackWith(entries: Record<string, string>): Workspace {
  const ws = writeTinyStack(new Workspace('imagestack-host-test-'), registry);
  let specs = ws.read('specs.yml');
  for (const [image, entry] of Object.entries(entries)) specs = specs.replace(`  ${image}: {}`, `  ${image}:\n${entry}`);
  ws.write('specs.yml', specs);
  ws.commit('host tests');
  return ws;
}

describe('host-side tests (test.host)', () => {
  let ws: Workspace;
  afterEach(async () => {
    if (!ws) return;
    await removeOurImages(ws.namespace);
    ws.dispose();
  });

  it('gets the exact reference in its environment, runs in the workspace root, and leaves no container behind', async () => {
    const envFile = path.join(scratch, 'env.txt');
    // A running container, a stopped one, and one made by `docker create`: all from mid.
    const host =
      `pwd > ${envFile}; env | grep ^IMAGESTACK_ | sort >> ${envFile}; ` +
      'docker run -d --network none "$IMAGESTACK_IMAGE" sleep 300 >/dev/null && ' +
      'docker run --network none "$IMAGESTACK_IMAGE" cat /mid.txt && ' +
      'docker create "$IMAGESTACK_IMAGE" true >/dev/null';
    ws = stackWith({ mid: `    test: { host: '${host}', timeout: 60 }` });
    const plan = await ws.plan();
    const mid = plan.images.find((e) => e.image === 'mid' && e.version === '2026.1')!;

    const r = await ws.cli(['build', '--parallel', '1']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await pushedImages(ws)).toEqual([...IMAGES].sort());
    expect(await containersOf(ws)).toEqual([]);

    const env = readFileSync(envFile, 'utf8').split('\n');
    expect(env[0]).toBe(ws.dir);
    // The last version to run wrote the file (2026.2); its reference is the plan's.
    const last = plan.images.find((e) => e.image === 'mid' && e.version === env.find((l) => l.startsWith('IMAGESTACK_VERSION='))!.split('=')[1])!;
    expect(env).toContain(`IMAGESTACK_IMAGE=${last.reference}`);
    expect(env).toContain(`IMAGESTACK_TAG=${last.tag}`);
    expect(env).toContain(`IMAGESTACK_PLATFORM=${hostPlatform()}`); // a single-platform image: the engine's, from its config
    expect(env).toContain('IMAGESTACK_IMAGE_NAME=mid');
    expect(env.find((l) => l.startsWith('IMAGESTACK_IMAGE_ID='))).toMatch(/^IMAGESTACK_IMAGE_ID=sha256:[0-9a-f]{64}$/);
    expect(mid.reference).toMatch(new RegExp(`/${ws.namespace}/mid:2026\\.1-`));

    const report = JSON.parse(ws.read('dist/imagestack/report.json'));
    const midReport = report.images.find((i: { image: string; version: string }) => i.image === 'mid' && i.version === '2026.1');
    expect(midReport.gates.test.items).toMatchObject([{ name: 'mid (host)', ok: true, found: 'exit 0' }]);
  });

  it('a failing host test blocks the push of the image and its descendants, with the last lines of its output', async () => {
    ws = stackWith({
      side: `    test: { host: 'echo "checking $IMAGESTACK_IMAGE"; echo "AssertionError: side has no /side.txt" >&2; exit 1', timeout: 60 }`,
    });
    const r = await ws.cli(['build']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/side@2026\.1 failed at test/);
    expect(r.stdout).toContain('AssertionError: side has no /side.txt');
    expect(r.stdout).toMatch(/multi@2026\.2\s+blocked.*parent side failed/);
    expect(await pushedImages(ws)).toEqual(['base', 'leaf', 'mid']);
    const report = JSON.parse(ws.read('dist/imagestack/report.json'));
    const side = report.images.find((i: { image: string }) => i.image === 'side');
    expect(side).toMatchObject({ status: 'failed', step: 'test' });
    expect(side.gates.test.items).toMatchObject([{ name: 'side (host)', ok: false, found: 'exit 1' }]);
  });

  it('an in-image test and a host test both run; a host test over its timeout is stopped and its containers removed', async () => {
    ws = stackWith({
      leaf: `    test: { command: "cat /leaf.txt", host: 'docker run -d --network none "$IMAGESTACK_IMAGE" sleep 300 >/dev/null; sleep 120', timeout: 5 }`,
    });
    const r = await ws.cli(['build', '--parallel', '2']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/leaf@2026\.1 failed at test/);
    expect(await pushedImages(ws)).toEqual(['base', 'mid', 'multi', 'side']);
    expect(await containersOf(ws)).toEqual([]);
    const report = JSON.parse(ws.read('dist/imagestack/report.json'));
    const leaf = report.images.find((i: { image: string }) => i.image === 'leaf');
    expect(leaf.gates.test.items).toMatchObject([
      { name: 'leaf', ok: true, found: 'exit 0' },
      { name: 'leaf (host)', ok: false, found: 'timed out after 5 s' },
    ]);
    expect(leaf.gates.test.items[1].durationMs).toBeLessThan(10_000);
  });
});
