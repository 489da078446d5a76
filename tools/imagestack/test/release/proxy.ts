/**
 * A small HTTP proxy in front of the real registry, for tests: it forwards every request
 * to the registry unchanged (the Host header too, so the registry's `Location` headers
 * point back at the proxy), counts requests and body bytes, and can answer a chosen
 * request itself with an error instead — the one way to make a real registry fail on
 * exactly the Nth manifest PUT. The registry behind it is real; only the injected answer is not.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request seen by the proxy. */
export interface ProxiedRequest {
  method: string;
  path: string;
  status: number;
  /** Request body bytes. */
  sent: number;
  /** Response body bytes. */
  received: number;
  /** True when the proxy answered itself (injected failure). */
  injected: boolean;
}

/** A running proxy. */
export interface RegistryProxy {
  /** `127.0.0.1:<port>`: use as the registry host. */
  host: string;
  /** Every request so far. */
  log: ProxiedRequest[];
  /** Decides whether to answer a request with an injected 500; set to `undefined` to forward everything. */
  fail?: (req: { method: string; path: string }) => boolean;
  close(): Promise<void>;
}

/** Starts a proxy on a free port of 127.0.0.1 forwarding to `target` (`host:port`). */
export async function startRegistryProxy(target: string): Promise<RegistryProxy> {
  const [targetHost, targetPort] = target.split(':');
  const proxy: RegistryProxy = { host: '', log: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      if (proxy.fail?.({ method, path })) {
        const answer = Buffer.from(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'injected failure (test proxy)' }] }));
        res.writeHead(500, { 'content-type': 'application/json', 'content-length': answer.length });
        res.end(answer);
        proxy.log.push({ method, path, status: 500, sent: body.length, received: answer.length, injected: true });
        return;
      }
      const upstream = http.request(
        { host: targetHost, port: Number(targetPort), method, path, headers: req.headers },
        (up) => {
          let received = 0;
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.on('data', (c: Buffer) => {
            received += c.length;
            res.write(c);
          });
          up.on('end', () => {
            res.end();
            proxy.log.push({ method, path, status: up.statusCode ?? 0, sent: body.length, received, injected: false });
          });
        },
      );
      upstream.on('error', (err) => {
        res.writeHead(502);
        res.end(String(err));
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return proxy;
}
