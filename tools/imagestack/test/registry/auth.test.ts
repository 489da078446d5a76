/**
 * Basic auth against a real docker-registry started here with `auth: htpasswd` (bcrypt
 * entries), on its own free port, and the credentials found where `docker login` puts
 * them. Nothing is faked.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError } from '../../src/core/errors';
import { RegistryClient, dockerAuthConfig, resolveCredentials, type RequestEvent } from '../../src/core/registry';
import { docker, dockerPush, startRegistry, type StartedRegistry } from './support';

const USER = 'tester';
const PASSWORD = 'imagestack-Test-pass-5150';
// bcrypt (cost 5) of PASSWORD, as `htpasswd -B` writes it; made once with
// python3 -c "import crypt; print(crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=32)))".
const HTPASSWD = `${USER}:$2b$05$cH3gvYHv6UDKVmbIlmPteuZ.yibx0PB6ZnbsgG0DSkJkycJpo35BC\n`;

describe('docker-registry with htpasswd basic auth', () => {
  let dir: string;
  let started: StartedRegistry;
  let host: string;
  let dockerConfig: string;
  let pushed: { digest: string; size: number };
  const repo = 'imagestack-test/private';

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-auth-registry-'));
    writeFileSync(path.join(dir, 'htpasswd'), HTPASSWD);
    started = await startRegistry(
      dir,
      `auth:
  htpasswd:
    realm: imagestack-test
    path: ${path.join(dir, 'htpasswd')}
`,
    );
    host = started.host;
    // A private Docker client config, so the machine's ~/.docker/config.json is untouched.
    dockerConfig = path.join(dir, 'docker-config');
    mkdirSync(dockerConfig);
    docker(['--config', dockerConfig, 'login', '--username', USER, '--password-stdin', host], PASSWORD);
    docker(['tag', 'debian:bookworm-slim', `${host}/${repo}:base`]);
    pushed = dockerPush(`${host}/${repo}:base`, dockerConfig);
    docker(['rmi', `${host}/${repo}:base`]);
  });

  afterAll(async () => {
    await started?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('anonymous: RegistryError 401 that says how to log in', async () => {
    const client = new RegistryClient({ registry: host, credentials: null });
    for (const attempt of [() => client.ping(), () => client.headManifest(repo, 'base'), () => client.listTags(repo)]) {
      const err = (await attempt().catch((e: unknown) => e)) as RegistryError;
      expect(err).toBeInstanceOf(RegistryError);
      expect(err.status).toBe(401);
      expect(err.temporary).toBe(false);
      expect(err.message).toContain(`unauthorized: set IMAGESTACK_REGISTRY_USERNAME/PASSWORD or docker login ${host}`);
    }
  });

  it('with credentials: every operation works, Basic is sent up front after the first challenge', async () => {
    const events: RequestEvent[] = [];
    const client = new RegistryClient({ registry: host, credentials: { username: USER, password: PASSWORD }, onRequest: (e) => events.push(e) });
    await client.ping();
    expect(events.map((e) => e.status)).toEqual([401, 200]);
    expect(client.transport.auth.challenge).toEqual({ scheme: 'basic', params: { realm: 'imagestack-test' } });

    events.length = 0;
    const d = await client.headManifest(repo, 'base');
    expect(d?.digest).toBe(pushed.digest);
    expect(events.map((e) => e.status)).toEqual([200]);

    expect(await client.listTags(repo)).toEqual(['base']);
    const { descriptor, bytes } = await client.getManifest(repo, 'base');
    expect((await client.putManifest(repo, 'retagged', bytes, descriptor.mediaType)).digest).toBe(pushed.digest);
    const { config } = await client.getImageConfig(repo, 'retagged');
    expect(config.os).toBe('linux');
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
  });

  it('finds the credentials docker login wrote, and hands them to the engine', async () => {
    const creds = await resolveCredentials(host, { PATH: process.env.PATH, DOCKER_CONFIG: dockerConfig }, dir);
    expect(creds).toEqual({ username: USER, password: PASSWORD });
    expect(dockerAuthConfig(host, creds)).toEqual({ username: USER, password: PASSWORD, serveraddress: host });
    const client = new RegistryClient({ registry: host, credentials: creds });
    expect((await client.headManifest(repo, 'base'))?.digest).toBe(pushed.digest);
  });

  it('a wrong password: 401 naming the fix, and neither password in the error', async () => {
    const wrong = 'Wrong-pass-never-shown-77';
    const events: RequestEvent[] = [];
    const client = new RegistryClient({ registry: host, credentials: { username: USER, password: wrong }, onRequest: (e) => events.push(e) });
    const err = (await client.getManifest(repo, 'base').catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBe(401);
    expect(err.codes).toEqual(['UNAUTHORIZED']);
    expect(err.message).toContain('rejected the credentials');
    expect(err.message).toContain(`docker login ${host}`);
    const text = `${err.message}\n${err.stack}\n${JSON.stringify(events)}`;
    for (const secret of [wrong, PASSWORD, Buffer.from(`${USER}:${wrong}`).toString('base64')]) expect(text).not.toContain(secret);
  });
});
