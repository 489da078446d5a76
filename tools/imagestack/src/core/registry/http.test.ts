// The answer sendHttp gives (HttpAnswer) reads as a WHATWG Response would: tested against an
// in-process HTTP server on 127.0.0.1 (the shapes a registry answers with: repeated
// headers, HEAD, 204, a body cut off, a body nobody reads), and against `new Response` of
// the same bytes where they can be compared.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendHttp } from './http';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('sendHttp answers', () => {
  it('read as a Response of the same answer: status, headers (case-insensitive, repeats joined), text with its BOM dropped, json, bytes', async () => {
    const body = '\uFEFF{"a":"ü"}';
    const base = await serve((_req, res) => {
      res.writeHead(201, 'Created', [
        ['Content-Type', 'application/json'],
        ['X-Seen', 'one'],
        ['x-seen', 'two'],
      ]);
      res.end(body);
    });
    const url = `${base}/v2/a`;
    const want = new Response(body, { status: 201, statusText: 'Created', headers: [['content-type', 'application/json'], ['x-seen', 'one'], ['x-seen', 'two']] });
    const got = await sendHttp('GET', url, {}, undefined);
    expect([got.status, got.statusText, got.url]).toEqual([want.status, want.statusText, url]);
    for (const h of ['content-type', 'X-SEEN', 'absent']) expect(got.headers.get(h)).toBe(want.headers.get(h));
    expect(await got.text()).toBe(await want.clone().text());
    expect(await (await sendHttp('GET', url, {}, undefined)).json()).toEqual(await want.clone().json());
    expect(Buffer.from(await (await sendHttp('GET', url, {}, undefined)).arrayBuffer())).toEqual(Buffer.from(await want.arrayBuffer()));
  });

  it('has no body for HEAD and 204, and refuses a second read', async () => {
    const base = await serve((req, res) => {
      res.writeHead(req.url === '/none' ? 204 : 200, { 'content-length': '5' });
      res.end(req.method === 'HEAD' || req.url === '/none' ? undefined : 'hello');
    });
    expect(await (await sendHttp('HEAD', `${base}/x`, {}, undefined)).text()).toBe('');
    expect((await (await sendHttp('GET', `${base}/none`, {}, undefined)).arrayBuffer()).byteLength).toBe(0);
    const res = await sendHttp('GET', `${base}/x`, {}, undefined);
    expect(await res.text()).toBe('hello');
    await expect(res.text()).rejects.toThrow(TypeError);
  });

  it('rejects the body read when the connection breaks mid-body or the signal aborts', async () => {
    const base = await serve((req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      if (req.url === '/cut') setTimeout(() => res.socket?.destroy(), 20);
    });
    await expect((await sendHttp('GET', `${base}/cut`, {}, undefined)).arrayBuffer()).rejects.toThrow();
    const controller = new AbortController();
    const res = await sendHttp('GET', `${base}/slow`, {}, undefined, controller.signal);
    const read = res.text();
    controller.abort(new Error('stop'));
    await expect(read).rejects.toThrow('stop');
  });

  it('frees the connection of an answer whose body nobody reads (the next request reuses it)', async () => {
    const ports = new Set<number>();
    const base = await serve((req, res) => {
      ports.add(req.socket.remotePort!);
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"errors":[]}');
    });
    const agentUrl = `${base}/v2/x`;
    for (let i = 0; i < 5; i++) {
      await sendHttp('GET', agentUrl, {}, undefined);
      await new Promise((r) => setTimeout(r, 20)); // the body arrives meanwhile (unread, it would hold the socket)
    }
    expect(ports.size).toBe(1);
  });
});
