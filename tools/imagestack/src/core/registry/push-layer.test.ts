/**
 * The blob side of pushing a layer (push-layer.ts) against a small hand-written registry made
 * here: it stands for the upload endpoints of the OCI distribution spec v1.1 ("Pushing blobs":
 * POST, one streamed PATCH, PUT ?digest=, HEAD, and ?mount=&from=), records every request and
 * can refuse some. The real registry is exercised by test/registry/push-image.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RegistryError } from '../errors';
import { pushLayer, type LayerSource } from './push-layer';
import { Transport } from './transport';

interface Seen {
  method: string;
  url: string;
  bytes: number;
  chunked: boolean;
}

/** The fake registry: blobs by repository, upload sessions by id. */
class FakeRegistry {
  readonly blobs = new Map<string, Buffer>(); // `${repo} ${digest}`
  readonly sessions = new Map<string, Buffer[]>();
  readonly seen: Seen[] = [];
  /** Answers a request itself with this status when it returns one. */
  refuse?: (method: string, url: string) => number | undefined;
  mountable = true;
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url!, 'http://x');
      this.seen.push({ method: req.method!, url: req.url!, bytes: body.length, chunked: req.headers['transfer-encoding'] === 'chunked' });
      const refused = this.refuse?.(req.method!, req.url!);
      if (refused) {
        res.writeHead(refused, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'refused by the test' }] }));
      }
      const m = /^\/v2\/(.+)\/blobs\/(uploads\/(\w*)|sha256:\w+)$/.exec(url.pathname);
      if (!m) return res.writeHead(404).end();
      const [, repo, , session] = m;
      if (req.method === 'HEAD') return res.writeHead(this.blobs.has(`${repo} ${m[2]}`) ? 200 : 404).end();
      if (req.method === 'POST') {
        const mount = url.searchParams.get('mount');
        const from = url.searchParams.get('from');
        if (mount && this.mountable && this.blobs.has(`${from} ${mount}`)) {
          this.blobs.set(`${repo} ${mount}`, this.blobs.get(`${from} ${mount}`)!);
          return res.writeHead(201).end();
        }
        const id = `s${this.sessions.size + 1}`;
        this.sessions.set(id, []);
        return res.writeHead(202, { location: `/v2/${repo}/blobs/uploads/${id}?_state=opaque` }).end();
      }
      if (req.method === 'PATCH') {
        this.sessions.get(session)!.push(body);
        return res.writeHead(202, { location: `/v2/${repo}/blobs/uploads/${session}?_state=after-patch` }).end();
      }
      if (req.method === 'PUT') {
        const whole = Buffer.concat(this.sessions.get(session)!);
        const digest = `sha256:${createHash('sha256').update(whole).digest('hex')}`;
        if (digest !== url.searchParams.get('digest') || url.searchParams.get('_state') !== 'after-patch') return res.writeHead(400).end();
        this.blobs.set(`${repo} ${digest}`, whole);
        return res.writeHead(201, { 'docker-content-digest': digest }).end();
      }
      if (req.method === 'DELETE') {
        this.sessions.delete(session);
        return res.writeHead(204).end();
      }
      res.writeHead(405).end();
    });
  });
}

