/**
 * Image references: parsing and validation, no I/O.
 *
 * Grammar from the distribution project's `reference` package (reference/regexp.go) and
 * the OCI distribution spec, "Pulling manifests": a repository name is path components
 * `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*` joined by `/`, optionally after a registry host
 * (`domain[:port]`); a tag matches `[\w][\w.-]{0,127}`; a digest is
 * `algorithm:hex` (sha256 → 64 lowercase hex).
 */

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const PORT = /^[0-9]+$/;

/** Longest repository name the distribution spec allows (bytes, including the domain). */
export const MAX_NAME_LENGTH = 255;
/** Longest tag (characters). */
export const MAX_TAG_LENGTH = 128;

/** True when `s` is one path component of a repository name, e.g. `python`, `gcc-assert`. */
export function isPathComponent(s: string): boolean {
  return PATH_COMPONENT.test(s);
}

/** True when `s` is a repository path (components joined by `/`), e.g. `my-org/images`. */
export function isRepositoryPath(s: string): boolean {
  return s.length > 0 && s.split('/').every(isPathComponent);
}

/** True when `s` is a valid tag: `[A-Za-z0-9_][A-Za-z0-9_.-]*`, at most 128 characters. */
export function isTag(s: string): boolean {
  return TAG.test(s);
}

/** True when `s` is a digest such as `sha256:…`. */
export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}

/**
 * True when `s` is a registry host: a domain (or IPv4) with an optional port, e.g.
 * `127.0.0.1:5000`, `ghcr.io`, `localhost:5000`. IPv6 literals in brackets are accepted.
 */
export function isRegistryHost(s: string): boolean {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:/]+)(?::([^:/]+))?$/.exec(s);
  if (!m) return false;
  const [, host, port] = m;
  if (port !== undefined && (!PORT.test(port) || Number(port) > 65535)) return false;
  if (host.startsWith('[')) return true;
  return host.split('.').every((c) => DOMAIN_COMPONENT.test(c));
}

/**
 * The host of a registry host `[:port]`, without the port: `localhost:5000` → `localhost`,
 * `[::1]:5000` → `[::1]` (IPv6 keeps its brackets), `ghcr.io` → `ghcr.io`.
 */
export function registryHostname(registry: string): string {
  return registry.startsWith('[') ? registry.slice(0, registry.indexOf(']') + 1) : registry.split(':')[0];
}

/** A parsed reference `[registry/]path[:tag][@digest]`. */
export interface Reference {
  /** Registry host (`docker.io` when the reference names none). */
  registry: string;
  /** Repository path inside the registry, e.g. `library/debian`, `imagestack-example/python`. */
  path: string;
  tag?: string;
  digest?: string;
}

/**
 * Parses a reference the way the Docker engine does: the first component is a registry
 * host when it contains `.` or `:` or is `localhost`; otherwise the reference is on
 * Docker Hub and a single-component path gets `library/`.
 *
 * @returns the parts, or `undefined` when `s` is not a valid reference
 */
export function parseReference(s: string): Reference | undefined {
  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) return undefined;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isTag(tag)) return undefined;
  }
  const parts = rest.split('/');
  let registry = 'docker.io';
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) {
    registry = parts.shift() as string;
    if (!isRegistryHost(registry)) return undefined;
  }
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  const path = parts.join('/');
  if (!isRepositoryPath(path)) return undefined;
  if (registry.length + 1 + path.length > MAX_NAME_LENGTH) return undefined;
  return { registry, path, tag, digest };
}

/** Formats `registry/path[:tag][@digest]`. */
export function formatReference(ref: Reference): string {
  return `${ref.registry}/${ref.path}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
