/**
 * Folders under `images/` that look like images (they hold a `Dockerfile`) but have no entry
 * in specs.yml `images:`: never built, and silently so before. Warnings, not errors: a folder
 * may be kept on purpose (work in progress, an image retired from the stack).
 */
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

/**
 * One warning per folder `images/<name>/` of `root` that holds a file `Dockerfile` and whose
 * name is not in `listed`, in name order: `images/<name>/ has a Dockerfile but no entry in
 * specs.yml images:, so it is never built; fix: …`. No `images/` folder: no warnings.
 *
 * @param root the workspace root (the folder of specs.yml)
 * @param listed the image names of specs.yml `images:`
 */
export function unlistedImageFolders(root: string, listed: Iterable<string>): string[] {
  const names = new Set(listed);
  let entries: string[];
  try {
    entries = readdirSync(path.join(root, 'images'));
  } catch {
    return [];
  }
  return entries
    .filter((name) => !names.has(name) && isFile(path.join(root, 'images', name, 'Dockerfile')))
    .sort()
    .map(
      (name) =>
        `images/${name}/ has a Dockerfile but no entry in specs.yml images:, so it is never built; ` +
        `fix: add "${name}:" under images: in specs.yml (or remove the folder)`,
    );
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
