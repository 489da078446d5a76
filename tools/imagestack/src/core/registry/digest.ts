/**
 * Content digests (OCI image spec, "Digests"): `algorithm:hex`, computed over the exact
 * bytes. We compute `sha256` and verify `sha256` and `sha512`.
 */
import { createHash } from 'node:crypto';
import { RegistryError } from '../errors';

/** `sha256:<hex>` of `bytes`. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * True when `bytes` hash to `digest`.
 *
 * @throws RegistryError when the digest's algorithm is not `sha256` or `sha512`
 */
export function matchesDigest(bytes: Uint8Array, digest: string): boolean {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new RegistryError(`cannot verify digest ${digest}: algorithm ${algorithm} is not supported (sha256, sha512)`, undefined);
  }
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}` === digest;
}
