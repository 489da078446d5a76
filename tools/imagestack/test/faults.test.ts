/**
 * Engine faults, real engine and registry (issue 11): an engine or registry that does not
 * answer stops `build` before any image starts (exit 5 / 4, what was tried and the fix);
 * Ctrl-C during a push to a registry that never answers ends the run at once; a cancelled
 * build leaves none of its step images; a test's output is kept on disk up to a bound.
 * One image on debian:bookworm-slim, so each case takes seconds.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
// The built core, as the CLI runs it (the source's lazy `require`s need the compiled files).
import { runPipeline } from '../dist/core/pipeline/run';
import { RegistryClient } from '../dist/core/registry';
import { testEnvironment } from './support/env';
import { CLI, Workspace } from './support/workspace';

const { registry } = testEnvironment();
const docker = new Docker();

/** A workspace with one image, `solo`, whose Dockerfile is `dockerfile`. */
function soloWorkspace(dockerfile: string, spec = '{}'): Workspace {
  const ws = new Workspace('imagestack-faults-');
  ws.write('specs.yml', `registry: ${registry}\nnamespace: placeholder\nversions:\n  "1":\n    args: { GREETING: hello }\nimages:\n  solo: ${spec}\n`);
  ws.write('images/solo/Dockerfile', dockerfile);
  ws.commit('one image');
  return ws;
}

/** Removes the images a test made under the workspace's namespace (on every path, passed or not). */
async function removeOurImages(namespace: string): Promise<void> {
  for (const i of await docker.listImages()) {
    if ((i.RepoTags ?? []).some((t) => t.includes(`/${namespace}/`))) await docker.getImage(i.Id).remove({ force: true }).catch(() => undefined);
  }
}

describe('faults around the engine', () => {
  let ws: Workspace | undefined;
  let server: Server | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy(); // the engine's push then fails at once
    server?.close();
    if (ws) await removeOurImages(ws.namespace);
    ws?.dispose();
    ws = server = undefined;
  });

  it('an engine that does not answer: exit 5 before any image starts, naming the socket and the fix', async () => {
    ws = soloWorkspace('FROM debian:bookworm-slim\n');
    const r = await ws.cli(['build'], { DOCKER_HOST: 'unix:///tmp/imagestack-no-engine.sock' });
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.stderr).toContain('does not answer at unix:///tmp/imagestack-no-engine.sock');
    expect(r.stderr).toContain('fix: start the engine (npm run setup');
    expect(r.stdout).not.toMatch(/failed|not done/);
  });

  it('a registry that does not answer: exit 4, naming the URL and the fix', async () => {
    ws = soloWorkspace('FROM debian:bookworm-slim\n');
    const r = await ws.cli(['build'], { IMAGESTACK_REGISTRY: '127.0.0.1:1' });
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stderr).toContain('http://127.0.0.1:1');
    expect(r.stderr).toContain('fix: start the registry');
    expect(r.stdout).not.toMatch(/failed|not done/);
  });

  it('a cancel during a push the registry never answers ends the run within seconds; nothing pushed', async () => {
    // A registry that accepts connections and never answers (a stalled registry).
    server = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const stalled = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    ws = soloWorkspace(`FROM debian:bookworm-slim\nRUN echo ${Date.now()} > /stamp\n`);
    const controller = new AbortController();
    let abortedAt = 0;
    const run = runPipeline({
      specsFile: path.join(ws.dir, 'specs.yml'),
      // References name the stalled registry; the plan and the push step's checks read the real one.
      registry: stalled,
      namespace: ws.namespace,
      client: new RegistryClient({ registry }),
      signal: controller.signal,
      reporter: (e) => {
        if (e.type === 'step' && e.step === 'push' && !abortedAt) {
          // Abort once the engine is pushing (its connection to the stalled registry is open).
          const started = Date.now();
          const poll = setInterval(() => {
            if (sockets.length || Date.now() - started > 5000) {
              clearInterval(poll);
              abortedAt = Date.now();
              controller.abort();
            }
          }, 50);
        }
      },
    });
    const result = await run;
    const took = Date.now() - abortedAt;
    expect(abortedAt).toBeGreaterThan(0);
    expect(took).toBeLessThan(5000);
    expect(result.ok).toBe(false);
    expect(result.results.map((r) => r.status)).toEqual(['cancelled']);
    expect(await new RegistryClient({ registry }).listTags(`${ws.namespace}/solo`).catch(() => [])).toEqual([]);
  }, 60_000);

  it('Ctrl-C during a build: exit 130, and none of the step images the build committed is left', async () => {
    ws = soloWorkspace(`FROM debian:bookworm-slim\nRUN echo ${Date.now()} > /stamp\nRUN sleep 60\n`);
    // The legacy builder's step images (BuildKit commits none: buildkit.test.ts covers its cancel).
    const child = spawn(process.execPath, [CLI, 'build'], { cwd: ws.dir, env: { ...process.env, IMAGESTACK_NAMESPACE: ws.namespace, IMAGESTACK_BUILDER: 'classic' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
    const logFile = path.join(ws.dir, 'dist/imagestack/logs/solo-1.log');
    const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
    for (let i = 0; i < 120 && !/Step 3\/\d+ : RUN sleep 60\n ---> Running in/.test(log()); i++) await new Promise((r) => setTimeout(r, 250));
    const interruptedAt = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    expect(code, out).toBe(130);
    expect(Date.now() - interruptedAt).toBeLessThan(10_000);
    // The image of step 2 (` ---> Running in …`, then ` ---> <id>`), committed by this build.
    const step2 = /Step 2\/\d+ :[^]*? ---> Running in [0-9a-f]+[^]*? ---> ([0-9a-f]{12})\s/.exec(log())?.[1];
    expect(step2, log()).toBeDefined();
    await expect(docker.getImage(step2!).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getImage('debian:bookworm-slim').inspect()).resolves.toBeDefined(); // the parent stays
  }, 60_000);

  it("a test's output beyond the bound is cut on disk, keeping the last bytes, and the report says so", async () => {
    ws = soloWorkspace('FROM debian:bookworm-slim\n', '\n    test: { command: "seq 1 200000", timeout: 60 }');
    ws.write('images/solo/test/.keep', '');
    ws.commit('a test that prints 1.3 MB');
    const r = await ws.cli(['build', '--no-push'], { IMAGESTACK_LOG_MAX_BYTES: '65536' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const file = path.join(ws.dir, 'dist/imagestack/logs/solo-1.log');
    expect(statSync(file).size).toBeLessThan(65536 + 300);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toMatch(/^\[imagestack: output cut: the first \d+ bytes were dropped/);
    expect(text).toMatch(/\b200000\b/);
    const report = JSON.parse(ws.read('dist/imagestack/report.json'));
    expect(report.images[0].logCutBytes).toBeGreaterThan(1_000_000);
    expect(report.images[0].reason).toContain('log cut');
  }, 60_000);
});
