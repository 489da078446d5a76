/**
 * A counting HTTP reverse proxy in front of a registry, for the benchmarks: it forwards every
 * request unchanged (the `Host` header included, so the registry's `Location` headers point
 * back at the proxy and a client stays on it) and counts, per request, the method and path,
 * and per connection the bytes read from and written to the client (raw socket bytes:
 * request line, headers and bodies, i.e. what the client sent and received on the wire).
 *
 * The registry keys repositories by path only (`/v2/<namespace>/<image>/…`), so a client that
 * talks to `127.0.0.1:<proxy port>` sees the same repositories and tags as one that talks to
 * the registry itself. The Docker engine treats every 127.0.0.0/8 registry as insecure (plain
 * HTTP), so `docker push 127.0.0.1:<proxy port>/…` works through it too.
 */
import * as http from 'node:http';

/**
 * Starts a proxy on 127.0.0.1 (a free port) forwarding to `upstream` (`host:port`).
 * With `socketPath`, it also listens on that Unix socket (for clients in another network
 * namespace, see cold-engine.mjs), counted the same way.
 *
 * @returns `{ address, port, stats(), reset(), close() }`: `address` is `127.0.0.1:<port>`;
 *   `stats()` gives `{ requests: [{method, path, status, bodyBytes}], byMethod: {HEAD: n, …},
 *   bytesSent, bytesReceived, bodySent }` since the last `reset()` (bytes in bytes, from the
 *   client's side: sent = client → registry on the wire, received = registry → client;
 *   `bodySent` = the request bodies alone, without request lines and headers).
 */
export async function startCountingProxy(upstream, { socketPath } = {}) {
  const [upHost, upPort] = upstream.split(':');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let requests = [];
  // Socket byte counters are cumulative per connection: remember where each stood at reset().
  const sockets = new Set();
  const offset = new WeakMap();
  let closedSent = 0;
  let closedReceived = 0;

  const handler = (req, res) => {
    const entry = { method: req.method, path: req.url, status: undefined, bodyBytes: 0 };
    requests.push(entry);
    req.on('data', (chunk) => (entry.bodyBytes += chunk.length));
    const headers = headerObject(req.rawHeaders, /^(connection|keep-alive|proxy-connection)$/i);
    const up = http.request(
      { host: upHost, port: Number(upPort), method: req.method, path: req.url, headers, agent },
      (upRes) => {
        entry.status = upRes.statusCode;
        const out = headerObject(upRes.rawHeaders, /^(connection|keep-alive|transfer-encoding)$/i);
        res.writeHead(upRes.statusCode, upRes.statusMessage, out);
        upRes.pipe(res);
      },
    );
    up.on('error', (e) => {
      entry.status = 502;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${e.message}\n`);
    });
    req.pipe(up);
  };
  const onConnection = (s) => {
    sockets.add(s);
    offset.set(s, { read: 0, written: 0 });
    s.on('close', () => {
      const o = offset.get(s);
      closedSent += s.bytesRead - o.read;
      closedReceived += s.bytesWritten - o.written;
      sockets.delete(s);
    });
  };
  const listen = async (...where) => {
    const server = http.createServer(handler);
    server.keepAliveTimeout = 30_000;
    server.on('connection', onConnection);
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(...where, resolve);
    });
    return server;
  };
  const servers = [await listen(0, '127.0.0.1')];
  if (socketPath) servers.push(await listen(socketPath));
  const port = servers[0].address().port;

  return {
    address: `127.0.0.1:${port}`,
    port,
    stats() {
      let sent = closedSent;
      let received = closedReceived;
      for (const s of sockets) {
        const o = offset.get(s);
        sent += s.bytesRead - o.read;
        received += s.bytesWritten - o.written;
      }
      const byMethod = {};
      for (const r of requests) byMethod[r.method] = (byMethod[r.method] ?? 0) + 1;
      const bodySent = requests.reduce((n, r) => n + r.bodyBytes, 0);
      return { requests: [...requests], byMethod, bytesSent: sent, bytesReceived: received, bodySent };
    },
    reset() {
      requests = [];
      closedSent = 0;
      closedReceived = 0;
      for (const s of sockets) offset.set(s, { read: s.bytesRead, written: s.bytesWritten });
    },
    async close() {
      agent.destroy();
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(() => resolve()))));
    },
  };
}

/** Raw header pairs as an object (a repeated header as an array), leaving out names matching `drop`. */
function headerObject(raw, drop) {
  const out = {};
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i];
    if (drop.test(k)) continue;
    out[k] = k in out ? [].concat(out[k], raw[i + 1]) : raw[i + 1];
  }
  return out;
}
