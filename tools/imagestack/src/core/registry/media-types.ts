/**
 * Media types of image manifests and indexes, as a registry sends them in
 * `Content-Type` and as we ask for them in `Accept`.
 *
 * Sources: the OCI image spec (`media-types.md`) and Docker's "Image Manifest V2,
 * Schema 2". The OCI distribution spec, "Pulling manifests", says a client SHOULD send
 * an `Accept` header naming every manifest type it understands; a registry that is not
 * told may answer with an older format (Docker schema 1) or convert an index to one
 * platform's manifest, which would change the digest.
 */

/** OCI image index (multi-platform): `application/vnd.oci.image.index.v1+json`. */
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** OCI image manifest (one platform): `application/vnd.oci.image.manifest.v1+json`. */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
/** Docker manifest list (multi-platform): `application/vnd.docker.distribution.manifest.list.v2+json`. */
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
/** Docker image manifest, schema 2: `application/vnd.docker.distribution.manifest.v2+json`. */
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
/** OCI image config blob: `application/vnd.oci.image.config.v1+json`. */
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
/** Docker image config blob: `application/vnd.docker.container.image.v1+json`. */
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';

/** Every manifest media type we accept, indexes first (we never want a registry to pick one platform for us). */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST];

/** The `Accept` header value of every manifest request (HEAD and GET): the four types above, comma-separated. */
export const MANIFEST_ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');

/** True for a multi-platform index (OCI index or Docker manifest list). */
export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST;
}

/** True for a single-platform image manifest (OCI or Docker schema 2). */
export function isImageManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST;
}

/**
 * The media type of a `Content-Type` header value without parameters (`; charset=…`),
 * lower-cased; `undefined` when the header is missing or empty.
 */
export function baseMediaType(contentType: string | null | undefined): string | undefined {
  if (!contentType) return undefined;
  const t = contentType.split(';')[0].trim().toLowerCase();
  return t || undefined;
}
