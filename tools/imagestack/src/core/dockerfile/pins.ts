/**
 * External base pins (DESIGN.md "external base pin"): `FROM name:tag@sha256:…`. A pin is
 * part of the Dockerfile, so it changes only by a commit and the plan stays a function of
 * git. This module only reads pins from references already resolved by ./resolve.ts; the
 * rewriting of a pin's bytes is ./pin-rewrite.ts. No I/O.
 */
import type { ExternalBase } from '../graph/types';

/** One external base of an image and its pin (the JSON shape of `plan --json` `bases`). */
export interface BasePin {
  /** The reference without its digest, as substituted, e.g. `debian:bookworm-slim`. */
  reference: string;
  /** The pinned digest (`sha256:…`), or null when the base is not pinned. */
  digest: string | null;
}

/**
 * Splits a substituted reference at its `@`: `debian:bookworm-slim@sha256:ab…` →
 * `{ reference: 'debian:bookworm-slim', digest: 'sha256:ab…' }`; no `@` → `digest: null`.
 */
export function splitPin(reference: string): BasePin {
  const at = reference.indexOf('@');
  return at < 0 ? { reference, digest: null } : { reference: reference.slice(0, at), digest: reference.slice(at + 1) };
}

/**
 * The pins of an image's external bases, in Dockerfile order, one per reference as
 * substituted (`scratch`, which is no image, left out).
 */
export function basePins(bases: readonly ExternalBase[]): BasePin[] {
  const out: BasePin[] = [];
  for (const b of bases) {
    if (b.reference === 'scratch') continue;
    const pin = splitPin(b.reference);
    if (!out.some((p) => p.reference === pin.reference && p.digest === pin.digest)) out.push(pin);
  }
  return out;
}

/** `sha256:0123456789ab` (the algorithm and 12 hex digits), or `unpinned`: for tables. */
export function shortPin(digest: string | null): string {
  return digest === null ? 'unpinned' : digest.slice(0, digest.indexOf(':') + 13);
}
