/**
 * Shapes shared by the registry operations.
 */

/**
 * What identifies content in a registry (OCI image spec, "Descriptors"): its media type,
 * its digest and its size.
 */
export interface Descriptor {
  /** Media type, e.g. `application/vnd.oci.image.index.v1+json` (see `media-types.ts`). */
  mediaType: string;
  /** Content digest, `sha256:<64 hex>`. */
  digest: string;
  /** Size of the content in bytes. */
  size: number;
}

/** A platform to pick out of an index (OCI image spec, "Image Index", `platform`). */
export interface Platform {
  /** e.g. `linux`. */
  os: string;
  /** GOARCH spelling, e.g. `amd64`, `arm64`. */
  architecture: string;
}
