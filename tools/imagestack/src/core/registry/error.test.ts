import { describe, expect, it } from 'vitest';
import { canonicalScope, errorFromResponse } from './error';

const login = (host: string) => `set IMAGESTACK_REGISTRY_USERNAME/PASSWORD or docker login ${host} (config.json auths, credHelpers or credsStore)`;

describe('errorFromResponse: the advice of a 401', () => {
  it('anonymous: the registry needs credentials and none were found, and how to give them', async () => {
    const err = await errorFromResponse('HEAD', 'http://r.example/v2/a/manifests/t', new Response(null, { status: 401, statusText: 'Unauthorized' }), {
      registry: 'r.example',
      repository: 'a',
    });
    expect(err.status).toBe(401);
    expect(err.message).toBe(`HEAD http://r.example/v2/a/manifests/t: 401 Unauthorized: unauthorized: r.example needs credentials and none were found; ${login('r.example')}`);
  });

  it('rejected credentials: says who refused (the token server of the registry) and where the credentials came from', async () => {
    const body = JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
    const err = await errorFromResponse('GET', 'https://auth.example/token?scope=x', new Response(body, { status: 401, statusText: 'Unauthorized' }), {
      registry: 'r.example',
      authenticated: true,
      credentialSource: 'IMAGESTACK_REGISTRY_USERNAME/PASSWORD',
      tokenServer: 'https://auth.example',
    });
    expect(err.codes).toEqual(['UNAUTHORIZED']);
    expect(err.message).toContain(
      `[UNAUTHORIZED: authentication required]: unauthorized: the token server https://auth.example of r.example rejected the credentials (from IMAGESTACK_REGISTRY_USERNAME/PASSWORD); check them, then ${login('r.example')}`,
    );
  });

  it('insufficient_scope with credentials: accepted, but the account lacks that access (not "rejected")', async () => {
    const res = new Response(null, {
      status: 401,
      headers: { 'www-authenticate': 'Bearer realm="https://auth.example/token",service="r",scope="repository:team/app:pull,push",error="insufficient_scope"' },
    });
    const err = await errorFromResponse('PUT', 'https://r.example/v2/team/app/manifests/t', res, { registry: 'r.example', repository: 'team/app', authenticated: true });
    expect(err.message).toContain('denied: the credentials were accepted by r.example but do not grant "repository:team/app:pull,push"');
    expect(err.message).toContain('lack that access to team/app, or it does not exist');
    expect(err.message).not.toContain('rejected');
  });

  it('insufficient_scope without credentials: anonymous access does not grant it', async () => {
    const res = new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer realm="x",scope="repository:a:pull",error="insufficient_scope"' } });
    const err = await errorFromResponse('HEAD', 'https://r.example/v2/a/manifests/t', res, { registry: 'r.example' });
    expect(err.message).toContain(`unauthorized: anonymous access to r.example does not grant "repository:a:pull"; ${login('r.example')}`);
  });
});

describe('canonicalScope', () => {
  it('orders the actions pull, push, delete, then the rest, whatever order the registry used', () => {
    expect(canonicalScope('repository:scope/pushed:push,pull')).toBe('repository:scope/pushed:pull,push');
    expect(canonicalScope('repository:a:delete,push,pull repository:b:*')).toBe('repository:a:pull,push,delete repository:b:*');
    expect(canonicalScope('registry:catalog:*')).toBe('registry:catalog:*');
  });
});
