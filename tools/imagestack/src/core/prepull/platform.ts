/**
 * Pre-pulling one named platform of multi-platform tags: each tag naming an image index is
 * replaced by that platform's image manifest, by digest (OCI image-spec "Image Index",
 * `manifests[].platform`). Pulling the index's digest with a platform instead would not do: an
 * engine keeps one local image per digest reference, so a second platform pulled by the same
 * index digest is refused ("Cannot overwrite digest").
 */
import { InputError } from '../errors';
import type { RegistryClient } from '../registry/client';
import { isIndexMediaType } from '../registry/media-types';
import { formatPlatform } from '../platform/platform';
import type { ResolvedImage } from '../resolve/resolve';

/** What {@link platformImages} may be told of the stack. */
export interface PlatformImagesOptions {
  /**
   * The platforms specs.yml builds an image for at its version (`platformsAt`; `[]`: none
   * declared). An image whose declared platforms leave `platform` out (an amd64-only image of a
   * stack built for arm64 too) is left out of the result and passed to `onSkip`, instead of
   * failing the whole call: no image of that platform is ever published for it.
   */
  declared?: (img: ResolvedImage) => readonly string[];
  /** Receives each image left out by `declared`. */
  onSkip?: (img: ResolvedImage) => void;
}

/**
 * `images` with each index replaced by its `platform` image manifest (digest, media type,
 * reference `repository:tag@digest`); single-platform tags stay as they are; images specs.yml
 * does not build for `platform` are left out when `opts.declared` says so.
 *
 * @param repositoryOf the repository inside the registry of a qualified repository
 * @throws InputError naming every tag whose index lacks `platform`, with the fix
 * @throws RegistryError when an index cannot be read
 */
export async function platformImages(
  client: Pick<RegistryClient, 'getManifest'>,
  images: readonly ResolvedImage[],
  platform: string,
  repositoryOf: (qualified: string) => string,
  opts: PlatformImagesOptions = {},
): Promise<ResolvedImage[]> {
  const lacking: string[] = [];
  const out: ResolvedImage[] = [];
  for (const img of images) {
    const declared = opts.declared?.(img) ?? [];
    if (declared.length > 0 && !declared.includes(platform)) {
      opts.onSkip?.(img);
      continue;
    }
    if (!isIndexMediaType(img.mediaType)) {
      out.push(img);
      continue;
    }
    const { bytes } = await client.getManifest(repositoryOf(img.repository), img.digest);
    const index = JSON.parse(bytes.toString('utf8')) as { manifests?: Array<{ digest: string; mediaType: string; platform?: { os: string; architecture: string; variant?: string } }> };
    const entry = (index.manifests ?? []).find((m) => m.platform && formatPlatform(m.platform) === platform);
    if (!entry) {
      lacking.push(`${img.repository}:${img.tag}`);
      continue;
    }
    out.push({ ...img, digest: entry.digest, mediaType: entry.mediaType, reference: `${img.repository}:${img.tag}@${entry.digest}` });
  }
  if (lacking.length) {
    throw new InputError({
      file: '--platform',
      message: `${lacking.join(', ')} ${lacking.length === 1 ? 'names an image index' : 'name image indexes'} without ${platform}`,
      fix: `pull another platform (or each engine's own: drop --platform), or build ${platform} for ${lacking.length === 1 ? 'that image' : 'those images'}`,
    });
  }
  return out;
}
