/**
 * {@link RegistryClient}: the registry operations imagestack needs, for one registry.
 * A thin class over one {@link Transport} and the per-operation modules
 * (`manifest.ts`, `tags.ts`, `blob.ts`, `upload.ts`, `image-config.ts`), the way
 * go-containerregistry's `remote` package sits on `remote/transport`.
 */
import type { Credentials } from './credentials';
import { getBlob } from './blob';
import { getImageConfig } from './image-config';
import { deleteManifest, getManifest, headManifest, putManifest } from './manifest';
import { listTags } from './tags';
import { pushBlob } from './upload';
import { pushImage, type PushedImage, type PushImageOptions } from './push-image';
import { deleteTag } from './delete-tag';
import { Transport } from './transport';
import type { TransportOptions } from './options';
import type { Descriptor, Platform } from './types';

/** How to reach one registry (the options of its {@link Transport}). */
export type RegistryClientOptions = TransportOptions;

/**
 * A client for one OCI registry (OCI distribution spec v1.1). Every method throws
 * {@link RegistryError} (from `../errors`) on failure, with the status, the OCI error
 * codes, `temporary`, and a message naming method, URL and what to do; credentials never
 * appear in it. Safe to use concurrently; auth challenges and tokens are shared.
 */
export class RegistryClient {
  /** host[:port] as given. */
  readonly registry: string;
  /** The transport (auth, retries); exposed for diagnostics and tests. */
  readonly transport: Transport;

  constructor(opts: RegistryClientOptions) {
    this.registry = opts.registry;
    this.transport = new Transport(opts);
  }

  /**
   * The credentials this client authenticates with (resolved once; see
   * `RegistryClientOptions.credentials`), e.g. to hand the same ones to the engine with
   * `dockerAuthConfig`. `undefined` = anonymous. Never throws.
   */
  credentials(): Promise<Credentials | undefined> {
    return this.transport.credentials();
  }

  /** `http://host[:port]` or `https://host[:port]`. */
  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  /**
   * GET `/v2/` (OCI distribution spec v1.1, "Determining support"; endpoint end-1):
   * checks the registry answers and the credentials are accepted.
   *
   * @throws RegistryError: status `undefined` when unreachable, 401 when unauthorized, …
   */
  async ping(): Promise<void> {
    const res = await this.transport.request({ method: 'GET', path: '/v2/' });
    if (res.status !== 200) throw await this.transport.error('GET', res, {}, this.transport.url('/v2/'));
    await res.arrayBuffer().catch(() => undefined);
  }

  /**
   * Whether `repository:reference` exists, and its descriptor: HEAD, with GET as the
   * fallback ("Checking if content exists in the registry").
   *
   * @returns the descriptor; `undefined` only for 404
   * @throws RegistryError for any other status after retries (never `undefined` for 401/5xx)
   */
  headManifest(repository: string, reference: string): Promise<Descriptor | undefined> {
    return headManifest(this.transport, repository, reference);
  }

  /**
   * The manifest or index `repository:reference`, as exact bytes ("Pulling manifests").
   *
   * @throws RegistryError, 404 with code MANIFEST_UNKNOWN when it does not exist
   */
  getManifest(repository: string, reference: string): Promise<{ descriptor: Descriptor; bytes: Buffer }> {
    return getManifest(this.transport, repository, reference);
  }

  /**
   * Stores `bytes` as manifest `repository:tag` with `Content-Type: mediaType`
   * ("Pushing manifests"). With the bytes of {@link getManifest} this is a retag without
   * pulling; an index stays whole.
   *
   * @returns the stored descriptor (digest = sha256 of `bytes`, size in bytes)
   * @throws RegistryError (e.g. 400 MANIFEST_BLOB_UNKNOWN when a referenced blob is missing)
   */
  putManifest(repository: string, tag: string, bytes: Buffer, mediaType: string): Promise<Descriptor> {
    return putManifest(this.transport, repository, tag, bytes, mediaType);
  }

  /**
   * Deletes manifest `digest` and the tags pointing at it ("Deleting manifests").
   *
   * @throws RegistryError unless the registry answers 202 or 200
   */
  deleteManifest(repository: string, digest: string): Promise<void> {
    return deleteManifest(this.transport, repository, digest);
  }

  /**
   * Deletes tag `tag` alone, keeping its manifest ("Deleting tags"), where the registry
   * supports it.
   *
   * @returns `false` when the registry does not support deleting a tag alone, or the tag is gone
   * @throws RegistryError for other failures
   */
  deleteTag(repository: string, tag: string): Promise<boolean> {
    return deleteTag(this.transport, repository, tag);
  }

  /**
   * Every tag of `repository`, following `Link` pagination ("Content discovery").
   *
   * @returns `[]` when the repository does not exist (404 NAME_UNKNOWN)
   */
  listTags(repository: string): Promise<string[]> {
    return listTags(this.transport, repository);
  }

  /**
   * Blob `digest` of `repository`, redirects followed, sha256 verified ("Pulling blobs").
   * Held in memory: for configs and other small blobs.
   */
  getBlob(repository: string, digest: string): Promise<Buffer> {
    return getBlob(this.transport, repository, digest);
  }

  /**
   * Stores a small blob held in memory unless the repository has it already: HEAD, then
   * POST + PUT ("Pushing a blob monolithically"). For artifact configs and records.
   *
   * @returns its descriptor (with `mediaType`) and whether it was uploaded
   * @throws RegistryError when the registry refuses the upload
   */
  pushBlob(repository: string, bytes: Buffer, mediaType?: string): Promise<{ descriptor: Descriptor; uploaded: boolean }> {
    return pushBlob(this.transport, repository, bytes, mediaType);
  }

  /**
   * Pushes the image of a `docker save` archive ({@link ImageEngine.saveImage}) to
   * `repository` BY DIGEST, with no tag: each layer gzip-compressed while it is sent (a blob
   * the repository holds is not sent again, one of a `mountFrom` repository is cross-mounted),
   * the config blob, then the Docker schema 2 image manifest under its own digest
   * (`core/registry/push-image.ts`).
   *
   * @returns the manifest's descriptor, the image's platform and what was sent
   * @throws RegistryError when the registry refuses; CancelledError when aborted
   */
  pushImage(repository: string, archive: NodeJS.ReadableStream, opts?: PushImageOptions): Promise<PushedImage> {
    return pushImage(this.transport, repository, archive, opts);
  }

  /**
   * The parsed config blob of `repository:reference` (labels at `config.config.Labels`),
   * following an index to `platform` (default linux/amd64, else its first image).
   *
   * @returns `digest` of the config blob (the image ID), `manifestDigest` of the
   *   platform's manifest, and `config`
   */
  getImageConfig(
    repository: string,
    reference: string,
    platform?: Platform,
  ): Promise<{ digest: string; manifestDigest: string; config: any }> {
    return getImageConfig(this.transport, repository, reference, platform);
  }
}
