/**
 * The HTTP layer under the registry operations, like go-containerregistry's
 * `remote/transport`: one {@link Transport} per registry sends requests with `node:http`
 * (./http.ts: not the global `fetch`, which refuses the ports browsers block), adds authentication ({@link Authenticator}), retries temporary
 * failures with exponential backoff and jitter (honouring `Retry-After`), follows
 * redirects itself (dropping `Authorization` when a redirect leaves the registry's
 * origin, e.g. to a presigned blob URL), and reports every exchange to `onRequest`
 * with the URL redacted and no headers. Every attempt has time limits (an answer within
 * the `timeoutMs` option, default 30 s; the whole attempt within 120 s), and the `signal`
 * option cancels requests in flight at once (`CancelledError`, no retry).
 */
import { setTimeout as wait } from 'node:timers/promises';
import { registryHostname } from '../reference/reference';
import { Authenticator } from './auth';
import type { Credentials } from './credentials';
import { credentialSource, resolveCredentials } from './credentials';
import { errorFromResponse, isTemporaryStatus, networkError, type ErrorContext } from './error';
import { sendHttp, type RequestBody } from './http';
import { redact, registerSecret } from './redact';
import type { RegistryError } from '../errors';
import { CancelledError } from '../errors';
import type { Backoff, RequestEvent, TransportOptions } from './options';
import { ATTEMPT_TIMEOUT_MS, DEFAULT_ANSWER_TIMEOUT_MS, DEFAULT_BACKOFF, DEFAULT_RETRIES, MAX_RETRY_AFTER_MS, backoffDelay, parseRetryAfter } from './retry';

export type { Backoff, RequestEvent, TransportOptions } from './options';
export type { RequestBody } from './http';
export * from './retry';

/** Most redirects followed for one request. */
const MAX_REDIRECTS = 5;

/**
 * The default scheme for a registry host: `http` for loopback (`localhost`,
 * `127.0.0.0/8`, `[::1]`), `https` for everything else — as the Docker engine treats
 * loopback registries as insecure by default.
 */
export function defaultScheme(registry: string): 'http' | 'https' {
  const h = registryHostname(registry).toLowerCase();
  return h === 'localhost' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) ? 'http' : 'https';
}

/** A request as the operations describe it. */
export interface TransportRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'DELETE' | 'POST' | 'PATCH';
  /** Path (`/v2/…`) relative to the registry, or an absolute URL (pagination links). */
  path: string;
  /** Token scope, e.g. `repository:a/b:pull`; `undefined` for `/v2/`. */
  scope?: string;
  headers?: Record<string, string>;
  /**
   * The body: bytes, or a function making a stream of it (a blob upload, `push-blob.ts`). A
   * stream is sent chunked, is never retried by the transport (the caller retries the whole
   * upload: a registry's upload session cannot take the same bytes twice), has no whole-attempt
   * time limit (its answer limit runs from the end of the body, and a body that stops flowing
   * for that long ends the attempt), and is made again only to answer a 401 challenge.
   */
  body?: RequestBody;
  /** Cancels this request alone (with the transport's own `signal` option): `CancelledError`, no retry. */
  signal?: AbortSignal;
}

/** Waits `ms`, or less when `signal` is aborted meanwhile (the caller checks it). */
const sleep = (ms: number, signal?: AbortSignal) => wait(ms, undefined, { signal }).catch(() => undefined);

/** Reads and drops a body so the connection can be reused. */
async function drain(res: Response): Promise<void> {
  try {
    await res.arrayBuffer();
  } catch {
    /* the connection is closed anyway */
  }
}

/**
 * Sends requests to one registry with auth, retries and redirects. Stateless apart from
 * the learned auth challenge and cached tokens; safe to share between concurrent calls.
 */
export class Transport {
  /** `http://host[:port]` or `https://host[:port]`. */
  readonly baseUrl: string;
  readonly registry: string;
  readonly retries: number;
  readonly #backoff: Backoff;
  readonly #onRequest?: (e: RequestEvent) => void;
  readonly #auth: Authenticator;
  /** How many attempts each returned response took (for the wording of errors). */
  readonly #attempts = new WeakMap<Response, number>();
  #credentials: Promise<Credentials | undefined> | undefined;
  readonly #credentialOption: Credentials | null | undefined;
  /** Time limit for the answer (headers) to one attempt (ms). */
  readonly #answerMs: number;
  readonly #signal: AbortSignal | undefined;

