import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveSite, type SiteServer } from './serve';

/** A raw GET (fetch would normalise `..` away before sending). */
function get(port: number, rawPath: string, method = 'GET'): Promise<{ status: number; type?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: rawPath, method }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveSite', () => {
  let dir: string;
  let server: SiteServer;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-serve-'));
    mkdirSync(path.join(dir, 'site', 'images'), { recursive: true });
    writeFileSync(path.join(dir, 'site', 'index.html'), '<p>stack</p>');
    writeFileSync(path.join(dir, 'site', 'images', 'a b.html'), '<p>a b</p>');
    writeFileSync(path.join(dir, 'secret.txt'), 'outside');
    server = await serveSite(path.join(dir, 'site'), { port: 0 });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves files on 127.0.0.1 with their content type, and index.html for a folder', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await get(server.port, '/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '<p>stack</p>' });
    expect(await get(server.port, '/images/a%20b.html')).toMatchObject({ status: 200, body: '<p>a b</p>' });
    expect((await get(server.port, '/index.html', 'HEAD')).status).toBe(200);
  });

  it('refuses paths outside the folder, missing files and other methods', async () => {
    expect((await get(server.port, '/../secret.txt')).status).toBe(404);
    expect((await get(server.port, '/%2e%2e/secret.txt')).status).toBe(404);
    expect((await get(server.port, '/nope.html')).status).toBe(404);
    expect((await get(server.port, '/', 'POST')).status).toBe(405);
  });
});
