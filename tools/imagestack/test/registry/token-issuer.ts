/**
 * A small token issuer for docker-registry's `auth: token` mode, started by the tests:
 * the part of Docker Hub's `auth.docker.io` or GHCR's `/token` that the registry and its
 * clients rely on, and nothing more. It is a real HTTP server; the registry it serves is
 * the real Debian `docker-registry`, which verifies every token it issues.
 *
 * What it does (Docker "Token Authentication Specification" and "Token Authentication
 * Implementation", docker/distribution docs/spec/auth/token.md and jwt.md):
 * - `GET /token?service=…&scope=…[&scope=…]&account=…` with Basic credentials; refuses a
 *   wrong or missing password with 401 (the registry is private), a foreign service with 400;
 * - grants exactly the scopes asked for (`repository:<name>:<actions>`, actions limited
 *   to pull, push, delete; to pull for read-only accounts) in the token's `access` claim;
 * - answers `{"token", "access_token", "expires_in", "issued_at"}`;
 * - signs the JWT with ES256 (ECDSA P-256, signature as r‖s, RFC 7518 section 3.4) with a
 *   key whose self-signed X.509 certificate is the registry's `rootcertbundle`. The JOSE
 *   header names the key either by `x5c` (the certificate, base64 DER; RFC 7515 section
 *   4.1.6) or by `kid`, the libtrust key ID of the public key (see {@link libtrustKeyId}).
 *   docker-registry 2.8 accepts both (registry/auth/token/token.go, VerifySigningKey).
 *
 * The key and certificate are made with `openssl` (Debian's, installed by tools/engine/up.sh).
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

/** One request the issuer answered, for assertions. */
export interface TokenRequest {
  /** `account` query parameter. */
  account?: string;
  /** Username of the Basic credentials, when any were sent. */
  username?: string;
  /** `scope` query parameters, in order (none for a token for `/v2/`). */
  scopes: string[];
  service?: string;
  /** HTTP status the issuer answered. */
  status: number;
  /** Who asked: `docker` for the engine (its `client_id`), else the User-Agent's first word. */
  client: string;
}

/** How the JOSE header names the signing key. */
export type KeyHint = 'x5c' | 'kid';

/** Options of {@link startTokenIssuer}. */
export interface TokenIssuerOptions {
  /** Folder for the key and certificate (`token-key.pem`, `token-cert.pem`). */
  dir: string;
  /** Accepted accounts: username → password. */
  users: Record<string, string>;
  /** Accounts granted `pull` only, whatever they ask for (a read-only robot account). */
  readOnly?: string[];
  /** The registry's `auth.token.service` (the token's `aud`). */
  service: string;
  /** The registry's `auth.token.issuer` (the token's `iss`). */
  issuer: string;
  /** Default `x5c`. */
  keyHint?: KeyHint;
  /** `expires_in` of the answers (s), default 300. */
  expiresIn?: number;
}

/** A running issuer. Its knobs can be changed between requests. */
export interface TokenIssuer {
  /** `http://127.0.0.1:<port>/token`: the registry's `auth.token.realm`. */
  realm: string;
  /** Path of the PEM certificate: the registry's `auth.token.rootcertbundle`. */
  certificate: string;
  /** Every request answered, oldest first. */
  requests: TokenRequest[];
  /** Every token issued, oldest first. */
  issued: string[];
  keyHint: KeyHint;
  expiresIn: number;
  /**
   * When set, the next token issued is already expired for the registry (its `exp` two
   * minutes in the past, beyond the registry's leeway) while `expires_in` still promises
   * `expiresIn` seconds: a token revoked or expired early, as clients must survive.
   */
  expireNext: boolean;
  /** Stops the server. */
  stop(): Promise<void>;
}

const base64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');
/** The real clock, kept when a test fakes `Date` to move the client's clock (the registry's stays real). */
const realNow: () => number = Date.now;

/**
 * The libtrust key ID of a public key (github.com/docker/libtrust, util.go
 * `keyIDFromCryptoKey`): SHA-256 of the DER SubjectPublicKeyInfo, its first 240 bits in
 * base32 (RFC 4648, no padding), in 12 groups of 4 characters joined by `:`.
 */
export function libtrustKeyId(spkiDer: Buffer): string {
  const hash = createHash('sha256').update(spkiDer).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of hash) bits += byte.toString(2).padStart(8, '0');
  let b32 = '';
  for (let i = 0; i < bits.length; i += 5) b32 += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return b32.match(/.{4}/g)!.join(':');
}

