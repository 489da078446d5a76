/**
 * The timing of the registry {@link Transport}'s retries (./transport.ts): backoff with
 * jitter, `Retry-After`, and the time limits of one attempt.
 */
import type { Backoff } from './options';

/** Default backoff: 200 ms doubling up to 5 s. */
export const DEFAULT_BACKOFF: Backoff = { baseMs: 200, capMs: 5_000 };
/** Default number of retries after the first attempt. */
export const DEFAULT_RETRIES = 4;
/** Longest `Retry-After` we wait for (ms); a longer one fails the request at once with the wait in the message. */
export const MAX_RETRY_AFTER_MS = 60_000;
/** Time limit of one attempt, reading the body included (ms). */
export const ATTEMPT_TIMEOUT_MS = 120_000;
/** Default time limit for an answer (the response headers) to one attempt (ms). */
export const DEFAULT_ANSWER_TIMEOUT_MS = 30_000;


/**
 * The delay before retry number `attempt` (0-based): `min(cap, base·2^attempt)` scaled
 * by a random factor in [0.5, 1) ("equal jitter"), so concurrent clients spread out.
 */
export function backoffDelay(attempt: number, backoff: Backoff = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** attempt);
  return Math.round(ceiling * (0.5 + random() / 2));
}

/**
 * Reads a `Retry-After` header (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date.
 *
 * @returns the wait in ms (≥ 0), or `undefined` when absent or unreadable
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