  constructor(opts: TransportOptions) {
    this.registry = opts.registry;
    this.#answerMs = opts.timeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
    this.#signal = opts.signal;
    this.baseUrl = `${opts.scheme ?? defaultScheme(opts.registry)}://${opts.registry}`;
    this.retries = Math.max(0, Math.floor(opts.retries ?? DEFAULT_RETRIES));
    this.#backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.#onRequest = opts.onRequest;
    this.#credentialOption = opts.credentials;
    if (opts.credentials) {
      const c = opts.credentials;
      registerSecret(c.password);
      registerSecret(c.identityToken);
      registerSecret(c.registryToken);
      if (c.username && c.password) registerSecret(Buffer.from(`${c.username}:${c.password}`).toString('base64'));
    }
    this.#auth = new Authenticator(
      opts.registry,
      () => this.#resolveCredentials(),
      (method, url, headers, body) => this.#sendWithRetry(method, url, headers, body, false, this.#signal),
    );
  }

  /** The authenticator (exposed for tests and diagnostics). */
  get auth(): Authenticator {
    return this.#auth;
  }

  /**
   * The credentials this transport sends: the `credentials` option, or what
   * `resolveCredentials(registry)` found (resolved once, on first use; a credential helper
   * runs at most once per transport). `undefined` = anonymous.
   */
  credentials(): Promise<Credentials | undefined> {
    return this.#resolveCredentials();
  }

  #resolveCredentials(): Promise<Credentials | undefined> {
    if (!this.#credentials) {
      this.#credentials =
        this.#credentialOption === null
          ? Promise.resolve(undefined)
          : this.#credentialOption
            ? Promise.resolve(this.#credentialOption)
            : resolveCredentials(this.registry);
    }
    return this.#credentials;
  }

  /** The absolute URL of a request path. */
  url(path: string): string {
    return /^https?:\/\//.test(path) ? path : `${this.baseUrl}${path}`;
  }

  /**
   * Sends `req`: with the Authorization we know of, again once after a 401 that taught us
   * how to authenticate; each send retried on temporary failures; GET/HEAD redirects
   * followed. Returns the final response whatever its status (the caller decides what
   * it accepts and calls {@link Transport.error}).
   *
   * @throws RegistryError (status `undefined`, temporary) when no answer came after every retry
   *   (a stall: "did not answer within N s"); RegistryError from the token server when it
   *   refuses or fails; CancelledError at once when the `signal` option is aborted
   */
  async request(req: TransportRequest): Promise<Response> {
    const url = this.url(req.path);
    const follow = req.method === 'GET' || req.method === 'HEAD';
    const signal = req.signal && this.#signal ? AbortSignal.any([req.signal, this.#signal]) : (req.signal ?? this.#signal);
    for (let authTry = 0; ; authTry++) {
      const headers: Record<string, string> = { ...req.headers };
      const authorization = await this.#auth.authorization(req.scope);
      if (authorization) headers.authorization = authorization;
      const res = await this.#sendWithRetry(req.method, url, headers, req.body, follow, signal);
      if (res.status === 401 && authTry === 0) {
        if (await this.#auth.unauthorized(res.headers.get('www-authenticate'), authorization, req.scope)) {
          await drain(res);
          continue;
        }
      }
      return res;
    }
  }

  /**
   * The {@link RegistryError} for a response the caller cannot accept (consumes the body).
   */
  async error(
    method: string,
    res: Response,
    ctx: Omit<ErrorContext, 'registry' | 'authenticated' | 'attempts' | 'credentialSource' | 'tokenServer'> = {},
    url?: string,
  ): Promise<RegistryError> {
    const creds = await this.#resolveCredentials();
    return errorFromResponse(method, redact(url ?? res.url), res, {
      ...ctx,
      registry: this.registry,
      authenticated: !!creds,
      credentialSource: credentialSource(creds),
      attempts: this.#attempts.get(res) ?? 1,
    });
  }

  /**
   * Reads a whole response body.
   *
   * @throws RegistryError (status `undefined`, temporary) when the connection breaks or times out
   *   meanwhile; CancelledError when the `signal` option is aborted meanwhile
   */
  async body(method: string, res: Response, url: string): Promise<Buffer> {
    try {
      return Buffer.from(await res.arrayBuffer());
    } catch (err) {
      this.#throwIfCancelled(method, url);
      throw networkError(method, redact(url), this.#label(url), err, 1);
    }
  }

  /** `registry at <origin>` for the registry, `server at <origin>` for others (token servers, storage). */
  #label(url: string): string {
    const origin = new URL(url).origin;
    return origin === new URL(this.baseUrl).origin ? `registry at ${origin}` : `server at ${origin}`;
  }

  /**
   * One request with retries: network errors and temporary statuses (429, 408, 5xx but
   * 501) are tried again up to `retries` times, after `Retry-After` when the registry
   * sent one (up to {@link MAX_RETRY_AFTER_MS}) or after {@link backoffDelay}.
   */
  async #sendWithRetry(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: RequestBody | undefined,
    followRedirects: boolean,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const retries = typeof body === 'function' ? 0 : this.retries;
    for (let attempt = 0; ; attempt++) {
      this.#throwIfCancelled(method, url, signal);
      let res: Response;
      try {
        res = await this.#exchange(method, url, headers, body, followRedirects, signal);
      } catch (err) {
        this.#throwIfCancelled(method, url, signal);
        if (attempt >= retries) throw networkError(method, redact(url), this.#label(url), err, attempt + 1);
        await sleep(backoffDelay(attempt, this.#backoff), signal);
        continue;
      }
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
      if (!isTemporaryStatus(res.status) || attempt >= retries || (retryAfter !== undefined && retryAfter > MAX_RETRY_AFTER_MS)) {
        this.#attempts.set(res, attempt + 1);
        return res;
      }
      await drain(res);
      await sleep(retryAfter ?? backoffDelay(attempt, this.#backoff), signal);
    }
  }

  /** One attempt: the request and, for GET/HEAD, its redirects (Authorization only within the origin). */
  async #exchange(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: RequestBody | undefined,
    followRedirects: boolean,
    outer: AbortSignal | undefined,
  ): Promise<Response> {
    let current = url;
    let currentHeaders = headers;
    const origin = new URL(url).origin;
    for (let hop = 0; ; hop++) {
      const started = Date.now();
      let res: Response;
      try {
        // A streamed body (a layer of any size) has no whole-attempt limit; sendHttp watches it flow.
        const limit = typeof body === 'function' ? undefined : AbortSignal.timeout(ATTEMPT_TIMEOUT_MS);
        const signal = outer && limit ? AbortSignal.any([outer, limit]) : (outer ?? limit);
        res = await sendHttp(method, current, currentHeaders, body, signal, this.#answerMs);
      } catch (err) {
        this.#report(method, current, undefined, started);
        throw err;
      }
      this.#report(method, current, res.status, started);
      const location = res.headers.get('location');
      if (!followRedirects || ![301, 302, 303, 307, 308].includes(res.status) || !location || hop >= MAX_REDIRECTS) {
        return res;
      }
      await drain(res);
      const next = new URL(location, current);
      if (next.origin !== origin && currentHeaders.authorization) {
        const { authorization: _dropped, ...rest } = currentHeaders;
        currentHeaders = rest;
      }
      current = next.toString();
    }
  }

  /** @throws CancelledError naming the request when the `signal` option (or the request's) is aborted */
  #throwIfCancelled(method: string, url: string, signal: AbortSignal | undefined = this.#signal): void {
    if (signal?.aborted) throw new CancelledError(`${method} ${redact(url)}`);
  }

  #report(method: string, url: string, status: number | undefined, started: number): void {
    if (!this.#onRequest) return;
    try {
      this.#onRequest({ method, url: redact(url), status, ms: Date.now() - started });
    } catch {
      /* a broken listener must not break a request */
    }
  }
}
