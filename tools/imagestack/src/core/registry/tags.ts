/**
 * Tag listing, OCI distribution spec v1.1, "Content discovery" ("Listing Tags"):
 * GET `/v2/<name>/tags/list`, following `Link: <…>; rel="next"` pages (RFC 8288) until
 * there is none.
 */
import { RegistryError } from '../errors';
import { repositoryScope } from './auth';
import { checkNames } from './manifest';
import type { Transport } from './transport';

/** Most pages followed before we assume a registry loops its `Link` headers. */
const MAX_PAGES = 10_000;

/**
 * The URL of the `rel="next"` link of a `Link` header, resolved against `base`;
 * `undefined` when there is none.
 */
export function nextLink(link: string | null, base: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!m) continue;
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(m[2]);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('next')) return new URL(m[1], base).toString();
  }
  return undefined;
}

/**
 * Every tag of `repository`, in the registry's order (lexical for docker-registry),
 * across all pages.
 *
 * @returns the tags; `[]` when the repository does not exist (404 NAME_UNKNOWN) or has none
 * @throws RegistryError for any other failure (401, 403, 5xx after retries, a page that is not JSON)
 */
export async function listTags(t: Transport, repository: string): Promise<string[]> {
  checkNames(repository);
  const tags: string[] = [];
  const seen = new Set<string>();
  let url: string | undefined = t.url(`/v2/${repository}/tags/list`);
  for (let page = 0; url && page < MAX_PAGES && !seen.has(url); page++) {
    seen.add(url);
    const res = await t.request({ method: 'GET', path: url, scope: repositoryScope(repository, ['pull']) });
    if (res.status === 404) {
      const err = await t.error('GET', res, { repository }, url);
      if (err.codes.length === 0 || err.codes.includes('NAME_UNKNOWN')) return tags;
      throw err;
    }
    if (res.status !== 200) throw await t.error('GET', res, { repository }, url);
    const bytes = await t.body('GET', res, url);
    let body: { tags?: unknown };
    try {
      body = JSON.parse(bytes.toString('utf8')) as { tags?: unknown };
    } catch {
      throw new RegistryError(`GET ${url}: the tag list is not JSON`, res.status);
    }
    if (Array.isArray(body.tags)) for (const tag of body.tags) if (typeof tag === 'string') tags.push(tag);
    url = nextLink(res.headers.get('link'), url);
  }
  return tags;
}
