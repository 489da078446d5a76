// Retries, backoff, redirects and error wording are tested against in-process HTTP
// servers on 127.0.0.1, not the real docker-registry: a real registry cannot be made to
// answer 503-then-200, 500 forever, 429 with Retry-After, or to redirect blobs to
// another origin on demand. The happy paths run against the real registry in
// test/registry/.
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryError } from '../errors';
import { RegistryClient, type RegistryClientOptions } from './client';
import { DOCKER_MANIFEST, MANIFEST_ACCEPT } from './media-types';
import { redact } from './redact';
import { backoffDelay, defaultScheme, parseRetryAfter } from './transport';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  at: number;
}

/** Starts a server whose n-th request (0-based) is answered by `handler(n, req, res)`. */
async function serve(handler: (n: number, req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, at: Date.now() });
      handler(seen.length - 1, req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const FAST = { baseMs: 5, capMs: 20 };
function client(host: string, extra: Partial<RegistryClientOptions> = {}) {
  return new RegistryClient({ registry: host, credentials: null, backoff: FAST, ...extra });
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

describe('retries', () => {
  it('retries a 503 and succeeds', async () => {
    const s = await serve((n, _req, res) => (n === 0 ? json(res, 503, {}) : json(res, 200, {})));
    await client(s.host).ping();
    expect(s.seen.map((r) => r.url)).toEqual(['/v2/', '/v2/']);
  });

  it('gives up on a repeated 500 after 1 + retries attempts with a temporary RegistryError', async () => {
    const s = await serve((_n, _req, res) => json(res, 500, { errors: [{ code: 'UNKNOWN', message: 'disk on fire' }] }));
    const err = (await client(s.host, { retries: 3 })
      .getManifest('a/b', 't')
      .catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(s.seen).toHaveLength(4);
    expect(err.status).toBe(500);
    expect(err.temporary).toBe(true);
    expect(err.codes).toEqual(['UNKNOWN']);
    expect(err.message).toContain(`GET http://${s.host}/v2/a/b/manifests/t: 500`);
    expect(err.message).toContain('4 attempt(s)');
  });

  it('headManifest throws on a repeated 500, it never answers undefined for it', async () => {
    const s = await serve((_n, _req, res) => json(res, 500, {}));
    const err = await client(s.host, { retries: 2 })
      .headManifest('a/b', 't')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).status).toBe(500);
    expect(s.seen).toHaveLength(3);
  });

  it('waits as long as Retry-After says, not the (much shorter) backoff', async () => {
    const s = await serve((n, _req, res) => (n === 0 ? json(res, 429, {}, { 'retry-after': '1' }) : json(res, 200, {})));
    await client(s.host).ping();
    expect(s.seen).toHaveLength(2);
    expect(s.seen[1].at - s.seen[0].at).toBeGreaterThanOrEqual(950);
  });

  it('fails at once, temporary, when Retry-After asks for more than a minute', async () => {
    const s = await serve((_n, _req, res) => json(res, 429, { errors: [{ code: 'TOOMANYREQUESTS' }] }, { 'retry-after': '3600' }));
    const err = (await client(s.host).ping().catch((e: unknown) => e)) as RegistryError;
    expect(s.seen).toHaveLength(1);
    expect(err.status).toBe(429);
    expect(err.temporary).toBe(true);
    expect(err.codes).toEqual(['TOOMANYREQUESTS']);
    expect(err.message).toContain('(1 attempt(s))');
    expect(err.message).toContain('the registry asks to retry after 3600 s');
  });

  it('does not retry a 400, and reports its OCI codes', async () => {
    const s = await serve((_n, _req, res) => json(res, 400, { errors: [{ code: 'MANIFEST_INVALID', message: 'manifest invalid' }] }));
    const err = (await client(s.host)
      .putManifest('a/b', 't', Buffer.from('{}'), DOCKER_MANIFEST)
      .catch((e: unknown) => e)) as RegistryError;
    expect(s.seen).toHaveLength(1);
    expect(err.status).toBe(400);
    expect(err.temporary).toBe(false);
    expect(err.codes).toEqual(['MANIFEST_INVALID']);
    expect(err.message).toMatch(/^PUT http:\/\/127\.0\.0\.1:\d+\/v2\/a\/b\/manifests\/t: 400 Bad Request \[MANIFEST_INVALID: manifest invalid\]/);
  });

  it('does not retry a 501', async () => {
    const s = await serve((_n, _req, res) => json(res, 501, {}));
    const err = (await client(s.host).ping().catch((e: unknown) => e)) as RegistryError;
    expect(s.seen).toHaveLength(1);
    expect(err.temporary).toBe(false);
  });

  it('retries a refused connection, then says the registry is not running', async () => {
    const s = await serve(() => undefined);
    const host = s.host;
    await new Promise((r) => servers.pop()!.close(r)); // nothing listens on the port now
    const events: (number | undefined)[] = [];
    const err = (await client(host, { retries: 2, onRequest: (e) => events.push(e.status) })
      .ping()
      .catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBeUndefined();
    expect(err.temporary).toBe(true);
    expect(err.message).toContain(`cannot reach registry at http://${host}: is it running?`);
    expect(err.message).toContain('ECONNREFUSED');
    expect(events).toEqual([undefined, undefined, undefined]);
  });
});

describe('backoffDelay and parseRetryAfter', () => {
  it('doubles from 200 ms up to 5 s, with jitter between half and all of it', () => {
    expect(backoffDelay(0, undefined, () => 0)).toBe(100);
    expect(backoffDelay(0, undefined, () => 0.999999)).toBe(200);
    expect(backoffDelay(3, undefined, () => 0.999999)).toBe(1600);
    expect(backoffDelay(10, undefined, () => 0.999999)).toBe(5000);
    expect(backoffDelay(10, undefined, () => 0)).toBe(2500);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(2);
      expect(d).toBeGreaterThanOrEqual(400);
      expect(d).toBeLessThanOrEqual(800);
    }
  });

  it('reads seconds and HTTP dates, ignores garbage', () => {
    const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:27:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('uses http for loopback registries and https elsewhere', () => {
    expect(defaultScheme('127.0.0.1:5000')).toBe('http');
    expect(defaultScheme('127.3.2.1')).toBe('http');
    expect(defaultScheme('localhost:5000')).toBe('http');
    expect(defaultScheme('[::1]:5000')).toBe('http');
    expect(defaultScheme('ghcr.io')).toBe('https');
    expect(defaultScheme('registry.example.com:5000')).toBe('https');
    expect(defaultScheme('128.0.0.1:5000')).toBe('https');
  });
});

describe('manifests, tags and blobs against a fake registry', () => {
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: DOCKER_MANIFEST, config: { digest: 'sha256:x' }, layers: [] }));
  const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;

  it('sends the combined Accept header, and falls back to GET when HEAD has no Docker-Content-Digest', async () => {
    const s = await serve((_n, req, res) => {
      res.writeHead(200, { 'content-type': DOCKER_MANIFEST, 'content-length': String(manifest.length) });
      res.end(req.method === 'HEAD' ? undefined : manifest);
    });
    const d = await client(s.host).headManifest('a/b', 't');
    expect(d).toEqual({ mediaType: DOCKER_MANIFEST, digest, size: manifest.length });
    expect(s.seen.map((r) => r.method)).toEqual(['HEAD', 'GET']);
    expect(s.seen[0].headers.accept).toBe(MANIFEST_ACCEPT);
    expect(MANIFEST_ACCEPT).toBe(
      'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
    );
  });

  it('falls back to GET when the registry refuses HEAD (405), and answers undefined when GET says 404', async () => {
    const s = await serve((_n, req, res) =>
      req.method === 'HEAD' ? json(res, 405, {}) : json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] }),
    );
    expect(await client(s.host).headManifest('a/b', 'missing')).toBeUndefined();
    expect(s.seen.map((r) => r.method)).toEqual(['HEAD', 'GET']);
  });

  it('rejects a manifest whose bytes do not match the digest asked for', async () => {
    const s = await serve((_n, _req, res) => {
      res.writeHead(200, { 'content-type': DOCKER_MANIFEST });
      res.end(manifest);
    });
    const err = (await client(s.host)
      .getManifest('a/b', 'sha256:' + '0'.repeat(64))
      .catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.message).toContain('does not match digest');
  });

  // docker-registry paginates only when the client sends `n`; this fake always does, to
  // check that every `Link: <…>; rel="next"` is followed.
  it('follows Link pagination of the tag list', async () => {
    const pages = [['a', 'b'], ['c'], []];
    const s = await serve((n, req, res) => {
      const headers: Record<string, string> = {};
      if (n < pages.length - 1) headers.link = `</v2/x/y/tags/list?n=2&last=${pages[n].at(-1)}>; rel="next"`;
      json(res, 200, { name: 'x/y', tags: pages[n] }, headers);
      void req;
    });
    expect(await client(s.host).listTags('x/y')).toEqual(['a', 'b', 'c']);
    expect(s.seen.map((r) => r.url)).toEqual(['/v2/x/y/tags/list', '/v2/x/y/tags/list?n=2&last=b', '/v2/x/y/tags/list?n=2&last=c']);
  });

  it('answers [] for an unknown repository and a null tag list', async () => {
    const s = await serve((n, _req, res) =>
      n === 0 ? json(res, 404, { errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] }) : json(res, 200, { name: 'x/y', tags: null }),
    );
    expect(await client(s.host).listTags('x/y')).toEqual([]);
    expect(await client(s.host).listTags('x/y')).toEqual([]);
  });

  it('follows a blob redirect to another origin without the Authorization header, and verifies the digest', async () => {
    const blob = Buffer.from('{"config":{"Labels":{"a":"b"}}}');
    const blobDigest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const storage = await serve((_n, req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(req.url!.includes('bad') ? Buffer.from('tampered') : blob);
    });
    const registry = await serve((_n, req, res) => {
      if (!req.headers.authorization) return json(res, 401, {}, { 'www-authenticate': 'Basic realm="r"' });
      res.writeHead(307, { location: `http://${storage.host}/bucket/${req.url!.includes('0000') ? 'bad' : 'good'}?X-Amz-Signature=abcdef0123456789` });
      res.end();
    });
    const events: string[] = [];
    const c = client(registry.host, { credentials: { username: 'u', password: 'blob-pass-777' }, onRequest: (e) => events.push(e.url) });
    expect(await c.getBlob('a/b', blobDigest)).toEqual(blob);
    expect(registry.seen[1].headers.authorization).toBe(`Basic ${Buffer.from('u:blob-pass-777').toString('base64')}`);
    expect(storage.seen[0].headers.authorization).toBeUndefined();
    expect(events.join('\n')).not.toContain('abcdef0123456789');

    const err = (await c.getBlob('a/b', 'sha256:' + '0'.repeat(64)).catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.message).toContain('does not hash to');
  });
});

