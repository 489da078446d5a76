/**
 * A cold Docker engine for one benchmark: a second `dockerd` with its own data root (no
 * layers at all, as on a fresh CI runner), so `docker pull` really downloads every layer.
 * The shared engine cannot give that: its layers are shared with every other image built
 * from the same steps.
 *
 * It runs in its own network namespace (`unshare --net`). Started in the host's namespace,
 * a second dockerd would touch the host's network (with `--bridge=none` it deletes the
 * `docker0` bridge the shared engine's containers need). Inside, loopback is private, so a
 * tiny TCP → Unix-socket forwarder listens on 127.0.0.1:<port> there and hands connections
 * to a Unix socket outside (the counting proxy's, see counting-proxy.mjs): references like
 * `127.0.0.1:<port>/ns/image:tag` name the same registry inside and outside, and the engine
 * treats 127.0.0.0/8 as an insecure (plain HTTP) registry.
 *
 * Needs root, `unshare` (util-linux), `ip` (iproute2) and `dockerd` (the shared engine's).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { quiet, run } from './proc.mjs';

const FORWARDER = `'use strict';
const net = require('node:net');
const [port, socketPath] = process.argv.slice(2);
net.createServer((c) => {
  const u = net.connect(socketPath);
  c.pipe(u).pipe(c);
  c.on('error', () => u.destroy());
  u.on('error', () => c.destroy());
}).listen(Number(port), '127.0.0.1');
`;

/**
 * Starts the engine.
 *
 * @param dir an empty folder for its state (data root, exec root, socket, logs)
 * @param registryPort the port the forwarder listens on inside the namespace
 * @param socketPath the Unix socket outside that it forwards to
 * @returns `{ host, env, stop() }`: `host` is `unix://…` for DOCKER_HOST; `env` the process
 *   environment with it; `stop()` ends dockerd and the forwarder and deletes `dir`
 * @throws Error (with the end of dockerd's log) when it does not answer within 60 s
 */
export async function startColdEngine(dir, { registryPort, socketPath, env = process.env }) {
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  mkdirSync(path.join(dir, 'exec'), { recursive: true });
  writeFileSync(path.join(dir, 'forward.cjs'), FORWARDER);
  const sock = path.join(dir, 'docker.sock');
  const pidFile = path.join(dir, 'dockerd.pid');
  const fwdPid = path.join(dir, 'forward.pid');
  const log = path.join(dir, 'dockerd.log');
  const script = [
    'set -e',
    'ip link set lo up',
    `"${process.execPath}" "${path.join(dir, 'forward.cjs')}" ${registryPort} "${socketPath}" & echo $! > "${fwdPid}"`,
    `exec dockerd --data-root "${path.join(dir, 'data')}" --exec-root "${path.join(dir, 'exec')}" --host "unix://${sock}" ` +
      `--pidfile "${pidFile}" --bridge=none --iptables=false --ip6tables=false >"${log}" 2>&1`,
  ].join('\n');
  const child = spawn('unshare', ['--net', '--fork', 'bash', '-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  const host = `unix://${sock}`;
  const engineEnv = { ...env, DOCKER_HOST: host };
  const stop = async () => {
    for (const f of [pidFile, fwdPid]) {
      const pid = existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : undefined;
      if (!pid) continue;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        continue;
      }
      for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    // dockerd unmounts its layers on shutdown; anything left would make rm fail on a busy mount.
    for (const m of quiet('findmnt', ['-rn', '-o', 'TARGET']).split('\n').filter((t) => t.startsWith(dir)).reverse()) {
      await run('umount', ['-l', m]);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 240; i++) {
    if (quiet('docker', ['version', '--format', '{{.Server.Version}}'], { env: engineEnv })) return { host, env: engineEnv, stop };
    await sleep(250);
  }
  const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-15).join('\n') : '(no log)';
  await stop();
  throw new Error(`the cold engine did not start within 60 s:\n${tail}`);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
