/**
 * Registry authentication: answering `WWW-Authenticate` challenges (RFC 7235 section 4.1,
 * read by ./challenge.ts) with Basic (RFC 7617) or with a bearer token
 * obtained from the token server (Docker registry "Token Authentication Specification"
 * and its OAuth2 variant for identity tokens), and caching tokens per scope.
 *
 * The flow, as go-containerregistry's `transport/bearer.go` does it: send the request
 * with what we know; on a 401, read the challenge, get a token for the request's scope
 * (`repository:<name>:<actions>`) from `realm?service=…&scope=…` with Basic credentials
 * when we have them, and send the request again once. The challenge is remembered, so
 * later requests carry their Authorization from the start (one round trip, not two).
 */
import { RegistryError } from '../errors';
import { credentialSource, type Credentials } from './credentials';
import { parseChallenges, type Challenge } from './challenge';
import { errorFromResponse } from './error';
import type { HttpAnswer } from './http';
import { redact, registerSecret } from './redact';

export { parseChallenges, type Challenge } from './challenge';

/** `Basic base64(username:password)` (RFC 7617). */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * A token-server scope for one repository (Docker token spec, "Requesting a Token"):
 * `repository:<name>:<actions>` with actions such as `pull`, `pull,push`, `delete`.
 */
export function repositoryScope(repository: string, actions: readonly string[]): string {
  return `repository:${repository}:${actions.join(',')}`;
}

/** How the authenticator sends its own requests (token requests), with retries and request events. */
export type Sender = (method: string, url: string, headers: Record<string, string>, body?: Buffer) => Promise<HttpAnswer>;

interface CachedToken {
  token: string;
  /** Epoch ms after which we fetch a new one. */
  expiresAt: number;
}

/** Token lifetime the token spec says to assume when `expires_in` is absent (seconds). */
const DEFAULT_TOKEN_SECONDS = 60;
/** Refresh a token this long before it expires (ms). */
const EXPIRY_MARGIN_MS = 5_000;

/**
 * Answers a registry's challenges for one registry and one set of credentials: knows the
 * challenge once seen, caches bearer tokens per scope (a `pull,push` token also serves
 * `pull`), and shares a token request in flight between concurrent callers.
 */
export class Authenticator {
  #challenge: Challenge | undefined;
  readonly #tokens = new Map<string, CachedToken>();
  readonly #pending = new Map<string, Promise<string>>();

  /**
   * @param registry host[:port], for messages
   * @param credentials resolved lazily by the first request that needs them
   * @param send how to send token requests (the transport's retrying sender)
   */
  constructor(
    readonly registry: string,
    private readonly credentials: () => Promise<Credentials | undefined>,
    private readonly send: Sender,
  ) {}

  /** The challenge the registry answered with, once one was seen (for tests and diagnostics). */
  get challenge(): Challenge | undefined {
    return this.#challenge;
  }

  /** Whether credentials are configured (changes the advice of a 401). */
  async hasCredentials(): Promise<boolean> {
    return !!(await this.credentials());
  }

  /**
   * The `Authorization` header value for a request in `scope` (`undefined` = send none):
   * a configured registry token as is; Basic when the registry asked for Basic; a bearer
   * token for the scope when it asked for Bearer; nothing before any challenge was seen.
   *
   * @throws RegistryError when the token server refuses or fails
   */
  async authorization(scope: string | undefined): Promise<string | undefined> {
    const creds = await this.credentials();
    if (creds?.registryToken) return `Bearer ${creds.registryToken}`;
    const ch = this.#challenge;
    if (!ch) return undefined;
    if (ch.scheme === 'basic') {
      return creds?.username && creds.password ? basicAuthorization(creds.username, creds.password) : undefined;
    }
    if (ch.scheme === 'bearer') return `Bearer ${await this.#token(ch, scope, creds)}`;
    return undefined;
  }

