/**
 * Basic auth against a real docker-registry started here with `auth: htpasswd` (bcrypt
 * entries made here with bcryptjs, as `htpasswd -B` writes them), on its own free port,
 * and the credentials found everywhere the client looks: the environment, a Docker config
 * folder's `auths` (written by a real `docker login`), and `credHelpers` with a real
 * helper program on PATH. The client and the CLI (`imagestack plan`) are both exercised.
 * Nothing is faked.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError } from '../../src/core/errors';
import { RegistryClient, credentialSource, dockerAuthConfig, resolveCredentials, type RequestEvent } from '../../src/core/registry';
import { Workspace, writeTinyStack } from '../support/workspace';
import { docker, dockerImportTiny, dockerPush, startRegistry, type StartedRegistry } from './support';

const USER = 'tester';
// ':' and '@' inside: Basic splits at the first colon only.
const PASSWORD = 'imagestack:Test@pass-5150';
/** The htpasswd file docker-registry reads: `user:bcrypt` lines (cost 5 keeps the test fast). */
const HTPASSWD = `${USER}:${bcrypt.hashSync(PASSWORD, 5)}\n`;

/**
 * Writes `docker-credential-<name>` into `bin`: a helper following the docker credential
 * helper protocol (`get`, the server URL on stdin, `{"ServerURL","Username","Secret"}` on
 * stdout; "credentials not found" and exit 1 for other servers). It logs each server URL
 * it was asked for to `log`.
 */
