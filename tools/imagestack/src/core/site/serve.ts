/**
 * A static file server for the site folder, for local use: 127.0.0.1 only, GET and HEAD
 * only, no directory listings (a folder serves its `index.html`), and no path outside the
 * folder (`..` and encoded variants are refused with 404, and so is a symbolic link, or a
 * path through one, whose target lies outside the folder). The files are served by `sirv`
 * (read from disk on each request, so a regenerated site shows at once; range requests and
 * ETags come with it); this module adds the method check, our content types (with a charset
 * for text), `nosniff`, and a plain-text 404.
 *
 * Like static hosts, `sirv` also serves `/page` from `page.html` (its `extensions` option,
 * which is also how a folder finds its `index.html`).
 */
import { existsSync, realpathSync } from 'node:fs';
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

/**
 * Whether a request for `rawUrl` could reach a file outside `root` through a symbolic
 * link. Checks every path `sirv` may serve for it (`<p>`, `<p>.html`, `<p>/index`,
 * `<p>/index.html`, decoded as `sirv` decodes them): each that exists must resolve, links
 * followed, to `rootReal` or below. Paths that leave `root` lexically are left to `sirv`,
 * which refuses them.
 *
 * @param root the served folder, absolute; @param rootReal its real path
 */
function leavesRoot(root: string, rootReal: string, rawUrl: string): boolean {
  let pathname = rawUrl.split(/[?#]/, 1)[0].replace(/\/+$/, '');
  try {
    pathname = decodeURI(pathname);
  } catch {
    /* sirv keeps a malformed path as it is */
  }
  const candidates = [pathname, `${pathname}.html`, `${pathname}/index`, `${pathname}/index.html`];
  for (const name of candidates) {
    const abs = path.normalize(path.join(root, name));
    if (!abs.startsWith(root + path.sep) && abs !== root) continue;
    if (!existsSync(abs)) continue;
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      return true;
    }
    if (real !== rootReal && !real.startsWith(rootReal + path.sep)) return true;
  }
  return false;
}

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
  const root = path.resolve(dir);
  const rootReal = realpathSync(root);
  const files = sirv(root, {
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
    if (leavesRoot(root, rootReal, req.url ?? '/')) return send(req, res, 404, 'not found');
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
