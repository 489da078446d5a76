/**
 * The bearer-token flow (the `WWW-Authenticate: Bearer realm=…,service=…,scope=…`
 * challenge of Docker Hub and GHCR) against the real Debian docker-registry configured
 * with `auth: token`, whose realm is a small token issuer started here (token-issuer.ts):
 * it checks Basic credentials and signs JWTs the registry verifies against the issuer's
 * certificate. The client, the CLI and the engine all do their token dance against it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RegistryError } from '../../src/core/errors';
import { RegistryClient, sha256Digest, type RequestEvent } from '../../src/core/registry';
import { Workspace, writeTinyStack } from '../support/workspace';
import { docker, startRegistry, type StartedRegistry } from './support';
import { jwtClaims, startTokenIssuer, type TokenIssuer } from './token-issuer';

const USER = 'tester';
// ':' and '@' inside: Basic splits at the first colon only, and nothing URL-encodes it.
const PASSWORD = 'Token:issuer@pass-8841';
/** An account the issuer grants pull only (a read-only robot account). */
const READER = 'reader';
const READER_PASSWORD = 'Reader-pass-never-shown-19';
const SERVICE = 'imagestack-test-registry';
const ISSUER = 'imagestack-test-issuer';

/** Every file under `dir`, read as text, joined (for "no secret anywhere" checks). */
function allText(dir: string): string {
  let out = '';
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out += readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
  }
  return out;
}

