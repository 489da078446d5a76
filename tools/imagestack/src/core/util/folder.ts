/** Workspace-relative folder paths in one spelling. */
import * as path from 'node:path';

/**
 * `./images/x/` → `images/x`; `images\x` → `images/x`; `a/./b//` → `a/b`: a folder relative to
 * the workspace root, `/`-separated, no trailing `/` (`.` for the root itself). Pure.
 */
export function normalizeFolder(p: string): string {
  return path.posix.normalize(p.replace(/\\/g, '/')).replace(/(.)\/+$/, '$1');
}
