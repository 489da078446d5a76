/**
 * A static file server for the site folder, for local use: 127.0.0.1 only, GET and HEAD
 * only, no directory listings (a folder serves its `index.html`), and no path outside the
 * folder (`..` and encoded variants are refused with 404). The files are served by `sirv`
 * (read from disk on each request, so a regenerated site shows at once; range requests and
 * ETags come with it); this module adds the method check, our content types (with a charset
 * for text), `nosniff`, and a plain-text 404.
 *
 * Like static hosts, `sirv` also serves `/page` from `page.html` (its `extensions` option,
 * which is also how a folder finds its `index.html`).
 */
import { createServer, type Server } from 'node:http';
import * as path from 'node:path';
import sirv from 'sirv';

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
  const host = opts.host ?? '127.0.0.1';
  const send = (req: { method?: string }, res: import('node:http').ServerResponse, status: number, text: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : `${text}\n`);
  };
  const files = sirv(path.resolve(dir), {
    dev: true,
    etag: true,
    extensions: ['html'],
    onNoMatch: (req, res) => send(req, res, 404, 'not found'),
    setHeaders: (res, pathname) => {
      // A path without an extension was resolved to `<path>.html` or `<path>/index.html`.
      const ext = path.posix.extname(pathname).toLowerCase();
      const type = ext ? TYPES[ext] : TYPES['.html'];
      if (type) res.setHeader('content-type', type);
      res.setHeader('x-content-type-options', 'nosniff');
    },
  });
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(req, res, 405, 'method not allowed');
    }
    files(req, res);
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
