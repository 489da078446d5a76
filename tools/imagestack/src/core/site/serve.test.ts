import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
    mkdirSync(path.join(dir, 'outside'));
    writeFileSync(path.join(dir, 'outside', 'index.html'), 'outside');
    // Links inside the site folder: to a file outside, a folder outside, and a file inside.
    symlinkSync(path.join(dir, 'secret.txt'), path.join(dir, 'site', 'leak.txt'));
    symlinkSync(path.join(dir, 'secret.txt'), path.join(dir, 'site', 'leak.html'));
    symlinkSync(path.join(dir, 'outside'), path.join(dir, 'site', 'out'));
    symlinkSync(path.join(dir, 'site', 'index.html'), path.join(dir, 'site', 'home.html'));
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

  it('answers 404 for a symbolic link that leads outside the folder, and follows one that stays inside', async () => {
    expect(await get(server.port, '/leak.txt')).toMatchObject({ status: 404, body: 'not found\n' });
    expect((await get(server.port, '/leak')).status).toBe(404);
    expect((await get(server.port, '/out/index.html')).status).toBe(404);
    expect((await get(server.port, '/out/')).status).toBe(404);
    expect((await get(server.port, '/%6Ceak.txt')).status).toBe(404);
    expect(await get(server.port, '/home.html')).toMatchObject({ status: 200, body: '<p>stack</p>' });
  });
});
