/**
 * Keeping credentials out of text (DESIGN.md promise 8: credentials are never printed or
 * written into an image or a report).
 *
 * Two layers: patterns that look like secrets whatever their value (Authorization
 * values, `password=…`, `"auth": "…"`, `user:pass@` in URLs, presigned-URL signatures),
 * and the exact secret strings this process has resolved or been given (registered by
 * the credential resolver and the registry client), replaced wherever they appear.
 */

const REDACTED = '***';

/** Exact secrets seen by this process (passwords, tokens and their Basic encodings). */
const secrets = new Set<string>();

/**
 * Remembers `secret` so that {@link redact} removes it from any text later. Values
 * shorter than 4 characters are ignored (they would blank out ordinary words).
 * Used by the credential resolver and the registry client; idempotent.
 */
export function registerSecret(secret: string | undefined): void {
  if (!secret || secret.length < 4) return;
  secrets.add(secret);
}

const PATTERNS: readonly [RegExp, string][] = [
  // Authorization / Proxy-Authorization header values, in header dumps or JSON.
  [/((?:proxy-)?authorization"?\s*[:=]\s*"?)[^"\r\n]+/gi, `$1${REDACTED}`],
  // Basic / Bearer credentials anywhere (a token has an upper-case letter, a digit or a symbol,
  // so prose such as "Bearer authentication required" is left alone).
  [/\b(Basic|Bearer)\s+(?=[A-Za-z0-9._~+/=-]*[A-Z0-9._~+/=-])[A-Za-z0-9._~+/-]{6,}=*/g, `$1 ${REDACTED}`],
  // key=value and "key": "value" pairs whose key names a secret.
  [
    /((?<![A-Za-z])(?:password|passwd|secret|identitytoken|identity_token|registrytoken|refresh_token|access_token|token|auth)"?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|[^\s&,;}"]+)/gi,
    `$1"${REDACTED}"`,
  ],
  // user:password@ in URLs.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, `$1${REDACTED}@`],
  // Signatures of presigned blob URLs (S3, GCS, Azure) that a registry redirects to.
  [/([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|X-Goog-Signature|X-Goog-Credential|Signature|sig)=)[^&\s#]+/gi, `$1${REDACTED}`],
];

/**
 * Removes credentials from `text`: Authorization values, Basic/Bearer tokens,
 * `password`/`secret`/`token`/`auth` values, `user:pass@` in URLs, presigned-URL
 * signatures, and every exact secret registered with {@link registerSecret}.
 * Never throws; returns the text unchanged when there is nothing to hide.
 */
export function redact(text: string): string {
  let out = String(text);
  // Exact secrets first, longest first, so a password inside a longer token goes with it.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join(REDACTED);
  }
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}
