/**
 * One HTTP exchange for the registry {@link Transport} (./transport.ts), sent with
 * `node:http`/`node:https` and answered as an {@link HttpAnswer}: the part of a WHATWG
 * `Response` the operations read (status, headers, the body as bytes, text or JSON), so
 * they read it as they would a `fetch` answer. Not a `Response` itself: Node builds its
 * `Response`, `Headers` and web streams from the bundled undici on first use (~35 ms of
 * start-up for a command that talks to the registry once, e.g. `promote`), and a
 * `Response` over a web stream costs more per request than reading the socket.
 *
 * Why not the global `fetch`: it applies the Fetch standard's "bad port" list (a browser
 * rule: 5060, 5061, 6000, 6665–6669, … are refused before any connection), so a registry
 * listening on such a port would be reported unreachable although it answers. A registry
 * client is not a browser; this module sends to any port. Redirects are not followed here
 * (the transport follows them itself), and no `Accept-Encoding` is sent, so bodies arrive
 * as the registry stored them.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * What the registry code reads of an HTTP answer: a subset of the WHATWG `Response`
 * (Fetch standard), with its meaning (a `Response` is one). The body is read once, by one of
 * `arrayBuffer`, `text` (UTF-8, a leading BOM dropped) or `json`; a second read throws a
 * TypeError, as a `Response`'s does.
 */
export interface HttpAnswer {
  readonly status: number;
  readonly statusText: string;
  /** The URL asked for. */
  readonly url: string;
  /** Header values by case-insensitive name (repeated headers joined with `, `), or null. */
  readonly headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/**
 * No answer came in time: the reason a request is aborted with when its time limit ends
 * (`ms`, in milliseconds). `code` is `ETIMEDOUT`, so it reads as a network error.
 */
export class NoAnswerError extends Error {
  override readonly name = 'NoAnswerError';
  readonly code = 'ETIMEDOUT';
  constructor(readonly ms: number) {
    super(`no answer within ${ms / 1000} s`);
  }
}

/** Node's timers fire at once beyond 2^31-1 ms; longer limits are cut to it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A request body: bytes (sent with their `Content-Length`), or a function making a stream of
 * it (sent with `Transfer-Encoding: chunked` unless the caller gives a `Content-Length`).
 */
export type RequestBody = Buffer | (() => NodeJS.ReadableStream);

/** Statuses whose response must not have a body (Fetch standard, "null body status"). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * Sends one request and resolves with its response as soon as the headers arrive; the
 * body streams on (`res.arrayBuffer()`, `res.text()`, `res.json()`). `res.url` is `url`.
 *
 * @param body bytes, sent with a `Content-Length` (also `0` for a PUT/POST without body); or a
 *   function making a stream, sent chunked (an error of the stream aborts the request with it)
 * @param signal aborts the request, the wait for headers and the body alike
 * @param answerMs time limit (ms) until the response headers arrive, counted from the end of a
 *   streamed body; after it the request is aborted with a {@link NoAnswerError}. A streamed body
 *   that gives no bytes for as long also ends the request with one.
 * @throws the `node:http` error (`ECONNREFUSED`, …), the signal's reason, or a
 *   {@link NoAnswerError}, when no answer came
 */
export function sendHttp(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: RequestBody | undefined,
  signal?: AbortSignal,
  answerMs: number = MAX_TIMER_MS,
): Promise<HttpAnswer> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const outHeaders: Record<string, string> = { ...headers };
  const hasLength = Object.keys(outHeaders).some((k) => k.toLowerCase() === 'content-length');
  const streamed = typeof body === 'function';
  if (!hasLength && !streamed && (body !== undefined || method === 'PUT' || method === 'POST')) {
    outHeaders['content-length'] = String(body?.byteLength ?? 0);
  }
  return new Promise<HttpAnswer>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const req = send(target, { method, headers: outHeaders });
    let timedOut: NoAnswerError | undefined;
    let answer: IncomingMessage | undefined;
    const limitMs = Math.min(Math.max(0, answerMs), MAX_TIMER_MS);
    let timer = setTimeout(() => req.destroy((timedOut = new NoAnswerError(answerMs))), limitMs);
    /** The answer limit again from now (a streamed body's bytes flowing, or its end). */
    const rearm = () => {
      if (answer) return;
      clearTimeout(timer);
      timer = setTimeout(() => req.destroy((timedOut = new NoAnswerError(answerMs))), limitMs);
    };
    const onAbort = () => {
      const reason = signal?.reason;
      const err = reason instanceof Error ? reason : new Error(String(reason));
      answer?.destroy(err);
      req.destroy(err);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);
    req.once('error', (err) => {
      clearTimeout(timer);
      done();
      reject(signal?.aborted ? signal.reason : (timedOut ?? err));
    });
    req.once('response', (msg: IncomingMessage) => {
      clearTimeout(timer);
      answer = msg;
      msg.once('close', done);
      resolve(new NodeAnswer(method, url, msg));
    });
    if (streamed) {
      const source = body();
      source.on('data', rearm);
      source.once('error', (err) => req.destroy(err));
      req.once('finish', rearm);
      req.once('close', () => (source as { destroy?: () => void }).destroy?.());
      source.pipe(req);
    } else {
      req.end(body);
    }
  });
}

/** A `node:http` answer as an {@link HttpAnswer} (HEAD and null-body statuses get no body). */
class NodeAnswer implements HttpAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  /** The body, read from the start (as a `Response`'s stream does), so an answer nobody reads still frees its connection. */
  readonly #body: Promise<Buffer>;
  #used = false;

  constructor(
    method: string,
    readonly url: string,
    msg: IncomingMessage,
  ) {
    this.status = msg.statusCode ?? 0;
    this.statusText = msg.statusMessage ?? '';
    const values = new Map<string, string>();
    for (let i = 0; i + 1 < msg.rawHeaders.length; i += 2) {
      const name = msg.rawHeaders[i].toLowerCase();
      const prev = values.get(name);
      values.set(name, prev === undefined ? msg.rawHeaders[i + 1] : `${prev}, ${msg.rawHeaders[i + 1]}`);
    }
    this.headers = { get: (name) => values.get(name.toLowerCase()) ?? null };
    if (method === 'HEAD' || NULL_BODY.has(this.status)) {
      msg.resume();
      this.#body = Promise.resolve(Buffer.alloc(0));
    } else {
      this.#body = readAll(msg);
      this.#body.catch(() => undefined); // met by the reader, if any
    }
  }

  /** The whole body; rejects with the stream's error when the connection breaks or is aborted meanwhile. */
  #bytes(): Promise<Buffer> {
    if (this.#used) return Promise.reject(new TypeError('Body is unusable: body has already been read'));
    this.#used = true;
    return this.#body;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = await this.#bytes();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return new TextDecoder('utf-8').decode(await this.#bytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

/** Every byte of `msg`; rejects with its error (e.g. the abort reason, a reset connection). */
async function readAll(msg: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of msg) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}