  /**
   * Learns from a 401: reads its challenges (preferring Bearer, then Basic), forgets a
   * rejected cached token, and says whether sending the request again may succeed.
   *
   * @param wwwAuthenticate the 401's `WWW-Authenticate` header
   * @param sent the `Authorization` value the rejected request carried, if any
   */
  async unauthorized(wwwAuthenticate: string | null, sent: string | undefined, scope: string | undefined): Promise<boolean> {
    const challenges = parseChallenges(wwwAuthenticate);
    const chosen = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
    if (!chosen) return false;
    const creds = await this.credentials();
    if (creds?.registryToken) return false; // a static token was rejected: nothing else to try
    this.#challenge = chosen;
    if (chosen.scheme === 'basic') return !!(creds?.username && creds.password) && !sent?.startsWith('Basic ');
    // Bearer: drop the rejected token (it may have expired early) and try a fresh one. Only
    // the token this request carried: a request sent before any challenge was seen carries
    // none, and a token fetched meanwhile by a parallel request is still good.
    const rejected = sent?.startsWith('Bearer ') ? sent.slice('Bearer '.length) : undefined;
    for (const key of this.#keysFor(scope)) if (rejected !== undefined && this.#tokens.get(key)?.token === rejected) this.#tokens.delete(key);
    return true;
  }

  #keysFor(scope: string | undefined): string[] {
    const key = scope ?? '';
    const m = /^(repository:.+):pull$/.exec(key);
    return m ? [key, `${m[1]}:pull,push`] : [key];
  }

  async #token(ch: Challenge, scope: string | undefined, creds: Credentials | undefined): Promise<string> {
    const now = Date.now();
    for (const key of this.#keysFor(scope)) {
      const cached = this.#tokens.get(key);
      if (cached && cached.expiresAt > now) return cached.token;
    }
    const key = scope ?? '';
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#fetchToken(ch, scope, creds).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  /** Rethrows a network failure of a token request, saying that the unreachable server is the registry's token server. */
  #unreachable(e: unknown): never {
    if (e instanceof RegistryError && e.status === undefined) {
      throw new RegistryError(`${e.message}; it is the token server (realm) that ${this.registry} named in its challenge`, undefined, e.codes, e.temporary);
    }
    throw e;
  }

  /**
   * Docker token spec, "Requesting a Token": `GET realm?service=…&scope=…` with Basic
   * credentials when we have them (anonymous otherwise); with an identity token, the
   * OAuth2 form `POST realm` `grant_type=refresh_token&refresh_token=…`. The answer's
   * `token` (or `access_token`) is cached for `expires_in` seconds (default 60).
   */
  async #fetchToken(ch: Challenge, scope: string | undefined, creds: Credentials | undefined): Promise<string> {
    const realm = ch.params.realm;
    if (!realm) {
      throw new RegistryError(`${this.registry} asked for a bearer token but named no realm (WWW-Authenticate has no realm)`, 401, [], false);
    }
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegistryError(`${this.registry} named an invalid token realm ${redact(realm)}`, 401, [], false);
    }
    const service = ch.params.service;
    let res: HttpAnswer;
    let method: string;
    if (creds?.identityToken) {
      method = 'POST';
      const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: 'imagestack', refresh_token: creds.identityToken });
      if (service) form.set('service', service);
      if (scope) form.set('scope', scope);
      res = await this.send(method, url.toString(), { 'content-type': 'application/x-www-form-urlencoded' }, Buffer.from(form.toString())).catch(
        (e: unknown) => this.#unreachable(e),
      );
    } else {
      method = 'GET';
      if (service) url.searchParams.set('service', service);
      if (scope) url.searchParams.set('scope', scope);
      const headers: Record<string, string> = {};
      if (creds?.username && creds.password) {
        url.searchParams.set('account', creds.username);
        headers.authorization = basicAuthorization(creds.username, creds.password);
      }
      res = await this.send(method, url.toString(), headers).catch((e: unknown) => this.#unreachable(e));
    }
    if (res.status !== 200) {
      throw await errorFromResponse(method, redact(url.toString()), res, {
        registry: this.registry,
        repository: scope?.split(':')[1],
        authenticated: !!creds,
        credentialSource: credentialSource(creds),
        tokenServer: url.origin,
      });
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new RegistryError(`${method} ${redact(url.toString())}: the token server answered with no JSON`, res.status, [], false);
    }
    const token = typeof body.token === 'string' && body.token ? body.token : body.access_token;
    if (typeof token !== 'string' || !token) {
      throw new RegistryError(`${method} ${redact(url.toString())}: the token server's answer has no token or access_token`, res.status, [], false);
    }
    registerSecret(token);
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_SECONDS;
    this.#tokens.set(scope ?? '', { token, expiresAt: Date.now() + Math.max(seconds * 1000 - EXPIRY_MARGIN_MS, 1_000) });
    return token;
  }
}
