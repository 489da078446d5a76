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
  for (const name of listed) claimed.add(normalizeFolder(contexts.get(name) ?? `images/${name}`));
  const warnings: string[] = [];
  for (const name of folders(path.join(root, 'images')).sort()) {
    const rel = `images/${name}`;
    if (!claimed.has(rel)) {
      if (isFile(path.join(root, rel, 'Dockerfile'))) {
        warnings.push(
          `${rel}/ has a Dockerfile but no entry in specs.yml images:, so it is never built; ` +
            `fix: add "${name}:" under images: in specs.yml (or remove the folder)`,
        );
      }
      continue;
    }
    for (const variant of folders(path.join(root, rel)).sort()) {
      const inner = `${rel}/${variant}`;
      if (claimed.has(inner) || !isFile(path.join(root, inner, 'Dockerfile'))) continue;
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

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