function writeCredentialHelper(bin: string, name: string, server: string, username: string, secret: string, log: string): void {
  const file = path.join(bin, `docker-credential-${name}`);
  writeFileSync(
    file,
    `#!/bin/sh
[ "$1" = get ] || { echo "unsupported: $1" >&2; exit 1; }
read -r url
printf '%s\\n' "$url" >> '${log}'
if [ "$url" = '${server}' ]; then
  printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\\n' "$url" '${username}' '${secret}'
else
  echo "credentials not found in native keychain"
  exit 1
fi
`,
  );
  chmodSync(file, 0o755);
}

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
    // A real credential helper on a PATH of our own, named in credHelpers; auths holds a
    // stale password for the same host: the helper must win.
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    writeCredentialHelper(bin, 'imagestack-test', host, USER, PASSWORD, path.join(dir, 'helper.log'));
    mkdirSync(path.join(dir, 'helper-config'));
    writeFileSync(
      path.join(dir, 'helper-config', 'config.json'),
      JSON.stringify({ credHelpers: { [host]: 'imagestack-test' }, auths: { [host]: { auth: Buffer.from(`${USER}:stale-password`).toString('base64') } } }),
    );
    dockerImportTiny(`${host}/${repo}:base`, 'basic auth test');
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
      expect(err.message).toContain(
        `unauthorized: ${host} needs credentials and none were found; set IMAGESTACK_REGISTRY_USERNAME/PASSWORD or docker login ${host} (config.json auths, credHelpers or credsStore)`,
      );
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
    expect(credentialSource(creds)).toBe(`auths in ${path.join(dockerConfig, 'config.json')}`);
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
    expect(err.message).toContain(`unauthorized: ${host} rejected the credentials; check them`);
    expect(err.message).toContain(`docker login ${host}`);
    const text = `${err.message}\n${err.stack}\n${JSON.stringify(events)}`;
    for (const secret of [wrong, PASSWORD, Buffer.from(`${USER}:${wrong}`).toString('base64')]) expect(text).not.toContain(secret);
  });
  it('finds credentials in the environment', async () => {
    const creds = await resolveCredentials(host, { IMAGESTACK_REGISTRY_USERNAME: USER, IMAGESTACK_REGISTRY_PASSWORD: PASSWORD, DOCKER_CONFIG: path.join(dir, 'none') }, dir);
    expect(creds).toEqual({ username: USER, password: PASSWORD });
    expect(credentialSource(creds)).toBe('IMAGESTACK_REGISTRY_USERNAME/PASSWORD');
    expect(await new RegistryClient({ registry: host, credentials: creds }).listTags(repo)).toEqual(expect.arrayContaining(['base']));
  });

  it('runs a real credential helper named in credHelpers (server URL on stdin), before auths', async () => {
    const log = path.join(dir, 'helper.log');
    rmSync(log, { force: true });
    const config = path.join(dir, 'helper-config');
    const creds = await resolveCredentials(host, { PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, DOCKER_CONFIG: config }, dir);
    expect(creds).toEqual({ username: USER, password: PASSWORD });
    expect(credentialSource(creds)).toBe(`docker-credential-imagestack-test (credHelpers in ${path.join(config, 'config.json')})`);
    expect(readFileSync(log, 'utf8')).toBe(`${host}\n`);
    expect((await new RegistryClient({ registry: host, credentials: creds }).headManifest(repo, 'base'))?.digest).toBe(pushed.digest);
  });

  describe('imagestack plan (registry mode) through the CLI', () => {
    let ws: Workspace;
    let presentTag: string;
    beforeAll(async () => {
      ws = new Workspace('imagestack-basic-auth-');
      writeTinyStack(ws, host);
      ws.commit('tiny stack');
      // Put base@2026.1 in the registry (the Debian image under the planned tag), so the
      // plan can only call it present by reading the registry with working credentials.
      const offline = await ws.plan(['--offline']);
      presentTag = offline.images.find((e) => e.image === 'base' && e.version === '2026.1')!.tag;
      const ref = `${host}/${ws.namespace}/base:${presentTag}`;
      dockerImportTiny(ref, 'present base');
      dockerPush(ref, dockerConfig);
      docker(['rmi', ref]);
    });
    afterAll(() => ws?.dispose());

    const expectPlan = async (env: NodeJS.ProcessEnv) => {
      const r = await ws.cli(['plan', '--json'], { IMAGESTACK_REGISTRY: host, ...env });
      expect(r.code, r.stderr).toBe(0);
      const plan = JSON.parse(r.stdout) as { images: Array<{ image: string; version: string; action: string; tag: string }> };
      const base = plan.images.find((e) => e.image === 'base' && e.version === '2026.1')!;
      expect(base).toMatchObject({ action: 'skip', tag: presentTag });
      expect(plan.images.filter((e) => e.action === 'build')).toHaveLength(plan.images.length - 1);
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    };

    it('with credentials from the environment', async () => {
      await expectPlan({ DOCKER_CONFIG: path.join(dir, 'none'), IMAGESTACK_REGISTRY_USERNAME: USER, IMAGESTACK_REGISTRY_PASSWORD: PASSWORD });
    });

    it('with credentials from DOCKER_CONFIG (docker login)', async () => {
      await expectPlan({ DOCKER_CONFIG: dockerConfig });
    });

    it('with credentials from a credential helper', async () => {
      await expectPlan({ DOCKER_CONFIG: path.join(dir, 'helper-config'), PATH: `${path.join(dir, 'bin')}:${process.env.PATH}` });
    });

    it('anonymous: exit 4, naming the registry and how to give credentials', async () => {
      const r = await ws.cli(['plan'], { IMAGESTACK_REGISTRY: host, DOCKER_CONFIG: path.join(dir, 'none') });
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(`imagestack: registry: HEAD http://${host}/v2/${ws.namespace}/`);
      expect(r.stderr).toContain(`${host} needs credentials and none were found; set IMAGESTACK_REGISTRY_USERNAME/PASSWORD or docker login ${host}`);
    });

    it('a wrong password: exit 4 naming where the credentials came from, the password never printed', async () => {
      const wrong = 'Wrong-plan-pass-never-shown-48';
      const r = await ws.cli(['plan'], {
        IMAGESTACK_REGISTRY: host,
        DOCKER_CONFIG: path.join(dir, 'none'),
        IMAGESTACK_REGISTRY_USERNAME: USER,
        IMAGESTACK_REGISTRY_PASSWORD: wrong,
      });
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(`${host} rejected the credentials (from IMAGESTACK_REGISTRY_USERNAME/PASSWORD)`);
      for (const secret of [wrong, Buffer.from(`${USER}:${wrong}`).toString('base64')]) expect(r.stdout + r.stderr).not.toContain(secret);
    });
  });
});
