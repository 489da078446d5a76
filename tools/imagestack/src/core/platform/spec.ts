/**
 * The `platforms:` of specs.yml (top level, per image, per image and version): which platforms
 * each image is built for at each version. The most specific one wins:
 * `images.<name>.versions.<version>.platforms`, then `images.<name>.platforms`, then the
 * top-level `platforms`. None: the engine's own platform only, a single-platform image under the
 * tag, exactly as without the key. The shape is specs.schema.json's (`definitions.platforms`).
 */
import { asObject } from '../specs/context';
import type { DocPath } from '../specs/positions';

/** The platforms one image is built for at one version, and where specs.yml says so. */
export interface PlatformDeclaration {
  /** `os/architecture[/variant]`, in the order written, without repeats. */
  platforms: readonly string[];
  /** Where they are declared in specs.yml (for problems): e.g. `['images', 'python', 'platforms']`. */
  path: DocPath;
}

/** Per version name, the platforms declared for it; a version absent: the engine's own platform. */
export type ImagePlatforms = Readonly<Record<string, PlatformDeclaration>>;

function asPlatforms(x: unknown): string[] | undefined {
  return Array.isArray(x) && x.length > 0 && x.every((p) => typeof p === 'string') ? [...new Set(x as string[])] : undefined;
}

/**
 * The platforms of image `name` at each version declared under the top-level `versions:`, from the
 * plain JSON of specs.yml (any shape: what is not a list of strings is ignored, the schema
 * reports it).
 */
export function resolvePlatforms(doc: Record<string, unknown>, name: string, entry: Record<string, unknown>): ImagePlatforms {
  const out: Record<string, PlatformDeclaration> = {};
  const perVersion = asObject(entry.versions);
  // Most stacks declare no platforms: then nothing is allocated per image and version (~10 ms per 1,000 images, cold).
  if (entry.platforms === undefined && doc.platforms === undefined && (perVersion === undefined || Object.keys(perVersion).length === 0)) return out;
  const candidates: Array<[unknown, DocPath]> = [
    [entry.platforms, ['images', name, 'platforms']],
    [doc.platforms, ['platforms']],
  ];
  for (const version of Object.keys(asObject(doc.versions) ?? {})) {
    const own: [unknown, DocPath] = [asObject(perVersion?.[version])?.platforms, ['images', name, 'versions', version, 'platforms']];
    for (const [value, path] of [own, ...candidates]) {
      const platforms = asPlatforms(value);
      if (platforms) {
        out[version] = { platforms, path };
        break;
      }
    }
  }
  return out;
}

/** The platforms declared for `image` at `version`, or `[]`: the engine's own platform only. */
export function platformsAt(platforms: ImagePlatforms | undefined, version: string): readonly string[] {
  return platforms?.[version]?.platforms ?? [];
}
