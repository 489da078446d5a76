/**
 * Folders under `images/` that look like images (they hold a `Dockerfile`) but are no image's
 * build context in specs.yml `images:`: never built, and silently so before. Warnings, not
 * errors: a folder may be kept on purpose (work in progress, an image retired from the stack).
 * Variants one level down (`images/<name>/<variant>/Dockerfile`, built with their own
 * `context:`) are looked at too.
 */
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { normalizeFolder } from '../util/folder';

/**
 * One warning per folder of `root` that holds a file `Dockerfile` and is no image's context,
 * in path order. Looked at: `images/<name>/` (`images/<name>/ has a Dockerfile but no entry
 * in specs.yml images:, so it is never built; fix: …`) and, inside a folder that is some
 * image's context, `images/<name>/<variant>/` (the fix then names `context:`). No `images/`
 * folder: no warnings.
 *
 * @param root the workspace root (the folder of specs.yml)
 * @param listed the image names of specs.yml `images:`
 * @param contexts the `context:` of the images that set one (image name → folder relative to
 *   `root`, as written); the others live in `images/<name>`
 */
export function unlistedImageFolders(root: string, listed: Iterable<string>, contexts: ReadonlyMap<string, string> = new Map()): string[] {
  const claimed = new Set<string>();
  const seen = new Set<string>(); // a plan lists an image once per version
  for (const name of listed) {
    if (seen.has(name)) continue;
    seen.add(name);
    claimed.add(normalizeFolder(contexts.get(name) ?? `images/${name}`));
  }
  const warnings: string[] = [];
  // Entries of a folder are plain names: joined by hand (path.join per folder cost ~5 ms per 1,000).
  const imagesDir = path.join(root, 'images');
  for (const name of folders(imagesDir).sort()) {
    const rel = `images/${name}`;
    const dir = `${imagesDir}${path.sep}${name}`;
    if (!claimed.has(rel)) {
      if (isFile(`${dir}${path.sep}Dockerfile`)) {
        warnings.push(
          `${rel}/ has a Dockerfile but no entry in specs.yml images:, so it is never built; ` +
            `fix: add "${name}:" under images: in specs.yml (or remove the folder)`,
        );
      }
      continue;
    }
    for (const variant of folders(dir).sort()) {
      const inner = `${rel}/${variant}`;
      if (claimed.has(inner) || !isFile(`${dir}${path.sep}${variant}${path.sep}Dockerfile`)) continue;
      warnings.push(
        `${inner}/ has a Dockerfile but is no image's context in specs.yml images:, so it is never built ` +
          `(its files are inputs of ${name}); fix: add an image with "context: ${inner}" under images: in specs.yml (or remove the folder)`,
      );
    }
  }
  return warnings;
}

function folders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}

/** Whether `p` is a file; a missing path answers without an exception (an exception per folder cost ~10 ms per 1,000). */
function isFile(p: string): boolean {
  try {
    return statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}
