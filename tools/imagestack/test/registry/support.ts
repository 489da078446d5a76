/**
 * Helpers of the registry integration tests: run the real `docker` CLI against the
 * engine of the global setup, and start extra real `docker-registry` instances.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { testEnvironment } from '../support/env';

/** Runs `docker …` against DOCKER_HOST and returns its stdout. */
export function docker(args: string[], input?: string, extraEnv: NodeJS.ProcessEnv = {}): string {
  const { dockerHost } = testEnvironment();
  return execFileSync('docker', args, {
    encoding: 'utf8',
    input,
    env: { ...process.env, DOCKER_HOST: dockerHost, ...extraEnv },
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: 10 * 60_000,
  });
}

/** `docker push` and the digest and size it printed (`<tag>: digest: sha256:… size: N`). */
export function dockerPush(ref: string, configDir?: string): { digest: string; size: number } {
  const out = docker([...(configDir ? ['--config', configDir] : []), 'push', ref]);
  const m = /digest: (sha256:[0-9a-f]{64}) size: (\d+)/.exec(out);
  if (!m) throw new Error(`docker push ${ref} printed no digest:\n${out}`);
  return { digest: m[1], size: Number(m[2]) };
}

/** Builds `ref` from a Dockerfile given as text (no context) and returns the image ID. */
export function dockerBuild(ref: string, dockerfile: string): string {
  docker(['build', '-q', '-t', ref, '-'], dockerfile);
  return docker(['image', 'inspect', '--format', '{{.Id}}', ref]).trim();
}

/**
 * Makes `ref` a tiny one-layer image (one small file, os linux) with `docker import`, for
 * tests that need an image in a registry but not Debian's 30 MB layer. `marker` goes into
 * the file, so different markers give different digests.
 */
export function dockerImportTiny(ref: string, marker: string): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-tiny-'));
  try {
    writeFileSync(path.join(dir, 'marker.txt'), `${marker}\n`);
    const tar = execFileSync('tar', ['-c', '-f', '-', '--mtime=@0', '--owner=0', '--group=0', '-C', dir, 'marker.txt']);
    const { dockerHost } = testEnvironment();
    execFileSync('docker', ['import', '-', ref], { input: tar, env: { ...process.env, DOCKER_HOST: dockerHost }, stdio: ['pipe', 'pipe', 'pipe'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** A `docker-registry serve` we started; `stop()` ends exactly that process. */
export interface StartedRegistry {
  host: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts Debian's docker-registry on a free port of 127.0.0.1 with data and config in
 * `dir`, and `extraYaml` appended to the config (e.g. an `auth:` section). Resolves when
 * `/v2/` answers (any status).
 */
export async function startRegistry(dir: string, extraYaml = ''): Promise<StartedRegistry> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${path.join(dir, 'data')}
  delete:
    enabled: true
http:
  addr: ${host}
${extraYaml}`,
  );
  const log = openSync(path.join(dir, 'registry.log'), 'a');
  const child = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: ['ignore', log, log] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await fetch(`http://${host}/v2/`);
      break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill();
        throw new Error(`docker-registry did not start on ${host}; see ${path.join(dir, 'registry.log')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    host,
    process: child,
    async stop() {
      if (child.exitCode === null && child.pid !== undefined) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