describe('credentials never leak', () => {
  it('keeps passwords and Authorization values out of errors and request events, even when the registry echoes them', async () => {
    const password = 'Pa55word-known-to-test';
    const s = await serve((_n, req, res) => {
      if (!req.headers.authorization) return json(res, 401, {}, { 'www-authenticate': 'Basic realm="r"' });
      json(res, 403, { errors: [{ code: 'DENIED', message: `no access for header ${req.headers.authorization} (password=${password})` }] });
    });
    const events: unknown[] = [];
    const err = (await client(s.host, { credentials: { username: 'me', password }, onRequest: (e) => events.push(e) })
      .getManifest('a/b', 't')
      .catch((e: unknown) => e)) as RegistryError;
    expect(err.status).toBe(403);
    expect(err.codes).toEqual(['DENIED']);
    const text = `${err.message}\n${err.stack}\n${JSON.stringify(events)}`;
    expect(text).not.toContain(password);
    expect(text).not.toContain(Buffer.from(`me:${password}`).toString('base64'));
    expect(err.message).toContain('denied');
  });

  it('redact removes Authorization values, Basic/Bearer tokens, password pairs and URL userinfo', () => {
    const out = redact(
      [
        'Authorization: Basic dXNlcjpwYXNzd29yZA==',
        'sent Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl here',
        '{"auth":"dXNlcjpwYXNz","password":"hunter2-x","identitytoken":"idt-1"}',
        'IMAGESTACK_REGISTRY_PASSWORD=topsecret1 and ?token=tok123&scope=repository:a:pull',
        'https://user:pa55@registry.example.com/v2/',
      ].join('\n'),
    );
    for (const secret of ['dXNlcjpwYXNzd29yZA', 'eyJhbGciOiJIUzI1NiJ9', 'dXNlcjpwYXNz', 'hunter2-x', 'idt-1', 'topsecret1', 'tok123', 'pa55']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('scope=repository:a:pull');
    expect(out).toContain('registry.example.com/v2/');
    // Prose is left alone.
    expect(redact('Bearer authentication required; set IMAGESTACK_REGISTRY_USERNAME/PASSWORD or docker login x')).toBe(
      'Bearer authentication required; set IMAGESTACK_REGISTRY_USERNAME/PASSWORD or docker login x',
    );
  });
});
