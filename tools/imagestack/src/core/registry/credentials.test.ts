import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credentialSource, dockerAuthConfig, normalizeRegistryHost, resolveCredentials, runCredentialHelper } from './credentials';
import { redact } from './redact';

// Every test gets its own HOME, DOCKER_CONFIG and PATH with a fake
// `docker-credential-test` helper, so the machine's real Docker config is never read.
let root: string;
let home: string;
let bin: string;
let helperLog: string;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'imagestack-creds-'));
  home = path.join(root, 'home');
  bin = path.join(root, 'bin');
  helperLog = path.join(root, 'helper.log');
  mkdirSync(path.join(home, '.docker'), { recursive: true });
  mkdirSync(bin);
  // Follows the docker-credential-helpers protocol: `get`, server URL on stdin, JSON on stdout.
  writeHelper(
    'test',
    `#!/bin/sh
[ "$1" = get ] || exit 2
read -r server
printf '%s\\n' "$server" >> '${helperLog}'
case "$server" in
  token.example.com) printf '{"ServerURL":"%s","Username":"<token>","Secret":"identity-from-helper"}' "$server" ;;
  missing.example.com) echo "credentials not found in native keychain"; exit 1 ;;
  *) printf '{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret-%s"}' "$server" "$server" ;;
esac
`,
  );
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function writeHelper(name: string, script: string): void {
  const file = path.join(bin, `docker-credential-${name}`);
  writeFileSync(file, script);
  chmodSync(file, 0o755);
}

