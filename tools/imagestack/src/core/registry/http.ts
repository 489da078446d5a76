/**
 * One HTTP exchange for the registry {@link Transport} (./transport.ts), sent with
 * `node:http`/`node:https` and answered as a WHATWG `Response`, so the operations read it
 * as they would a `fetch` answer.
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
import { Readable } from 'node:stream';

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
): Promise<Response> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const outHeaders: Record<string, string> = { ...headers };
  const hasLength = Object.keys(outHeaders).some((k) => k.toLowerCase() === 'content-length');
  const streamed = typeof body === 'function';
  if (!hasLength && !streamed && (body !== undefined || method === 'PUT' || method === 'POST')) {
    outHeaders['content-length'] = String(body?.byteLength ?? 0);
  }
  return new Promise<Response>((resolve, reject) => {
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
      resolve(toResponse(method, url, msg));
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

/** The WHATWG `Response` for a `node:http` answer (HEAD and null-body statuses get no body). */
function toResponse(method: string, url: string, msg: IncomingMessage): Response {
  const headers = new Headers();
  for (let i = 0; i + 1 < msg.rawHeaders.length; i += 2) headers.append(msg.rawHeaders[i], msg.rawHeaders[i + 1]);
  const status = msg.statusCode ?? 0;
  const empty = method === 'HEAD' || NULL_BODY.has(status);
  if (empty) msg.resume();
  const body = empty ? null : (Readable.toWeb(msg) as unknown as ReadableStream<Uint8Array>);
  const res = new Response(body, { status, statusText: msg.statusMessage ?? '', headers });
  Object.defineProperty(res, 'url', { value: url });
  return res;
}
