/**
 * Engine addresses for `prepull --engine`: `[name=]DOCKER_HOST`, where DOCKER_HOST is
 * written as the Docker CLI takes it (`unix:///path/docker.sock`, `tcp://host:2375`,
 * `ssh://user@host`), turned into dockerode (docker-modem) connection options. No I/O.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { InputError } from '../errors';

/** One engine to pull on. */
export interface EngineTarget {
  /** The node's name in progress and the summary: the `name=` given, else the host. */
  name: string;
  /** The DOCKER_HOST value as given, e.g. `unix:///run/docker.sock`. */
  host: string;
  /** dockerode constructor options. */
  options: Docker.DockerOptions;
}

/**
 * Parses one `--engine` value.
 *
 * TLS (`tcp://…:2376`, or `DOCKER_TLS_VERIFY=1`) reads `ca.pem`, `cert.pem`, `key.pem` from
 * `DOCKER_CERT_PATH` (default `~/.docker`), as the Docker CLI does.
 *
 * @throws InputError naming the value and the accepted forms when it cannot be read
 */
export function parseEngineTarget(value: string, env: NodeJS.ProcessEnv = process.env): EngineTarget {
  const bad = (message: string) =>
    new InputError({
      file: `--engine ${value}`,
      message,
      fix: 'write [name=]unix:///path/docker.sock, [name=]tcp://host:2375 or [name=]ssh://user@host',
    });
  const eq = value.indexOf('=');
  const named = eq > 0 && !value.slice(0, eq).includes('/');
  const name = named ? value.slice(0, eq) : value;
  const host = named ? value.slice(eq + 1) : value;
  if (!host) throw bad('no engine address');
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw bad('a unix socket needs an absolute path: unix:///path/docker.sock');
    return { name, host, options: { socketPath } };
  }
  let url: URL;
  try {
    url = new URL(host.includes('://') ? host : `tcp://${host}`);
  } catch {
    throw bad('not an engine address');
  }
  if (!url.hostname) throw bad('no host name');
  if (url.protocol === 'ssh:') {
    return {
      name,
      host,
      options: { protocol: 'ssh', host: url.hostname, port: url.port ? Number(url.port) : 22, username: decodeURIComponent(url.username) || undefined, sshOptions: { agent: env.SSH_AUTH_SOCK } } as Docker.DockerOptions,
    };
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`unsupported scheme ${url.protocol}`);
  const port = url.port || (url.protocol === 'https:' ? '2376' : '2375');
  const tls = url.protocol === 'https:' || port === '2376' || env.DOCKER_TLS_VERIFY === '1';
  const options: Docker.DockerOptions = { host: url.hostname, port: Number(port), protocol: tls ? 'https' : 'http' };
  if (tls) {
    const dir = env.DOCKER_CERT_PATH || path.join(env.HOME ?? '', '.docker');
    const read = (f: string) => (existsSync(path.join(dir, f)) ? readFileSync(path.join(dir, f)) : undefined);
    Object.assign(options, { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') });
  }
  return { name, host, options };
}
