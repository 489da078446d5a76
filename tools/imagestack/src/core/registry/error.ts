/**
 * Turning registry answers into {@link RegistryError}s that say what happened and what
 * to do, with the OCI error codes parsed from the body (OCI distribution spec v1.1,
 * "Error Codes": `{"errors":[{"code":"MANIFEST_UNKNOWN","message":…,"detail":…}]}`).
 * Every message passes through {@link redact}.
 */
import { RegistryError } from '../errors';
import { parseChallenges } from './challenge';
import { NoAnswerError, type HttpAnswer } from './http';
import { redact } from './redact';
import { ATTEMPT_TIMEOUT_MS } from './retry';

/** One entry of the spec's error body. */
export interface OciErrorEntry {
  code: string;
  message?: string;
}

/** Longest body we read to build an error message (bytes). */
const MAX_ERROR_BODY = 8 * 1024;

/**
 * True for answers worth retrying: 408, 429, and 5xx except 501 (Not Implemented:
 * asking again will not implement it).
 */
export function isTemporaryStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status <= 599);
}

/** Parses the spec's error body; `[]` when the body is not one. */
export function parseErrorBody(body: string): OciErrorEntry[] {
  try {
    const parsed = JSON.parse(body) as { errors?: unknown };
    if (!parsed || !Array.isArray(parsed.errors)) return [];
    return parsed.errors
      .filter((e): e is { code: unknown; message?: unknown } => !!e && typeof e === 'object' && 'code' in e)
      .map((e) => ({ code: String(e.code), message: typeof e.message === 'string' ? e.message : undefined }));
  } catch {
    return [];
  }
}

/** What the request was, to word the advice. */
export interface ErrorContext {
  /** Registry host[:port], as the user wrote it. */
  registry: string;
  /** Repository the request was about, when there is one. */
  repository?: string;
  /** Whether credentials were sent (changes the 401 advice). */
  authenticated?: boolean;
  /** Where the credentials came from (`credentialSource`), named in the 401 advice. */
  credentialSource?: string;
  /** Origin of the token server, when it (not the registry) gave the answer. */
  tokenServer?: string;
  /** How many attempts were made (for 429/5xx advice). */
  attempts?: number;
}

/** How to give credentials, for the advice of 401 and 403. */
function howToLogIn(registry: string): string {
  return `set IMAGESTACK_REGISTRY_USERNAME/PASSWORD or docker login ${registry} (config.json auths, credHelpers or credsStore)`;
}

const ACTION_ORDER = ['pull', 'push', 'delete'];

/**
 * A token scope with its actions in one order (`repository:a:push,pull` →
 * `repository:a:pull,push`): docker-registry lists them in no fixed order in its challenges,
 * and a message should read the same every time. Space-separated scopes are each ordered.
 */
export function canonicalScope(scope: string): string {
  return scope
    .split(' ')
    .map((one) => {
      const at = one.lastIndexOf(':');
      if (at < 0) return one;
      const rank = (a: string) => (ACTION_ORDER.includes(a) ? ACTION_ORDER.indexOf(a) : ACTION_ORDER.length);
      const actions = one.slice(at + 1).split(',').sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
      return `${one.slice(0, at)}:${actions.join(',')}`;
    })
    .join(' ');
}

/**
 * The advice for a status, one clause. `insufficientScope` is the scope of a 401 whose
 * challenge says `error="insufficient_scope"` (Docker token spec; what docker-registry
 * answers when a valid token lacks an action, e.g. push for a read-only account).
 */
