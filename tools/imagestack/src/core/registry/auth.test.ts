import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryError } from '../errors';
import { basicAuthorization } from './auth';
import { parseChallenges } from './challenge';
import { RegistryClient } from './client';
import { OCI_MANIFEST } from './media-types';

describe('parseChallenges (RFC 7235 section 4.1)', () => {
  it('reads a Docker Hub style bearer challenge with a comma inside a quoted scope', () => {
    expect(
      parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"'),
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:samalba/my-app:pull,push' },
      },
    ]);
  });

  it('reads several challenges in one header, with spaces, unquoted values and case-insensitive names', () => {
    expect(parseChallenges('Basic realm="Registry Realm", BEARER Realm=https://t.example/token , Service = "svc", error="invalid_token"')).toEqual([
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
      { scheme: 'bearer', params: { realm: 'https://t.example/token', service: 'svc', error: 'invalid_token' } },
    ]);
  });

  it('undoes quoted-pair escapes and keeps commas and equals signs inside quotes', () => {
    expect(parseChallenges('Bearer realm="a \\"quoted\\" realm, with = signs",scope="x"')).toEqual([
      { scheme: 'bearer', params: { realm: 'a "quoted" realm, with = signs', scope: 'x' } },
    ]);
  });

  it('reads token68 challenges and bare schemes', () => {
    expect(parseChallenges('Negotiate, Basic dXNlcjpwYXNz==, Bearer realm="r"')).toEqual([
      { scheme: 'negotiate', params: {} },
      { scheme: 'basic', params: {}, token68: 'dXNlcjpwYXNz==' },
      { scheme: 'bearer', params: { realm: 'r' } },
    ]);
  });

  it('returns what it can read from empty or malformed headers, never throws', () => {
    expect(parseChallenges(null)).toEqual([]);
    expect(parseChallenges('')).toEqual([]);
    expect(parseChallenges(' , ,')).toEqual([]);
    expect(parseChallenges('Bearer realm="unterminated')).toEqual([{ scheme: 'bearer', params: { realm: 'unterminated' } }]);
  });
});

