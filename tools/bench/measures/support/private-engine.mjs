/**
 * A private, empty Docker engine that can download: a second `dockerd` with its own
 * data-root, exec-root and socket under a temp folder (as tools/engine/up.sh starts the
 * main one), on its own bridge with its own /24 of 172.31.0.0/16, for the measures that
 * build real Debian packages on a cold engine (cache-sharing.mjs).
 *
 * The shared engine is left alone: nothing of it is removed or restarted, its bridge
 * (`docker0`) and its iptables chains are not touched; the only thing read from it is
 * `debian:bookworm-slim` (`docker save`, once per image ID, then `docker load`), so every
 * private engine starts from the same base image ID and no Docker Hub access is needed.
 * The private dockerd runs with `--iptables=false` (two daemons managing the same chains
 * would fight); instead this module adds, and on stop deletes, exactly three rules of its
 * own: a MASQUERADE of its subnet and two FORWARD accepts for its bridge (the host's FORWARD
 * policy is DROP). RUN steps then reach Debian's archive like the main engine's do.
 *
 * Needs root, `ip` (iproute2), `iptables` and `dockerd`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { must, quiet, run } from './proc.mjs';

/**
 * Starts a private engine and waits until it answers.
 *
 * @param name short label (folder name, messages)
 * @param mainEnv the environment of the shared engine (its DOCKER_HOST), to copy the base image from
 * @returns `{ host, env, stop() }`: `env` is `mainEnv` with DOCKER_HOST set to the private
 *   engine; `stop()` ends dockerd, deletes its folder, its bridge and its iptables rules (idempotent)
 * @throws Error (with the end of dockerd's log) when it does not answer within 60 s
 */
export async function startPrivateEngine(name, mainEnv) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `isb-${name}-`));
  const host = `unix://${path.join(dir, 'docker.sock')}`;
  const env = { ...mainEnv, DOCKER_HOST: host };
  const log = path.join(dir, 'dockerd.log');
  const bridge = `isb-${randomBytes(3).toString('hex')}`;
  const bip = freeSubnet();
  const subnet = bip.replace(/\.1\/24$/, '.0/24');
  const rules = [
    ['-t', 'nat', 'POSTROUTING', '-s', subnet, '!', '-o', bridge, '-j', 'MASQUERADE'],
    ['-t', 'filter', 'FORWARD', '-i', bridge, '-j', 'ACCEPT'],
    ['-t', 'filter', 'FORWARD', '-o', bridge, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
  ];
  const iptables = (op, [t, table, chain, ...spec]) => run('iptables', [t, table, op, chain, ...spec]);
  let child;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      clearTimeout(killer);
    }
    for (const m of quiet('findmnt', ['-rn', '-o', 'TARGET']).split('\n').filter((t) => t.startsWith(dir)).reverse()) await run('umount', ['-l', m]);
    rmSync(dir, { recursive: true, force: true });
    for (const r of rules) await iptables('-D', r);
    await run('ip', ['link', 'del', bridge]);
  };
  try {
    for (const args of [['link', 'add', 'name', bridge, 'type', 'bridge'], ['addr', 'add', bip, 'dev', bridge], ['link', 'set', bridge, 'up']]) {
      await must('ip', args);
    }
    for (const r of rules) await must('iptables', [r[0], r[1], '-I', r[2], ...r.slice(3)]);
    child = spawn(
      'dockerd',
      ['--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'), '--host', host, '--pidfile', path.join(dir, 'dockerd.pid'),
        `--bridge=${bridge}`, '--iptables=false', '--ip6tables=false'],
      { detached: true, stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')] },
    );
    child.unref();
    const deadline = Date.now() + 60_000;
    while (!quiet('docker', ['version', '--format', '{{.Server.Version}}'], { env })) {
      if (child.exitCode !== null || Date.now() > deadline) {
        const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-15).join('\n') : '';
        throw new Error(`private engine "${name}" did not answer within 60 s\n${tail}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    await must('docker', ['load', '-q', '-i', savedImage(mainEnv, 'debian:bookworm-slim')], { env });
    return { host, env, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** `docker save` of an image of the shared engine, once per image ID (kept in the temp folder, shared with test/support/engines.ts). */
function savedImage(mainEnv, image) {
  const id = quiet('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { env: mainEnv });
  if (!id) throw new Error(`the shared engine has no ${image} (run tools/engine/up.sh)`);
  const file = path.join(os.tmpdir(), `ise-image-${id.replace(/^sha256:/, '').slice(0, 16)}.tar`);
  if (!existsSync(file)) {
    const r = spawnSync('docker', ['save', '-o', `${file}.${process.pid}`, image], { env: mainEnv, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`docker save ${image} failed: ${r.stderr.trim()}`);
    renameSync(`${file}.${process.pid}`, file);
  }
  return file;
}

/** A /24 of 172.31.0.0/16 that no interface of the host uses yet, as the bridge's address (`172.31.N.1/24`). */
function freeSubnet() {
  const used = quiet('ip', ['-4', '-o', 'addr', 'show']);
  const start = Math.floor(Math.random() * 250);
  for (let i = 0; i < 250; i++) {
    const n = (start + i) % 250;
    if (!used.includes(` 172.31.${n}.`)) return `172.31.${n}.1/24`;
  }
  throw new Error('no free /24 in 172.31.0.0/16 for a private engine bridge');
}
