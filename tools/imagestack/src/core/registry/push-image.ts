/**
 * Pushing one image by digest, without a tag, from a `docker save` archive (STUB: the contract
 * of issue 14; the real body follows).
 */
import type { Transport } from './transport';
import type { Descriptor } from './types';

/** What {@link pushImage} put. */
export interface PushedImage {
  /** The image manifest put: media type, digest, size in bytes. */
  descriptor: Descriptor;
  /** `os/architecture[/variant]` from the image config. */
  platform: string;
  /** Layers sent / found already in the repository / cross-mounted; bytes sent (compressed). */
  layers: { sent: number; present: number; mounted: number; bytesSent: number };
}

/** Options of {@link pushImage}. */
export interface PushImageOptions {
  /** Aborting ends the push at once with an error; nothing is tagged. */
  signal?: AbortSignal;
  /** Progress, one line each (layer i/n, bytes). */
  onProgress?: (detail: string) => void;
  /** Repositories (of the same registry) whose blobs may be cross-mounted rather than sent: the parents'. */
  mountFrom?: readonly string[];
}

/**
 * Pushes the image of a `docker save` archive to `repository` by digest (no tag).
 * @throws RegistryError when the registry refuses; Error for a malformed archive
 */
export async function pushImage(
  _t: Transport,
  _repository: string,
  _archive: NodeJS.ReadableStream,
  _opts: PushImageOptions = {},
): Promise<PushedImage> {
  throw new Error('not implemented yet');
}