describe('docker-registry with token auth and a token issuer', () => {
  let dir: string;
  let issuer: TokenIssuer;
  let started: StartedRegistry;
  let host: string;
  const creds = { username: USER, password: PASSWORD };
  /** `METHOD status path` of the client's requests: registry paths, `token <scopes>` for the issuer. */
  const trace = (events: RequestEvent[]) =>
    events.map((e) => {
      const u = new URL(e.url);
      return u.pathname === '/token' ? `token ${u.searchParams.getAll('scope').join(' ') || '-'} ${e.status}` : `${e.method} ${u.pathname} ${e.status}`;
    });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-token-registry-'));
    issuer = await startTokenIssuer({ dir, users: { [USER]: PASSWORD, [READER]: READER_PASSWORD }, readOnly: [READER], service: SERVICE, issuer: ISSUER });
    started = await startRegistry(
      dir,
      `auth:
  token:
    realm: ${issuer.realm}
    service: ${SERVICE}
    issuer: ${ISSUER}
    rootcertbundle: ${issuer.certificate}
`,
    );
    host = started.host;
  });

  afterAll(async () => {
    vi.useRealTimers();
    await started?.stop();
    await issuer?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the registry verifies tokens whose key is named by x5c (certificate) and by kid (libtrust key ID)', async () => {
    for (const hint of ['x5c', 'kid'] as const) {
      issuer.keyHint = hint;
      const events: RequestEvent[] = [];
      const client = new RegistryClient({ registry: host, credentials: creds, onRequest: (e) => events.push(e) });
      await client.ping();
      expect(trace(events)).toEqual(['GET /v2/ 401', 'token - 200', 'GET /v2/ 200']);
      expect(client.transport.auth.challenge).toEqual({ scheme: 'bearer', params: { realm: issuer.realm, service: SERVICE } });
    }
    issuer.keyHint = 'x5c';
    // And it does verify them: the last token passes, the same token with another signature does not.
    const token = issuer.issued.at(-1)!;
    const [h, c, sig] = token.split('.');
    const forged = `${h}.${c}.${Buffer.from(sig, 'base64url').map((b, i) => (i === 0 ? b ^ 1 : b)).toString('base64url')}`;
    const status = async (t: string) => (await fetch(`http://${host}/v2/`, { headers: { authorization: `Bearer ${t}` } })).status;
    expect(await status(token)).toBe(200);
    expect(await status(forged)).toBe(401);
  });

  it('anonymous: refused, naming the registry and how to give credentials', async () => {
    const client = new RegistryClient({ registry: host, credentials: null });
    const err = (await client.headManifest('imagestack-test/a', 'latest').catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBe(401);
    expect(err.temporary).toBe(false);
    expect(err.message).toContain(host);
    expect(err.message).toContain(`the token server ${new URL(issuer.realm).origin} of ${host} needs credentials and none were found`);
    expect(err.message).toContain(`set IMAGESTACK_REGISTRY_USERNAME/PASSWORD or docker login ${host}`);
  });

  it('a wrong password: refused by the issuer with 401, the password never in the error', async () => {
    const wrong = 'Wrong-token-pass-never-shown-31';
    const events: RequestEvent[] = [];
    const client = new RegistryClient({ registry: host, credentials: { username: USER, password: wrong }, onRequest: (e) => events.push(e) });
    const err = (await client.listTags('imagestack-test/a').catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBe(401);
    expect(err.message).toContain(`the token server ${new URL(issuer.realm).origin} of ${host} rejected the credentials; check them`);
    const text = `${err.message}\n${err.stack}\n${JSON.stringify(events)}`;
    for (const secret of [wrong, Buffer.from(`${USER}:${wrong}`).toString('base64')]) expect(text).not.toContain(secret);
  });

  it('asks for exactly the scope each repository needs, re-uses tokens, never sends one repository a token of another', async () => {
    const events: RequestEvent[] = [];
    const client = new RegistryClient({ registry: host, credentials: creds, onRequest: (e) => events.push(e) });
    await client.ping();
    const first = issuer.issued.length;
    events.length = 0;

    // A pull token for a, used twice.
    expect(await client.headManifest('scope/a', 'x')).toBeUndefined();
    expect(await client.listTags('scope/a')).toEqual([]);
    // b gets its own token: a's is not sent to it (the registry would answer 401 first).
    expect(await client.headManifest('scope/b', 'x')).toBeUndefined();
    expect(trace(events)).toEqual([
      'token repository:scope/a:pull 200',
      'HEAD /v2/scope/a/manifests/x 404',
      'GET /v2/scope/a/tags/list 404',
      'token repository:scope/b:pull 200',
      'HEAD /v2/scope/b/manifests/x 404',
    ]);
    const granted = issuer.issued.slice(first).map((t) => jwtClaims(t).access);
    expect(granted).toEqual([
      [{ type: 'repository', name: 'scope/a', actions: ['pull'] }],
      [{ type: 'repository', name: 'scope/b', actions: ['pull'] }],
    ]);
  });

  it('pushes with a pull,push token that then also serves pulls of that repository; deletes with a delete token', async () => {
    // An image manifest needs its blobs in the repository: push a config blob first, the
    // way the engine does (POST uploads, PUT with digest) — through the client's transport.
    const events: RequestEvent[] = [];
    const client = new RegistryClient({ registry: host, credentials: creds, onRequest: (e) => events.push(e) });
    const repo = 'scope/pushed';
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: {} }));
    const configDigest = sha256Digest(config);
    const scope = `repository:${repo}:pull,push`;
    const start = await client.transport.request({ method: 'POST', path: `/v2/${repo}/blobs/uploads/`, scope });
    expect(start.status).toBe(202);
    const location = new URL(start.headers.get('location')!, client.baseUrl);
    location.searchParams.set('digest', configDigest);
    const put = await client.transport.request({
      method: 'PUT',
      path: location.toString(),
      scope,
      headers: { 'content-type': 'application/octet-stream' },
      body: config,
    });
    expect(put.status).toBe(201);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
        layers: [],
      }),
    );
    const d = await client.putManifest(repo, 'v1', manifest, 'application/vnd.oci.image.manifest.v1+json');
    events.length = 0;
    expect((await client.headManifest(repo, 'v1'))?.digest).toBe(d.digest);
    expect((await client.getManifest(repo, 'v1')).bytes.equals(manifest)).toBe(true);
    expect(await client.putManifest(repo, 'v1-stable', manifest, d.mediaType)).toEqual(d);
    expect(await client.listTags(repo)).toEqual(['v1', 'v1-stable']);
    // No new token: the pull,push one serves HEAD, GET, PUT and the tag list.
    expect(trace(events).filter((t) => t.startsWith('token'))).toEqual([]);
    expect(trace(events).every((t) => !t.endsWith(' 401'))).toBe(true);

    // A delete needs (and asks for) the delete action.
    const doomed = Buffer.from(JSON.stringify({ ...JSON.parse(manifest.toString()), annotations: { doomed: 'yes' } }));
    const dd = await client.putManifest(repo, 'doomed', doomed, d.mediaType);
    events.length = 0;
    await client.deleteManifest(repo, dd.digest);
    expect(trace(events)).toEqual([`token repository:${repo}:delete 200`, `DELETE /v2/${repo}/manifests/${dd.digest} 202`]);
    expect(await client.headManifest(repo, 'doomed')).toBeUndefined();
  });

  it('an account without push: the registry says insufficient_scope, and the error says the credentials lack access', async () => {
    const client = new RegistryClient({ registry: host, credentials: { username: READER, password: READER_PASSWORD } });
    const { bytes, descriptor } = await client.getManifest('scope/pushed', 'v1');
    const err = (await client.putManifest('scope/pushed', 'v2', bytes, descriptor.mediaType).catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBe(401);
    expect(err.message).toContain(`denied: the credentials were accepted by ${host} but do not grant "repository:scope/pushed:pull,push"`);
    expect(err.message).toContain('use an account with access');
    expect(err.message).not.toContain(READER_PASSWORD);
    expect(await client.listTags('scope/pushed')).toEqual(['v1', 'v1-stable']);
  });

  it('a token the registry rejects (expired early) is replaced once, and the request succeeds', async () => {
    const events: RequestEvent[] = [];
    const client = new RegistryClient({ registry: host, credentials: creds, onRequest: (e) => events.push(e) });
    await client.ping();
    events.length = 0;
    issuer.expireNext = true;
    expect(await client.listTags('scope/pushed')).toEqual(['v1', 'v1-stable']);
    expect(trace(events)).toEqual([
      'token repository:scope/pushed:pull 200',
      'GET /v2/scope/pushed/tags/list 401',
      'token repository:scope/pushed:pull 200',
      'GET /v2/scope/pushed/tags/list 200',
    ]);
  });

  it('a token past its expires_in is not sent again: a new one is fetched', async () => {
    const events: RequestEvent[] = [];
    const client = new RegistryClient({ registry: host, credentials: creds, onRequest: (e) => events.push(e) });
    await client.ping();
    await client.listTags('scope/pushed');
    events.length = 0;
    await client.listTags('scope/pushed');
    expect(trace(events)).toEqual(['GET /v2/scope/pushed/tags/list 200']);
    // Move the client's clock past expires_in (300 s); the registry's and the issuer's stay real.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 301_000);
      events.length = 0;
      await client.listTags('scope/pushed');
      expect(trace(events)).toEqual(['token repository:scope/pushed:pull 200', 'GET /v2/scope/pushed/tags/list 200']);
    } finally {
      vi.useRealTimers();
    }
  });

  describe('the CLI and the engine', () => {
    let ws: Workspace;
    const made: string[] = [];
    beforeAll(() => {
      ws = new Workspace('imagestack-token-');
      writeTinyStack(ws, host);
      ws.commit('tiny stack');
    });
    afterAll(() => {
      for (const ref of made) {
        try {
          docker(['rmi', ref]);
        } catch {
          /* never made (the test failed before) */
        }
      }
      ws?.dispose();
    });

    it('plan, build and push through the engine, which does its own token dance; then pull a parent with it; no secret printed', async () => {
      // Credentials from the environment only; an empty Docker config folder, so the
      // machine's ~/.docker/config.json plays no part.
      const env = { IMAGESTACK_REGISTRY: host, DOCKER_CONFIG: path.join(dir, 'empty-docker-config'), IMAGESTACK_REGISTRY_USERNAME: USER, IMAGESTACK_REGISTRY_PASSWORD: PASSWORD };
      const ref = (e: { image: string; tag: string }) => `${host}/${ws.namespace}/${e.image}:${e.tag}`;

      let seen = issuer.requests.length;
      const plan = await ws.cli(['plan', '--json'], env);
      expect(plan.code, plan.stderr).toBe(0);
      const planned = JSON.parse(plan.stdout) as { images: Array<{ image: string; version: string; action: string; reason: string; tag: string }> };
      expect(planned.images.every((e) => e.action === 'build' && e.reason === 'tag missing in the registry')).toBe(true);
      // One token per repository, asked with exactly that repository's pull scope.
      expect(issuer.requests.slice(seen).flatMap((r) => r.scopes).sort()).toEqual(
        ['base', 'leaf', 'mid', 'multi', 'side'].map((i) => `repository:${ws.namespace}/${i}:pull`),
      );
      const find = (image: string) => planned.images.find((e) => e.image === image && e.version === '2026.2')!;
      const [base, mid, leaf] = [find('base'), find('mid'), find('leaf')];

      // Build base and mid: the client checks tags, the engine pushes with its own tokens.
      seen = issuer.requests.length;
      const out1 = path.join(dir, 'build-1');
      const build1 = await ws.cli(['build', 'mid', '--version', '2026.2', '--output', out1], env);
      made.push(ref(base), ref(mid));
      expect(build1.code, build1.stdout + build1.stderr).toBe(0);
      const asked = issuer.requests.slice(seen);
      const client = new RegistryClient({ registry: host, credentials: creds });
      expect(await client.listTags(`${ws.namespace}/base`)).toEqual([base.tag]);
      expect(await client.listTags(`${ws.namespace}/mid`)).toEqual([mid.tag]);
      expect(asked.every((r) => r.status === 200 && r.username === USER)).toBe(true);
      // The engine (client_id=docker) asked for push scopes, mounting base's layers into mid.
      const engineScopes = asked.filter((r) => r.client === 'docker').flatMap((r) => r.scopes);
      expect(engineScopes).toContain(`repository:${ws.namespace}/base:push,pull`);
      expect(engineScopes).toContain(`repository:${ws.namespace}/mid:push,pull`);
      // The CLI's own client asked once per repository: the run re-uses the plan's client and tokens.
      const own = asked.filter((r) => r.client !== 'docker').flatMap((r) => r.scopes);
      expect(own.length).toBe(new Set(own).size);

      // Without base and mid in the engine, building leaf takes mid from the registry through the
      // engine, with auth: pulled first by the legacy builder, fetched by BuildKit as it builds
      // (steps/parents.ts).
      docker(['rmi', ref(base), ref(mid)]);
      made.length = 0;
      seen = issuer.requests.length;
      const out2 = path.join(dir, 'build-2');
      const build2 = await ws.cli(['build', 'leaf', '--version', '2026.2', '--output', out2], env);
      made.push(ref(mid), ref(leaf));
      expect(build2.code, build2.stdout + build2.stderr).toBe(0);
      const leafLog = readFileSync(path.join(out2, 'logs', 'leaf-2026.2.log'), 'utf8');
      if (leafLog.includes('BuildKit takes its layers')) expect(leafLog).toContain(`load metadata for ${ref(mid)}`);
      else expect(leafLog).toContain(`pulling ${ref(mid)}`);
      const pulls = issuer.requests.slice(seen).filter((r) => r.client === 'docker').flatMap((r) => r.scopes);
      expect(pulls).toContain(`repository:${ws.namespace}/mid:pull`);
      expect(await client.listTags(`${ws.namespace}/leaf`)).toEqual([leaf.tag]);

      // Neither the password, its Basic encoding nor any token issued appears in the output, logs or reports.
      const text = `${plan.stdout}${plan.stderr}${build1.stdout}${build1.stderr}${build2.stdout}${build2.stderr}${allText(out1)}${allText(out2)}`;
      expect(text).toContain(`"tag": "${leaf.tag}"`); // report.json was read
      const secrets = [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'), ...issuer.issued];
      for (const secret of secrets) expect(text.includes(secret), 'a secret was printed').toBe(false);
    });

    it('a read-only account: the plan works, the engine push is refused; the report says so, no secret in it', async () => {
      const env = { IMAGESTACK_REGISTRY: host, DOCKER_CONFIG: path.join(dir, 'empty-docker-config'), IMAGESTACK_REGISTRY_USERNAME: READER, IMAGESTACK_REGISTRY_PASSWORD: READER_PASSWORD };
      const out = path.join(dir, 'build-reader');
      const r = await ws.cli(['build', 'base', '--version', '2026.1', '--output', out], env);
      const base = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')).images.find((i: { image: string }) => i.image === 'base');
      made.push(base.reference);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(base).toMatchObject({ status: 'failed', step: 'push', reason: 'push failed' });
      expect(base.error).toBe(
        `push of ${base.reference} failed: denied: requested access to the resource is denied (the registry refused the push with account ${READER}: ` +
          `check that it may push ${ws.namespace}/base, or set IMAGESTACK_REGISTRY_USERNAME/PASSWORD or docker login ${host})`,
      );
      expect(r.stdout).toContain(base.error);
      const text = `${r.stdout}${r.stderr}${allText(out)}`;
      for (const secret of [READER_PASSWORD, Buffer.from(`${READER}:${READER_PASSWORD}`).toString('base64'), ...issuer.issued]) {
        expect(text.includes(secret), 'a secret was printed').toBe(false);
      }
    });

    it('a wrong password: plan exits 4 saying how to give credentials, the password never printed', async () => {
      const wrong = 'Wrong-cli-pass-never-shown-62';
      const r = await ws.cli(['plan'], {
        IMAGESTACK_REGISTRY: host,
        DOCKER_CONFIG: path.join(dir, 'empty-docker-config'),
        IMAGESTACK_REGISTRY_USERNAME: USER,
        IMAGESTACK_REGISTRY_PASSWORD: wrong,
      });
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('rejected the credentials (from IMAGESTACK_REGISTRY_USERNAME/PASSWORD)');
      expect(r.stderr).toContain(host);
      expect(`${r.stdout}${r.stderr}`).not.toContain(wrong);
      expect(`${r.stdout}${r.stderr}`).not.toContain(Buffer.from(`${USER}:${wrong}`).toString('base64'));
    });
  });
  it('a token server that does not answer: a temporary error naming it as the token server of the registry', async () => {
    const client = new RegistryClient({ registry: host, credentials: creds, retries: 0 });
    await issuer.stop();
    const err = (await client.listTags('scope/pushed').catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.status).toBeUndefined();
    expect(err.temporary).toBe(true);
    expect(err.message).toContain(`cannot reach server at ${new URL(issuer.realm).origin}: is it running?`);
    expect(err.message).toContain(`it is the token server (realm) that ${host} named in its challenge`);
  });
});