/** A Basic Authorization header's username and password, if it has one. */
function basicCredentials(header: string | undefined): { username: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** `repository:<name>:<actions>` → an `access` claim entry with the known actions, or undefined. */
function accessEntry(scope: string, allowed: readonly string[]): { type: string; name: string; actions: string[] } | undefined {
  const last = scope.lastIndexOf(':');
  const first = scope.indexOf(':');
  if (first < 0 || last <= first) return undefined;
  const type = scope.slice(0, first);
  const name = scope.slice(first + 1, last);
  const actions = scope
    .slice(last + 1)
    .split(',')
    .filter((a) => allowed.includes(a));
  return type === 'repository' && name ? { type, name, actions } : undefined;
}

/**
 * Makes an EC P-256 key and a self-signed certificate for it in `dir` with openssl, and
 * starts the issuer on a free port of 127.0.0.1.
 *
 * @throws Error when openssl is missing or fails
 */
export async function startTokenIssuer(opts: TokenIssuerOptions): Promise<TokenIssuer> {
  const keyFile = path.join(opts.dir, 'token-key.pem');
  const certFile = path.join(opts.dir, 'token-cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=imagestack test token issuer', '-keyout', keyFile, '-out', certFile],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const key = createPrivateKey(readFileSync(keyFile));
  const cert = new X509Certificate(readFileSync(certFile));
  const x5c = [cert.raw.toString('base64')];
  const kid = libtrustKeyId(createPublicKey(key).export({ type: 'spki', format: 'der' }));

  const state = {
    requests: [] as TokenRequest[],
    issued: [] as string[],
    keyHint: opts.keyHint ?? ('x5c' as KeyHint),
    expiresIn: opts.expiresIn ?? 300,
    expireNext: false,
  };

  const jwt = (account: string, scopes: string[]): string => {
    const header = { typ: 'JWT', alg: 'ES256', ...(state.keyHint === 'x5c' ? { x5c } : { kid }) };
    const now = Math.floor(realNow() / 1000);
    const expired = state.expireNext;
    state.expireNext = false;
    const claims = {
      iss: opts.issuer,
      sub: account,
      aud: opts.service,
      exp: expired ? now - 120 : now + state.expiresIn,
      nbf: expired ? now - 300 : now - 10,
      iat: expired ? now - 300 : now,
      jti: randomBytes(12).toString('hex'),
      access: scopes.map((s) => accessEntry(s, opts.readOnly?.includes(account) ? ['pull'] : ['pull', 'push', 'delete', '*'])).filter((a) => a !== undefined),
    };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${base64url(signature)}`;
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://issuer');
    const creds = basicCredentials(req.headers.authorization);
    const record: TokenRequest = {
      account: url.searchParams.get('account') ?? undefined,
      username: creds?.username,
      scopes: url.searchParams.getAll('scope'),
      service: url.searchParams.get('service') ?? undefined,
      status: 200,
      client: url.searchParams.get('client_id') ?? String(req.headers['user-agent'] ?? '').split(/[\s/]/)[0],
    };
    const answer = (status: number, body: unknown) => {
      record.status = status;
      state.requests.push(record);
      res.writeHead(status, { 'content-type': 'application/json', ...(status === 401 ? { 'www-authenticate': 'Basic realm="imagestack test token issuer"' } : {}) });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || url.pathname !== '/token') return answer(404, { errors: [{ code: 'NOT_FOUND', message: 'only GET /token' }] });
    if (record.service !== opts.service) return answer(400, { errors: [{ code: 'INVALID_SERVICE', message: `unknown service ${record.service}` }] });
    if (!creds || !Object.prototype.hasOwnProperty.call(opts.users, creds.username) || opts.users[creds.username] !== creds.password) {
      return answer(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
    }
    const token = jwt(creds.username, record.scopes);
    state.issued.push(token);
    answer(200, { token, access_token: token, expires_in: state.expiresIn, issued_at: new Date(realNow()).toISOString() });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  return Object.assign(state, {
    realm: `http://127.0.0.1:${port}/token`,
    certificate: certFile,
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  });
}

/** The claims of a JWT, decoded without verification (for assertions). */
export function jwtClaims(token: string): { access: Array<{ type: string; name: string; actions: string[] }>; sub: string; exp: number } {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}
