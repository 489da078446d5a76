/**
 * Extra, private Docker engines for integration tests that need more than one node (the CI
 * matrix simulation, pre-pull to many engines). Each engine is a real `dockerd` with its own
 * data-root, exec-root (hence its own containerd) and socket under a temp folder; nothing is
 * shared with the main engine but the registry on 127.0.0.1.
 *
 * Each engine gets its own bridge interface `ise-<8 hex>` (no address, so no route and no
 * NAT: `--iptables=false`) instead of `docker0`, so several can run beside the main one
 * without fighting over `docker0` and its rules. Not `--bridge=none`: a dockerd started with
 * it deletes any `docker0` it finds (moby's `removeDefaultBridgeInterface`), which is the
 * main engine's, and the main engine's next RUN step then fails with "could not find bridge
 * docker0". Builds and containers get no way out, which is fine for stacks whose RUN steps
 * do not download anything. They reach the registry on 127.0.0.1 (insecure by default for
 * loopback), since pulls and pushes are done by the daemon in the host's network namespace.
 *
 * The base image is copied from the main engine (`docker save`, once, then `docker load`), so every engine
 * has the same image ID for `debian:bookworm-slim` and builds on it are comparable.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A running extra engine. */
export interface ExtraEngine {
  /** Short name given at start, e.g. `node-a`. */
  name: string;
  /** `unix://…/docker.sock`, for DOCKER_HOST or dockerode's `socketPath` (without the scheme). */
  dockerHost: string;
  /** The engine's folder (data-root, exec-root, socket, log). */
  dir: string;
  /** Stops the daemon (SIGTERM, then SIGKILL after 20 s) and removes its folder. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startEngine}. */
export interface StartEngineOptions {
  /** Images to copy from the main engine (`$DOCKER_HOST`) into the new one. Default: `['debian:bookworm-slim']`. */
  copyImages?: string[];
  /** How long to wait for the daemon to answer, ms. Default 30 000. */
  timeoutMs?: number;
}

/** `docker save` of an image of the main engine, once per image ID (kept in the temp folder). */
function savedImage(main: string, image: string): string {
  const env = { ...process.env, DOCKER_HOST: main };
  const id = spawnSync('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { env, encoding: 'utf8' });
  if (id.status !== 0) throw new Error(`the main engine has no ${image}: ${id.stderr.trim()}`);
  const file = path.join(os.tmpdir(), `ise-image-${id.stdout.trim().replace(/^sha256:/, '').slice(0, 16)}.tar`);
  if (!existsSync(file)) {
    const r = spawnSync('docker', ['save', '-o', `${file}.${process.pid}`, image], { env });
    if (r.status !== 0) throw new Error(`docker save ${image} failed: ${String(r.stderr).trim()}`);
    renameSync(`${file}.${process.pid}`, file);
  }
  return file;
}

function answers(host: string): boolean {
  return spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { env: { ...process.env, DOCKER_HOST: host } }).status === 0;
}

/**
 * Starts a private `dockerd` and waits until it answers.
 *
 * @param name a short label used in the folder name and in messages
 * @throws Error with the tail of the daemon's log when it does not answer within the timeout
 */
export async function startEngine(name: string, options: StartEngineOptions = {}): Promise<ExtraEngine> {
  const main = process.env.DOCKER_HOST;
  if (!main) throw new Error('DOCKER_HOST is not set: run inside the integration project (global setup starts the main engine)');
  // Short path: unix socket paths are limited to 107 bytes, containerd's to fewer.
  const dir = mkdtempSync(path.join(os.tmpdir(), `ise-${name}-`));
  const sock = path.join(dir, 'docker.sock');
  const dockerHost = `unix://${sock}`;
  const log = path.join(dir, 'dockerd.log');
  const bridge = `ise-${randomBytes(4).toString('hex')}`;
  const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });
  const made = ip('link', 'add', 'name', bridge, 'type', 'bridge');
  if (made.status !== 0) throw new Error(`cannot create the bridge ${bridge} for engine "${name}": ${made.stderr.trim()}`);
  ip('link', 'set', bridge, 'up');
  const child = spawn(
    'sh',
    [
      '-c',
      `exec dockerd --data-root "$1/data" --exec-root "$1/exec" --host "$2" --pidfile "$1/dockerd.pid" --bridge=${bridge} --iptables=false --ip6tables=false >"$3" 2>&1`,
      'dockerd',
      dir,
      dockerHost,
      log,
    ],
    { detached: true, stdio: 'ignore' },
  );
  child.unref();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    // dockerd unmounts its layers on a clean exit; anything still mounted keeps the folder.
    spawnSync('sh', ['-c', `grep -o " ${dir}[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
    rmSync(dir, { recursive: true, force: true });
    ip('link', 'delete', bridge);
  };

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!answers(dockerHost)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-20).join('\n') : '';
      await stop();
      throw new Error(`dockerd "${name}" did not answer:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  for (const image of options.copyImages ?? ['debian:bookworm-slim']) {
    const r = spawnSync('docker', ['load', '-q', '-i', savedImage(main, image)], { env: { ...process.env, DOCKER_HOST: dockerHost } });
    if (r.status !== 0) {
      await stop();
      throw new Error(`loading ${image} into engine "${name}" failed: ${String(r.stderr).trim()}`);
    }
  }
  return { name, dockerHost, dir, stop };
}
