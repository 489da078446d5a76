/**
 * Where registry credentials come from, in the order the Docker CLI users expect, with
 * one imagestack-specific source in front for CI:
 *
 * 1. `IMAGESTACK_REGISTRY_USERNAME` + `IMAGESTACK_REGISTRY_PASSWORD` (any registry);
 * 2. the Docker CLI config, `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`:
 *    a. `credHelpers[host]`: run `docker-credential-<helper> get`;
 *    b. `auths[host]`: `auth` (base64 `user:pass`), `username`/`password`,
 *       `identitytoken`, `registrytoken`;
 *    c. `credsStore`: run `docker-credential-<store> get`.
 *
 * Keys of `auths`/`credHelpers` are matched the way the Docker CLI matches them: scheme
 * and path are ignored (`https://ghcr.io/v1/` is `ghcr.io`), and Docker Hub's aliases
 * (`docker.io`, `index.docker.io`, `registry-1.docker.io`, `https://index.docker.io/v1/`)
 * are one host. Credential helpers follow the docker-credential-helpers protocol: the
 * server URL on stdin, `{"ServerURL","Username","Secret"}` on stdout; a `Username` of
 * `<token>` means `Secret` is an identity (refresh) token.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { registerSecret } from './redact';

/** Credentials for one registry. All fields are secrets except `username`. */
export interface Credentials {
  /** Account name for Basic auth or the token server. */
  username?: string;
  /** Password or personal access token, sent as Basic auth or to the token server. */
  password?: string;
  /** OAuth2 refresh token (`identitytoken` in config.json, `<token>` from a helper), exchanged at the token server. */
  identityToken?: string;
  /** A ready bearer token (`registrytoken` in config.json), sent as is. */
  registryToken?: string;
}

/** Where each resolved {@link Credentials} object came from (see {@link credentialSource}). */
const sources = new WeakMap<Credentials, string>();

/**
 * Where `creds` came from, in words for error messages, e.g.
 * `IMAGESTACK_REGISTRY_USERNAME/PASSWORD`, `docker-credential-pass (credHelpers in
 * /home/me/.docker/config.json)`, `auths in /home/me/.docker/config.json`. Never a secret.
 *
 * @returns `undefined` for credentials not found by {@link resolveCredentials} (given by the caller)
 */
export function credentialSource(creds: Credentials | undefined): string | undefined {
  return creds ? sources.get(creds) : undefined;
}

function tagged(creds: Credentials | undefined, source: string): Credentials | undefined {
  if (creds) sources.set(creds, source);
  return creds;
}

/** Docker Hub's canonical host and the key the Docker CLI writes for it. */
const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** How long a credential helper may take before we give up on it (ms). */
const HELPER_TIMEOUT_MS = 15_000;

/**
 * The host a config.json key or a registry name stands for: scheme, path and trailing
 * slash removed, lower-cased, Docker Hub aliases mapped to `docker.io`.
 */
export function normalizeRegistryHost(keyOrHost: string): string {
  let h = keyOrHost.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  h = h.split('/')[0];
  return DOCKER_HUB_ALIASES.has(h) ? DOCKER_HUB : h;
}