describe('pushLayer', () => {
  const fake = new FakeRegistry();
  let t: Transport;
  let dir: string;
  let layer: LayerSource;
  const content = Buffer.from('layer tar bytes\n'.repeat(100_000));

  beforeAll(async () => {
    await new Promise<void>((r) => fake.server.listen(0, '127.0.0.1', r));
    const { port } = fake.server.address() as AddressInfo;
    t = new Transport({ registry: `127.0.0.1:${port}`, credentials: null, backoff: { baseMs: 1, capMs: 2 } });
    dir = mkdtempSync(path.join(os.tmpdir(), 'push-layer-'));
    writeFileSync(path.join(dir, 'layer.tar'), content);
    layer = { diffId: `sha256:${createHash('sha256').update(content).digest('hex')}`, size: content.length, file: path.join(dir, 'layer.tar') };
  });
  afterAll(() => {
    fake.server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    fake.seen.length = 0;
    fake.refuse = undefined;
    fake.mountable = true;
  });

  it('compresses while sending: one chunked PATCH, then PUT with the digest of the gzip bytes; the blob unzips to the layer', async () => {
    const progress: number[] = [];
    const r = await pushLayer(t, 'ns/child', layer, undefined, { onBytes: (b) => progress.push(b) });
    expect(r.outcome).toBe('sent');
    expect(r.descriptor.mediaType).toBe('application/vnd.docker.image.rootfs.diff.tar.gzip');
    const blob = fake.blobs.get(`ns/child ${r.descriptor.digest}`)!;
    expect(blob.length).toBe(r.descriptor.size);
    expect(r.bytesSent).toBe(blob.length);
    expect(gunzipSync(blob).equals(content)).toBe(true);
    expect(fake.seen.map((s) => s.method)).toEqual(['POST', 'PATCH', 'PUT']);
    expect(fake.seen[1].chunked).toBe(true);
    expect(progress.at(-1)).toBe(blob.length);
  });

  it('a known layer already in the repository: HEAD only; held by another repository: mounted, nothing sent', async () => {
    const first = await pushLayer(t, 'ns/parent', layer, undefined);
    fake.seen.length = 0;
    const known = { descriptor: first.descriptor, repositories: ['ns/parent'] };
    expect(await pushLayer(t, 'ns/parent', layer, known)).toMatchObject({ outcome: 'present', bytesSent: 0 });
    expect(fake.seen.map((s) => s.method)).toEqual(['HEAD']);
    fake.seen.length = 0;
    expect(await pushLayer(t, 'ns/mounted', layer, known)).toMatchObject({ outcome: 'mounted', bytesSent: 0, descriptor: first.descriptor });
    expect(fake.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      `HEAD /v2/ns/mounted/blobs/${first.descriptor.digest}`,
      `POST /v2/ns/mounted/blobs/uploads/?mount=${encodeURIComponent(first.descriptor.digest)}&from=ns%2Fparent`,
    ]);
  });

  it('a mount the registry declines (202): its upload session is cancelled, then the layer is sent', async () => {
    const first = await pushLayer(t, 'ns/parent2', layer, undefined);
    fake.mountable = false;
    fake.seen.length = 0;
    const r = await pushLayer(t, 'ns/declined', layer, { descriptor: first.descriptor, repositories: ['ns/parent2'] });
    expect(r.outcome).toBe('sent');
    expect(fake.seen.map((s) => s.method)).toEqual(['HEAD', 'POST', 'DELETE', 'POST', 'PATCH', 'PUT']);
  });

  it('a PATCH refused with 500 is tried again whole, in a new upload session (the transport never re-sends a stream itself)', async () => {
    let patches = 0;
    fake.refuse = (method) => (method === 'PATCH' && ++patches === 1 ? 500 : undefined);
    const r = await pushLayer(t, 'ns/retried', layer, undefined);
    expect(r.outcome).toBe('sent');
    expect(fake.seen.map((s) => s.method)).toEqual(['POST', 'PATCH', 'POST', 'PATCH', 'PUT']);
    expect(gunzipSync(fake.blobs.get(`ns/retried ${r.descriptor.digest}`)!).equals(content)).toBe(true);
  });

  it('a PATCH refused for good: RegistryError naming the PATCH and its status after three whole attempts', async () => {
    fake.refuse = (method) => (method === 'PATCH' ? 500 : undefined);
    const err = await pushLayer(t, 'ns/failing', layer, undefined).catch((e) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.message).toMatch(/^PATCH http:\/\/127\.0\.0\.1:\d+\/v2\/ns\/failing\/blobs\/uploads\/s\d+/);
    expect(err.message).not.toContain('_state');
    expect(fake.seen.filter((s) => s.method === 'PATCH')).toHaveLength(3);
    expect(fake.seen.filter((s) => s.method === 'PUT')).toHaveLength(0);
  });

  it('a 403 on the upload is not tried again', async () => {
    fake.refuse = (method) => (method === 'POST' ? 403 : undefined);
    const err = await pushLayer(t, 'ns/denied', layer, undefined).catch((e) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBe(403);
    expect(fake.seen.map((s) => s.method)).toEqual(['POST']);
  });

  it('aborted: CancelledError, no PUT', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const err = await pushLayer(t, 'ns/aborted', layer, undefined, { signal: ctl.signal }).catch((e) => e);
    expect(err.name).toBe('CancelledError');
    expect(fake.seen.filter((s) => s.method === 'PUT')).toHaveLength(0);
  });
});
