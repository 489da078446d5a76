/**
 * The options of a registry `Transport` (./transport.ts) and of the `RegistryClient`
 * over it, and the shapes they name. Types only.
 */
import type { Credentials } from './credentials';

/** One HTTP exchange as reported to `onRequest`. Never carries headers or credentials. */
export interface RequestEvent {
  method: string;
  /** The URL, redacted. */
  url: string;
  /** HTTP status, `undefined` when no answer came (connection refused, timeout). */
  status: number | undefined;
  /** Time from sending to the response headers (ms). */
  ms: number;
}

/** Backoff parameters (ms). */
export interface Backoff {
  /** Delay before the first retry, doubled for each next one (default 200). */
  baseMs: number;
  /** Largest delay between two attempts (default 5000). */
  capMs: number;
}

/** How to reach one registry: the options of a {@link Transport}, and of the `RegistryClient` over it. */
export interface TransportOptions {
  /** host[:port], e.g. `127.0.0.1:5000`, `ghcr.io`. */
  registry: string;
  /** Default: `http` for `localhost`, `127.0.0.0/8` and `[::1]`; `https` otherwise. */
  scheme?: 'http' | 'https';
  /**
   * Default (`undefined`): `resolveCredentials(registry)` on the first request that needs
   * them. `null`: anonymous.
   */
  credentials?: Credentials | null;
  /**
   * Retries of temporary failures (429, 408, 5xx except 501, network errors), default 4;
   * exponential backoff with jitter (base 200 ms, cap 5 s), or the registry's
   * `Retry-After` when it sends one (up to 60 s).
   */
  retries?: number;
  /**
   * Called after every HTTP exchange (token requests and redirects included), e.g. to
   * count requests in benchmarks. The URL is redacted; no headers are passed.
   */
  onRequest?: (e: RequestEvent) => void;
  /**
   * Time limit (ms) for the answer to one attempt, until its response headers arrive;
   * default 30 000. A stalled attempt ends with "… did not answer within N s" and counts
   * as a temporary network error (retried like one). Reading a body is bounded apart
   * (120 s per attempt).
   */
  timeoutMs?: number;
  /**
   * Cancels every request of this transport: one in flight is aborted at once, no retry
   * or backoff wait follows, and the request throws `CancelledError`.
   */
  signal?: AbortSignal;
  /** Backoff timing (ms); for tests. Default `{ baseMs: 200, capMs: 5000 }`. */
  backoff?: Partial<Backoff>;
}