// The bearer flow's corner cases run here against an in-process token server and an
// in-process fake registry (fast, and able to misbehave on purpose). The flow against the
// real docker-registry in `auth: token` mode, with a token issuer signing JWTs it verifies,
// is in test/registry/token-auth.test.ts; Basic auth against it in test/registry/auth.test.ts.
describe('bearer token flow (Docker registry token authentication)', () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  async function listen(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  interface Seen {
    method: string;
    url: string;
    authorization?: string;
    body: string;
  }

  /** A token server that issues `tok-<n>` (as `token`, or `access_token` when asked) and records requests. */
  async function tokenServer(opts: { field?: 'token' | 'access_token'; reject?: boolean } = {}) {
    const seen: Seen[] = [];
    let n = 0;
    const host = await listen((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
        if (opts.reject) {
          res.writeHead(401, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
        }
        const scope = new URL(req.url!, 'http://x').searchParams.get('scope') ?? new URLSearchParams(body).get('scope') ?? '';
        n++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ [opts.field ?? 'token']: `tok-${n}|${scope}`, expires_in: 300 }));
      });
    });
    return { host, seen };
  }

  /** A fake registry that wants `Bearer tok-…` whose scope covers the request, and serves one manifest. */
  async function fakeRegistry(tokenHost: string) {
    const seen: Seen[] = [];
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: {}, layers: [] }));
    const host = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const auth = req.headers.authorization;
        seen.push({ method: req.method!, url: req.url!, authorization: auth, body: '' });
        const repo = /^\/v2\/(.+)\/manifests\//.exec(req.url!)?.[1];
        const needed = req.method === 'PUT' ? 'push' : 'pull';
        const ok = auth?.startsWith('Bearer tok-') && (!repo || (auth.includes(`repository:${repo}:`) && auth.includes(needed)));
        if (!ok) {
          res.writeHead(401, {
            'content-type': 'application/json',
            'www-authenticate': `Bearer realm="http://${tokenHost}/token",service="fake-registry"${repo ? `,scope="repository:${repo}:${needed}"` : ''}`,
          });
          return res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        }
        if (req.method === 'PUT') {
          res.writeHead(201, {});
          return res.end();
        }
        res.writeHead(200, {
          'content-type': OCI_MANIFEST,
          'content-length': String(manifest.length),
          'docker-content-digest': 'sha256:' + 'a'.repeat(64),
        });
        res.end(req.method === 'HEAD' ? undefined : manifest);
      });
    });
    return { host, seen };
  }

  it('gets a token with Basic credentials for the request scope, retries once, then reuses the token', async () => {
    const tokens = await tokenServer();
    const registry = await fakeRegistry(tokens.host);
    const events: string[] = [];
    const client = new RegistryClient({
      registry: registry.host,
      credentials: { username: 'alice', password: 's3cret-pass-123' },
      onRequest: (e) => events.push(`${e.method} ${e.status}`),
    });

    const d = await client.headManifest('team/app', 'v1');
    expect(d?.digest).toBe('sha256:' + 'a'.repeat(64));
    expect(registry.seen.map((s) => s.authorization?.split('|')[0])).toEqual([undefined, 'Bearer tok-1']);
    expect(tokens.seen).toHaveLength(1);
    const tokenUrl = new URL(tokens.seen[0].url, 'http://x');
    expect(tokenUrl.pathname).toBe('/token');
    expect(tokenUrl.searchParams.get('service')).toBe('fake-registry');
    expect(tokenUrl.searchParams.get('scope')).toBe('repository:team/app:pull');
    expect(tokenUrl.searchParams.get('account')).toBe('alice');
    expect(tokens.seen[0].authorization).toBe(basicAuthorization('alice', 's3cret-pass-123'));
    expect(events).toEqual(['HEAD 401', 'GET 200', 'HEAD 200']);

    // Challenge known, token cached for the scope: one request, no token request.
    await client.headManifest('team/app', 'v2');
    expect(tokens.seen).toHaveLength(1);
    expect(registry.seen).toHaveLength(3);
    expect(client.transport.auth.challenge?.scheme).toBe('bearer');
  });

  it('asks for pull,push to push, and a pull,push token then serves pulls of the same repository', async () => {
    const tokens = await tokenServer({ field: 'access_token' });
    const registry = await fakeRegistry(tokens.host);
    const client = new RegistryClient({ registry: registry.host, credentials: { username: 'bob', password: 'pw-pw-pw' } });
    await client.ping(); // learns the challenge; token without scope
    await client.putManifest('team/app', 'v1', Buffer.from('{}'), OCI_MANIFEST);
    await client.headManifest('team/app', 'v1');
    const scopes = tokens.seen.map((s) => new URL(s.url, 'http://x').searchParams.get('scope'));
    expect(scopes).toEqual([null, 'repository:team/app:pull,push']);
    // Another repository needs its own token.
    await client.headManifest('team/other', 'v1');
    expect(tokens.seen).toHaveLength(3);
  });

  it('fetches an anonymous token (no Authorization, no account) when there are no credentials', async () => {
    const tokens = await tokenServer();
    const registry = await fakeRegistry(tokens.host);
    const client = new RegistryClient({ registry: registry.host, credentials: null });
    expect(await client.headManifest('library/debian', 'bookworm')).toBeDefined();
    expect(tokens.seen[0].authorization).toBeUndefined();
    expect(new URL(tokens.seen[0].url, 'http://x').searchParams.has('account')).toBe(false);
  });

  it('exchanges an identity token with the OAuth2 refresh_token grant', async () => {
    const tokens = await tokenServer({ field: 'access_token' });
    const registry = await fakeRegistry(tokens.host);
    const client = new RegistryClient({ registry: registry.host, credentials: { identityToken: 'refresh-XYZ-123' } });
    expect(await client.headManifest('team/app', 'v1')).toBeDefined();
    expect(tokens.seen[0].method).toBe('POST');
    const form = new URLSearchParams(tokens.seen[0].body);
    expect(form.get('grant_type')).toBe('refresh_token');
    expect(form.get('refresh_token')).toBe('refresh-XYZ-123');
    expect(form.get('service')).toBe('fake-registry');
    expect(form.get('scope')).toBe('repository:team/app:pull');
  });

  it('shares one token request between concurrent requests of the same scope', async () => {
    const tokens = await tokenServer();
    const registry = await fakeRegistry(tokens.host);
    const client = new RegistryClient({ registry: registry.host, credentials: null });
    await client.ping();
    await Promise.all([1, 2, 3, 4].map((i) => client.headManifest('team/app', `v${i}`)));
    expect(tokens.seen.filter((s) => s.url.includes('team'))).toHaveLength(1);
  });

  it('turns a refusal of the token server into RegistryError 401 without the password', async () => {
    const tokens = await tokenServer({ reject: true });
    const registry = await fakeRegistry(tokens.host);
    const client = new RegistryClient({ registry: registry.host, credentials: { username: 'alice', password: 'never-print-me-42' } });
    const err = await client.headManifest('team/app', 'v1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    const e = err as RegistryError;
    expect(e.status).toBe(401);
    expect(e.codes).toEqual(['UNAUTHORIZED']);
    expect(e.temporary).toBe(false);
    expect(e.message).toContain(`docker login ${registry.host}`);
    expect(e.message).not.toContain('never-print-me-42');
    expect(e.message).not.toContain(Buffer.from('alice:never-print-me-42').toString('base64'));
  });

  it('sends a configured registry token as is and does not ask a token server', async () => {
    const seen: (string | undefined)[] = [];
    const host = await listen((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(req.headers.authorization === 'Bearer static-token-abc' ? 200 : 401, { 'www-authenticate': 'Bearer realm="http://127.0.0.1:1/token"' });
      res.end();
    });
    await new RegistryClient({ registry: host, credentials: { registryToken: 'static-token-abc' } }).ping();
    expect(seen).toEqual(['Bearer static-token-abc']);
  });
});