/** The server address Docker uses for `registry` in helpers and the engine's AuthConfig. */
function serverAddress(registry: string): string {
  return normalizeRegistryHost(registry) === DOCKER_HUB ? DOCKER_HUB_SERVER : registry;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

function lookup<T>(map: Record<string, T> | undefined, host: string): T | undefined {
  if (!map || typeof map !== 'object') return undefined;
  if (Object.prototype.hasOwnProperty.call(map, host)) return map[host];
  for (const [key, value] of Object.entries(map)) if (normalizeRegistryHost(key) === host) return value;
  return undefined;
}

function nonEmpty(c: Credentials): Credentials | undefined {
  const out: Credentials = {};
  if (c.username) out.username = c.username;
  if (c.password) out.password = c.password;
  if (c.identityToken) out.identityToken = c.identityToken;
  if (c.registryToken) out.registryToken = c.registryToken;
  return out.password || out.identityToken || out.registryToken ? out : undefined;
}

function fromAuthEntry(entry: NonNullable<DockerConfigFile['auths']>[string] | undefined): Credentials | undefined {
  if (!entry || typeof entry !== 'object') return undefined;
  let { username, password } = entry;
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  return nonEmpty({ username, password, identityToken: entry.identitytoken, registryToken: entry.registrytoken });
}

/**
 * Runs `docker-credential-<helper> get` with `serverUrl` on stdin.
 *
 * @returns the credentials, or `undefined` when the helper is not installed, fails
 *   (e.g. "credentials not found in native keychain"), times out or prints no secret.
 *   Never throws: a broken helper must not stop a build that may not need credentials.
 */
export function runCredentialHelper(
  helper: string,
  serverUrl: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credentials | undefined> {
  if (!/^[A-Za-z0-9_.-]+$/.test(helper)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let child: ReturnType<typeof execFile>;
    try {
      child = execFile(
        `docker-credential-${helper}`,
        ['get'],
        { env, timeout: HELPER_TIMEOUT_MS, maxBuffer: 1024 * 1024, encoding: 'utf8' },
        (err, stdout) => {
          if (err) return resolve(undefined);
          try {
            const out = JSON.parse(String(stdout)) as { Username?: string; Secret?: string };
            if (typeof out.Secret !== 'string' || !out.Secret) return resolve(undefined);
            if (out.Username === '<token>') return resolve({ identityToken: out.Secret });
            resolve(nonEmpty({ username: out.Username, password: out.Secret }));
          } catch {
            resolve(undefined);
          }
        },
      );
    } catch {
      return resolve(undefined);
    }
    child.on('error', () => resolve(undefined));
    child.stdin?.on('error', () => undefined); // EPIPE when the helper does not exist or exits early
    child.stdin?.end(serverUrl);
  });
}

/**
 * Finds credentials for `registry` (host[:port]) in the sources listed in this module's
 * header, first match wins. Every secret found is registered with the redactor.
 *
 * @param env environment to read (`IMAGESTACK_REGISTRY_USERNAME/PASSWORD`, `DOCKER_CONFIG`,
 *   and `PATH` for credential helpers); default `process.env`
 * @param homeDir home directory for `~/.docker/config.json`; default `os.homedir()`
 * @returns the credentials, or `undefined` for anonymous access. Never throws: a missing
 *   or malformed config file or a missing helper binary is skipped.
 */
export async function resolveCredentials(
  registry: string,
  env: NodeJS.ProcessEnv = process.env,
  homeDir: string = os.homedir(),
): Promise<Credentials | undefined> {
  const found = await findCredentials(registry, env, homeDir);
  if (found) {
    registerSecret(found.password);
    registerSecret(found.identityToken);
    registerSecret(found.registryToken);
    if (found.username && found.password)
      registerSecret(Buffer.from(`${found.username}:${found.password}`).toString('base64'));
  }
  return found;
}

async function findCredentials(registry: string, env: NodeJS.ProcessEnv, homeDir: string): Promise<Credentials | undefined> {
  const username = env.IMAGESTACK_REGISTRY_USERNAME;
  const password = env.IMAGESTACK_REGISTRY_PASSWORD;
  if (username && password) return tagged({ username, password }, 'IMAGESTACK_REGISTRY_USERNAME/PASSWORD');

  const configDir = env.DOCKER_CONFIG || path.join(homeDir, '.docker');
  const configFile = path.join(configDir, 'config.json');
  let config: DockerConfigFile;
  try {
    config = JSON.parse(await readFile(configFile, 'utf8')) as DockerConfigFile;
    if (!config || typeof config !== 'object') return undefined;
  } catch {
    return undefined;
  }
  const host = normalizeRegistryHost(registry);
  const server = serverAddress(registry);

  const helper = lookup(config.credHelpers, host);
  if (typeof helper === 'string' && helper) {
    const creds = await runCredentialHelper(helper, server, env);
    if (creds) return tagged(creds, `docker-credential-${helper} (credHelpers in ${configFile})`);
  }
  const fromAuths = fromAuthEntry(lookup(config.auths, host));
  if (fromAuths) return tagged(fromAuths, `auths in ${configFile}`);
  if (typeof config.credsStore === 'string' && config.credsStore) {
    return tagged(await runCredentialHelper(config.credsStore, server, env), `docker-credential-${config.credsStore} (credsStore in ${configFile})`);
  }
  return undefined;
}

/**
 * The engine's `AuthConfig` for pushing to `registry` with dockerode
 * (`image.push({ authconfig })`): `serveraddress` is `https://index.docker.io/v1/` for
 * Docker Hub and `registry` otherwise.
 *
 * @returns `undefined` when `creds` is absent or holds no secret (anonymous push)
 */
export function dockerAuthConfig(
  registry: string,
  creds?: Credentials,
): { username?: string; password?: string; serveraddress: string; identitytoken?: string; registrytoken?: string } | undefined {
  if (!creds || !(creds.password || creds.identityToken || creds.registryToken)) return undefined;
  const out: { username?: string; password?: string; serveraddress: string; identitytoken?: string; registrytoken?: string } = {
    serveraddress: serverAddress(registry),
  };
  if (creds.username) out.username = creds.username;
  if (creds.password) out.password = creds.password;
  if (creds.identityToken) out.identitytoken = creds.identityToken;
  if (creds.registryToken) out.registrytoken = creds.registryToken;
  return out;
}
