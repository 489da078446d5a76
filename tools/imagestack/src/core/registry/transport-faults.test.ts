// Fault probes of issue 11 against in-process HTTP servers on 127.0.0.1, not the real
// docker-registry: the real registry cannot be put on a port of our choosing while other
// tests use it, nor made to accept a connection and never answer.
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError, RegistryError } from '../errors';
import { RegistryClient } from './client';
import { DOCKER_MANIFEST } from './media-types';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections();
      return new Promise((r) => s.close(r));
    }),
  );
});

/** Listens on 127.0.0.1:`port` (0: any); `undefined` when that port is taken. */
async function listen(port: number, handler: http.RequestListener): Promise<number | undefined> {
  const server = http.createServer(handler);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  } catch {
    return undefined;
  }
  servers.push(server);
  return (server.address() as { port: number }).port;
}

describe('ports browsers block', () => {
  // 6666 is on the Fetch standard's "bad port" list (https://fetch.spec.whatwg.org/#port-blocking),
  // as are 5060, 5061, 6000 and 6665–6669: Node's global fetch refuses them before connecting.
  const BLOCKED = [6666, 6667, 6665, 6668, 6669, 5060, 5061, 6000];
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: DOCKER_MANIFEST, config: { digest: 'sha256:x' }, layers: [] }));
  const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;

  it('reaches a registry on a port the Fetch standard blocks for browsers', async (ctx) => {
    const seen: string[] = [];
    let port: number | undefined;
    for (const p of BLOCKED) {
      port = await listen(p, (req, res) => {
        seen.push(`${req.method} ${req.url}`);
        if (req.url === '/v2/') {
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end('{}');
        }
        res.writeHead(200, { 'content-type': DOCKER_MANIFEST, 'content-length': String(manifest.length), 'docker-content-digest': digest });
        res.end(req.method === 'HEAD' ? undefined : manifest);
      });
      if (port) break;
    }
    if (!port) return ctx.skip(`every blocked port tried (${BLOCKED.join(', ')}) is taken on 127.0.0.1`);
    const client = new RegistryClient({ registry: `127.0.0.1:${port}`, credentials: null, retries: 0 });
    await client.ping();
    expect(await client.headManifest('a/b', 't')).toEqual({ mediaType: DOCKER_MANIFEST, digest, size: manifest.length });
    expect(seen).toEqual(['GET /v2/', 'HEAD /v2/a/b/manifests/t']);
  });
});

describe('a registry that never answers', () => {
  /** A server that accepts every request and never answers it. */
  async function stalled() {
    const seen: string[] = [];
    const port = await listen(0, (req) => {
      seen.push(`${req.method} ${req.url}`);
    });
    return { host: `127.0.0.1:${port}`, seen };
  }

  it('reports a stalled HEAD as such after the timeout, as a temporary RegistryError', async () => {
    const s = await stalled();
    const client = new RegistryClient({ registry: s.host, credentials: null, retries: 1, backoff: { baseMs: 5, capMs: 5 }, timeoutMs: 200 });
    const err = await client.headManifest('a/b', 't').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({ status: undefined, temporary: true });
    expect((err as Error).message).toBe(
      `HEAD http://${s.host}/v2/a/b/manifests/t: the registry at http://${s.host} did not answer within 0.2 s (ETIMEDOUT, 2 attempt(s))`,
    );
    expect(s.seen).toEqual(['HEAD /v2/a/b/manifests/t', 'HEAD /v2/a/b/manifests/t']);
  });

  it("aborts a request in flight at once when the caller's signal is aborted, with no retry", async () => {
    const s = await stalled();
    const controller = new AbortController();
    // The default time limits (30 s for an answer, 4 retries) would outlast the test's own timeout.
    const client = new RegistryClient({ registry: s.host, credentials: null, signal: controller.signal });
    const pending = client.headManifest('a/b', 't').catch((e: unknown) => e);
    while (s.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const err = await pending;
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as Error).message).toBe(`HEAD http://${s.host}/v2/a/b/manifests/t was cancelled`);
    expect(s.seen).toEqual(['HEAD /v2/a/b/manifests/t']);
    await expect(client.ping()).rejects.toBeInstanceOf(CancelledError);
    expect(s.seen).toHaveLength(1);
  });
});