function writeConfig(config: unknown, dir = path.join(home, '.docker')): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
}

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: `${bin}:${process.env.PATH}`, HOME: home, ...extra };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('resolveCredentials', () => {
  it('prefers IMAGESTACK_REGISTRY_USERNAME/PASSWORD over every Docker config source, for any registry', async () => {
    writeConfig({ auths: { 'ghcr.io': { auth: b64('cfg:cfg-pass') } }, credHelpers: { 'ghcr.io': 'test' } });
    const e = env({ IMAGESTACK_REGISTRY_USERNAME: 'ci', IMAGESTACK_REGISTRY_PASSWORD: 'ci-pass' });
    expect(await resolveCredentials('ghcr.io', e, home)).toEqual({ username: 'ci', password: 'ci-pass' });
    expect(await resolveCredentials('anything.example:5000', e, home)).toEqual({ username: 'ci', password: 'ci-pass' });
  });

  it('ignores the environment pair unless both are set', async () => {
    writeConfig({ auths: { 'ghcr.io': { auth: b64('cfg:cfg-pass') } } });
    expect(await resolveCredentials('ghcr.io', env({ IMAGESTACK_REGISTRY_USERNAME: 'ci' }), home)).toEqual({ username: 'cfg', password: 'cfg-pass' });
  });

  it('uses credHelpers[host] before auths[host], passing the host on stdin', async () => {
    writeConfig({ auths: { 'reg.example.com:5000': { auth: b64('cfg:cfg-pass') } }, credHelpers: { 'reg.example.com:5000': 'test' } });
    expect(await resolveCredentials('reg.example.com:5000', env(), home)).toEqual({
      username: 'helper-user',
      password: 'helper-secret-reg.example.com:5000',
    });
    expect(readFileSync(helperLog, 'utf8')).toBe('reg.example.com:5000\n');
  });

  it('skips a credHelper whose binary is missing, or that has nothing, and falls back to auths', async () => {
    writeConfig({
      auths: { 'a.example.com': { username: 'u', password: 'p-a' }, 'missing.example.com': { username: 'u', password: 'p-m' } },
      credHelpers: { 'a.example.com': 'not-installed', 'missing.example.com': 'test' },
    });
    expect(await resolveCredentials('a.example.com', env(), home)).toEqual({ username: 'u', password: 'p-a' });
    expect(await resolveCredentials('missing.example.com', env(), home)).toEqual({ username: 'u', password: 'p-m' });
  });

  it('reads auths entries: base64 auth (password may contain ":"), username/password, identitytoken, registrytoken', async () => {
    writeConfig({
      auths: {
        'one.example.com': { auth: b64('user:pa:ss') },
        'two.example.com': { username: 'u2', password: 'p2' },
        'three.example.com': { auth: b64('u3:'), identitytoken: 'refresh-3' },
        'four.example.com': { registrytoken: 'bearer-4' },
      },
    });
    expect(await resolveCredentials('one.example.com', env(), home)).toEqual({ username: 'user', password: 'pa:ss' });
    expect(await resolveCredentials('two.example.com', env(), home)).toEqual({ username: 'u2', password: 'p2' });
    expect(await resolveCredentials('three.example.com', env(), home)).toEqual({ username: 'u3', identityToken: 'refresh-3' });
    expect(await resolveCredentials('four.example.com', env(), home)).toEqual({ registryToken: 'bearer-4' });
    expect(await resolveCredentials('five.example.com', env(), home)).toBeUndefined();
  });

  it('matches keys written with a scheme or path, and Docker Hub under https://index.docker.io/v1/', async () => {
    writeConfig({
      auths: {
        'https://reg.example.com': { auth: b64('s:scheme') },
        'https://index.docker.io/v1/': { auth: b64('hub:hub-pass') },
        'http://plain.example.com:5000/v2/': { auth: b64('p:plain') },
      },
    });
    expect(await resolveCredentials('reg.example.com', env(), home)).toEqual({ username: 's', password: 'scheme' });
    expect(await resolveCredentials('docker.io', env(), home)).toEqual({ username: 'hub', password: 'hub-pass' });
    expect(await resolveCredentials('index.docker.io', env(), home)).toEqual({ username: 'hub', password: 'hub-pass' });
    expect(await resolveCredentials('plain.example.com:5000', env(), home)).toEqual({ username: 'p', password: 'plain' });
  });

  it('uses credsStore last, when auths has no secret for the host (Docker leaves empty entries there)', async () => {
    writeConfig({ auths: { 'store.example.com': {} }, credsStore: 'test' });
    expect(await resolveCredentials('store.example.com', env(), home)).toEqual({
      username: 'helper-user',
      password: 'helper-secret-store.example.com',
    });
  });

  it('asks helpers about Docker Hub as https://index.docker.io/v1/, as the Docker CLI does', async () => {
    writeConfig({ credsStore: 'test' });
    const creds = await resolveCredentials('docker.io', env(), home);
    expect(creds?.password).toBe('helper-secret-https://index.docker.io/v1/');
    expect(readFileSync(helperLog, 'utf8')).toBe('https://index.docker.io/v1/\n');
  });

  it('says where each credential came from (credentialSource), for error messages; never a secret', async () => {
    const config = path.join(home, '.docker', 'config.json');
    writeConfig({ auths: { 'a.example.com': { auth: b64('u:p-a') } }, credHelpers: { 'h.example.com': 'test' }, credsStore: 'test' });
    const source = async (host: string, extra: NodeJS.ProcessEnv = {}) => credentialSource(await resolveCredentials(host, env(extra), home));
    expect(await source('a.example.com', { IMAGESTACK_REGISTRY_USERNAME: 'ci', IMAGESTACK_REGISTRY_PASSWORD: 'ci-pass' })).toBe('IMAGESTACK_REGISTRY_USERNAME/PASSWORD');
    expect(await source('a.example.com')).toBe(`auths in ${config}`);
    expect(await source('h.example.com')).toBe(`docker-credential-test (credHelpers in ${config})`);
    expect(await source('s.example.com')).toBe(`docker-credential-test (credsStore in ${config})`);
    expect(await source('missing.example.com')).toBeUndefined();
    expect(credentialSource({ username: 'given', password: 'by-the-caller' })).toBeUndefined();
  });

  it('reads a helper Username of <token> as an identity token', async () => {
    writeConfig({ credHelpers: { 'token.example.com': 'test' } });
    expect(await resolveCredentials('token.example.com', env(), home)).toEqual({ identityToken: 'identity-from-helper' });
  });

  it('answers undefined for a failing or missing credsStore helper', async () => {
    writeConfig({ credsStore: 'test' });
    expect(await resolveCredentials('missing.example.com', env(), home)).toBeUndefined();
    writeConfig({ credsStore: 'not-installed' });
    expect(await resolveCredentials('x.example.com', env(), home)).toBeUndefined();
    expect(await runCredentialHelper('../evil', 'x', env())).toBeUndefined();
  });

  it('reads $DOCKER_CONFIG/config.json instead of ~/.docker/config.json', async () => {
    writeConfig({ auths: { 'reg.example.com': { auth: b64('home:home-pass') } } });
    const dockerConfig = path.join(root, 'docker-config');
    writeConfig({ auths: { 'reg.example.com': { auth: b64('dc:dc-pass') } } }, dockerConfig);
    expect(await resolveCredentials('reg.example.com', env({ DOCKER_CONFIG: dockerConfig }), home)).toEqual({ username: 'dc', password: 'dc-pass' });
    expect(await resolveCredentials('reg.example.com', env(), home)).toEqual({ username: 'home', password: 'home-pass' });
  });

  it('answers undefined without a config file, and for a malformed one', async () => {
    expect(await resolveCredentials('reg.example.com', env(), home)).toBeUndefined();
    writeConfig('{ not json');
    expect(await resolveCredentials('reg.example.com', env(), home)).toBeUndefined();
  });

  it('registers what it finds with the redactor', async () => {
    writeConfig({ auths: { 'reg.example.com': { auth: b64('me:resolved-Secret-9') } } });
    await resolveCredentials('reg.example.com', env(), home);
    expect(redact('oops resolved-Secret-9 leaked')).toBe('oops *** leaked');
  });
});

describe('normalizeRegistryHost and dockerAuthConfig', () => {
  it('normalizes config keys the way the Docker CLI does', () => {
    expect(normalizeRegistryHost('https://index.docker.io/v1/')).toBe('docker.io');
    expect(normalizeRegistryHost('registry-1.docker.io')).toBe('docker.io');
    expect(normalizeRegistryHost('HTTPS://GHCR.IO/')).toBe('ghcr.io');
    expect(normalizeRegistryHost('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });

  it('builds the engine AuthConfig for dockerode push', () => {
    expect(dockerAuthConfig('127.0.0.1:5000', { username: 'u', password: 'p' })).toEqual({ username: 'u', password: 'p', serveraddress: '127.0.0.1:5000' });
    expect(dockerAuthConfig('docker.io', { identityToken: 'idt' })).toEqual({ serveraddress: 'https://index.docker.io/v1/', identitytoken: 'idt' });
    expect(dockerAuthConfig('ghcr.io', undefined)).toBeUndefined();
    expect(dockerAuthConfig('ghcr.io', { username: 'only-a-name' })).toBeUndefined();
  });
});