function advice(method: string, status: number, codes: readonly string[], ctx: ErrorContext, insufficientScope?: string): string {
  const login = howToLogIn(ctx.registry);
  const from = ctx.credentialSource ? ` (from ${ctx.credentialSource})` : '';
  if (status === 401 && insufficientScope !== undefined) {
    const what = insufficientScope ? `"${canonicalScope(insufficientScope)}"` : 'this';
    return ctx.authenticated
      ? `denied: the credentials${from} were accepted by ${ctx.registry} but do not grant ${what}: the account may lack that access to ${ctx.repository ?? 'the repository'}, or it does not exist; use an account with access (${login})`
      : `unauthorized: anonymous access to ${ctx.registry} does not grant ${what}; ${login}`;
  }
  if (status === 401) {
    const by = ctx.tokenServer ? `the token server ${ctx.tokenServer} of ${ctx.registry}` : ctx.registry;
    return ctx.authenticated
      ? `unauthorized: ${by} rejected the credentials${from}; check them, then ${login}`
      : `unauthorized: ${by} needs credentials and none were found; ${login}`;
  }
  if (status === 403) {
    return `denied: the credentials${from} for ${ctx.registry} do not allow this on ${ctx.repository ?? 'this registry'}; use an account with access (${login})`;
  }
  if (status === 404) {
    if (codes.includes('NAME_UNKNOWN')) return `repository ${ctx.repository ?? ''} does not exist in ${ctx.registry}`;
    return 'not found: check the repository name, tag or digest';
  }
  if (status === 405 && method === 'DELETE') {
    return 'the registry does not allow deletes (for docker-registry set storage.delete.enabled: true)';
  }
  if (status === 429) return `rate limited by ${ctx.registry} (${ctx.attempts ?? 1} attempt(s)); try again later or authenticate`;
  if (isTemporaryStatus(status)) return `the registry failed after ${ctx.attempts ?? 1} attempt(s); try again later`;
  if (status === 400 || status === 413 || status === 415) return 'the registry refused the request as invalid';
  return 'unexpected answer from the registry';
}

/**
 * Builds the error for a response whose status the caller cannot accept. Reads (and so
 * consumes) up to 8 KiB of the body for the OCI error codes.
 *
 * Message: `<METHOD> <url>: <status> <statusText> [CODE: message; …]: <advice>`.
 */
export async function errorFromResponse(method: string, url: string, res: HttpAnswer, ctx: ErrorContext): Promise<RegistryError> {
  let body = '';
  if (method !== 'HEAD') {
    try {
      body = (await res.text()).slice(0, MAX_ERROR_BODY);
    } catch {
      body = '';
    }
  }
  const entries = parseErrorBody(body);
  const codes = entries.map((e) => e.code);
  const details = entries.length
    ? ` [${entries.map((e) => (e.message ? `${e.code}: ${e.message}` : e.code)).join('; ')}]`
    : '';
  const retryAfter = res.headers.get('retry-after');
  const wait = retryAfter && isTemporaryStatus(res.status) ? ` (the registry asks to retry after ${retryAfter.trim()}${/^\d+$/.test(retryAfter.trim()) ? ' s' : ''})` : '';
  const insufficient = parseChallenges(res.headers.get('www-authenticate')).find((c) => c.params.error === 'insufficient_scope');
  const scope = insufficient ? (insufficient.params.scope ?? '') : undefined;
  const text = `${method} ${url}: ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${details}: ${advice(method, res.status, codes, ctx, scope)}${wait}`;
  return new RegistryError(redact(text), res.status, codes, isTemporaryStatus(res.status));
}

/** The error code of a network failure (`ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_…`, `TimeoutError`), when there is one. */
export function networkErrorCode(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const o = e as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
    if (typeof o.code === 'string') return o.code;
    if (Array.isArray(o.errors) && o.errors.length) {
      const inner = networkErrorCode(o.errors[0]);
      if (inner) return inner;
    }
    if (o.name === 'TimeoutError' || o.name === 'AbortError') return String(o.name);
    e = o.cause;
  }
  return undefined;
}

/** The {@link NoAnswerError} in `err` or its causes, if any. */
function noAnswer(err: unknown): NoAnswerError | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof NoAnswerError) return e;
  }
  return undefined;
}

/**
 * Builds the error for a request that got no answer (connection refused, DNS, TLS,
 * timeout: "the registry at <origin> did not answer within N s") after every retry.
 * `temporary` is true: the next run may succeed.
 *
 * @param target what was not reached, e.g. `registry at http://127.0.0.1:5000`
 */
export function networkError(method: string, url: string, target: string, err: unknown, attempts: number): RegistryError {
  const code = networkErrorCode(err) ?? (err instanceof Error ? err.message : String(err));
  let hint = `cannot reach ${target}: is it running?`;
  const stall = noAnswer(err);
  if (stall) {
    hint = `the ${target} did not answer within ${stall.ms / 1000} s`;
  } else if (code === 'TimeoutError') {
    hint = `the ${target} did not finish answering within ${ATTEMPT_TIMEOUT_MS / 1000} s`;
  } else if (/CERT|SSL|TLS|EPROTO/i.test(code)) {
    hint = `TLS with ${target} failed: if it serves plain HTTP, use scheme 'http'`;
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    hint = `cannot resolve the host of ${target}: check its name and your network`;
  }
  return new RegistryError(redact(`${method} ${url}: ${hint} (${code}, ${attempts} attempt(s))`), undefined, [], true);
}
