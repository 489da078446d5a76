/**
 * A static file server for the site folder, for local use: 127.0.0.1 only, GET and HEAD
 * only, no directory listings (a folder serves its `index.html`), and no path outside the
 * folder (`..` and encoded variants are refused with 404). Node's `http` module; no
 * dependency.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import * as path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** A running server. */
export interface SiteServer {
  /** `http://127.0.0.1:<port>/`. */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/**
 * Serves `dir` on `host:port` (port 0: any free port).
 *
 * @throws Error (EADDRINUSE, …) when the port cannot be bound
 */
export async function serveSite(dir: string, opts: { port?: number; host?: string } = {}): Promise<SiteServer> {
  const root = path.resolve(dir);
  const host = opts.host ?? '127.0.0.1';
  const server = createServer(async (req, res) => {
    const send = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : `${text}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(405, 'method not allowed');
    }
    let rel: string;
    try {
      rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      return send(400, 'bad path');
    }
    let file = path.join(root, rel);
    if (file !== root && !file.startsWith(root + path.sep)) return send(404, 'not found');
    try {
      let s = await stat(file);
      if (s.isDirectory()) {
        file = path.join(file, 'index.html');
        s = await stat(file);
      }
      if (!s.isFile()) return send(404, 'not found');
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': s.size,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).pipe(res);
    } catch {
      send(404, 'not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${host}:${port}/`,
    port,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
