/**
 * The registry client of imagestack: the parts of the OCI distribution spec v1.1 the
 * pipeline needs (existence checks, retag by manifest GET + PUT, tag listing, image
 * configs, deletes), with Docker-compatible credentials, Basic and bearer-token auth,
 * retries, and errors that never leak a secret.
 *
 * Layers (after go-containerregistry): `transport.ts` (HTTP, retries, redirects) and
 * `auth.ts` (challenges, tokens) below; one module per operation (`manifest.ts`,
 * `tags.ts`, `blob.ts`, `image-config.ts`); `client.ts` the façade.
 */
export { RegistryClient, type RegistryClientOptions } from './client';
export type { Descriptor, Platform } from './types';
export { resolveCredentials, credentialSource, dockerAuthConfig, runCredentialHelper, normalizeRegistryHost, type Credentials } from './credentials';
export { redact } from './redact';
export { parseChallenges, type Challenge } from './challenge';
export type { RequestEvent, Backoff } from './transport';
export { defaultScheme } from './transport';
export { sha256Digest } from './digest';
export { pickPlatform, DEFAULT_PLATFORM } from './image-config';
export * from './media-types';
export { imageIndexBytes, indexPlatforms, missingPlatforms, missingPlatformsOfTag, putImageIndex, type PlatformManifest } from './image-index';
export type { PushedImage, PushImageOptions } from './push-image';
