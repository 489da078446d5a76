/**
 * Finding the images of a repository that has no specs.yml yet: every folder holding a
 * Dockerfile (`Dockerfile`, `Dockerfile.<x>` or `<x>.Dockerfile`, Docker's own naming), under
 * `images/` when the repository has that folder (imagestack's and both real conventions'
 * layout), else anywhere below the root. A folder inside another image's folder is a variant
 * (`images/pytorch-notebook/cuda12/`); so is a second Dockerfile beside `Dockerfile`
 * (`Dockerfile.cuda`: the same context). Hidden folders, `node_modules` and `dist` are not
 * searched; symbolic links are not followed.
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import * as path from 'node:path';
import { isPathComponent } from '../reference/reference';
import type { FoundImage } from './types';

/** Folders never searched, besides hidden ones. */
const SKIPPED = new Set(['node_modules', 'dist']);

/** How deep below the searched folder Dockerfiles are looked for. */
const MAX_DEPTH = 6;

/** The result of {@link discoverImages}. */
export interface Discovery {
  /** `images` or `.`: the folder searched, workspace-relative. */
  searched: string;
  /** Images by context path (so parents come before their variants). */
  images: FoundImage[];
  /** Dockerfiles that cannot be an image (the folder, ending in `/`, or the file), and why. */
  leftOut: Array<{ path: string; why: string }>;
}

/**
 * Finds every folder with a `Dockerfile` below `root` (see the module comment) and names
 * its image: the folder's path below the searched folder, `/` → `-`, lower-cased, other
 * characters than `[a-z0-9._-]` → `-` (`images/pytorch-notebook/cuda12` → `pytorch-notebook-cuda12`).
 * Two folders giving one name: the first by path is kept, the other left out.
 *
 * @param root the workspace root (absolute)
 */
export function discoverImages(root: string): Discovery {
  const searched = isDir(path.join(root, 'images')) ? 'images' : '.';
  const found: Array<{ context: string; files: string[] }> = [];
  const walk = (rel: string, depth: number): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    const files = entries.filter((e) => e.isFile() && isDockerfileName(e.name)).map((e) => e.name);
    if (files.length) found.push({ context: rel, files: files.sort((a, b) => (a === 'Dockerfile' ? -1 : b === 'Dockerfile' ? 1 : a < b ? -1 : 1)) });
    if (depth >= MAX_DEPTH) return;
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.isDirectory() && !e.name.startsWith('.') && !SKIPPED.has(e.name)) walk(rel === '.' ? e.name : `${rel}/${e.name}`, depth + 1);
    }
  };
  walk(searched, 0);

  const images: FoundImage[] = [];
  const leftOut: Discovery['leftOut'] = [];
  const byName = new Map<string, FoundImage>();
  for (const { context, files } of found.sort((a, b) => (a.context < b.context ? -1 : 1))) {
    const below = searched === '.' ? context : path.posix.relative(searched, context);
    if (below === '' || below === '.') {
      leftOut.push({ path: `${context}/`, why: `a Dockerfile directly in ${searched === '.' ? 'the workspace root' : `${searched}/`}: move it into a folder of its own (${searched === '.' ? '' : `${searched}/`}<name>/) to make it an image` });
      continue;
    }
    // The innermost folder holding this one; its first image (its plain Dockerfile's).
    const holders = images.filter((i) => context.startsWith(`${i.context}/`));
    const holder = holders.reduce<string | undefined>((best, i) => (best === undefined || i.context.length > best.length ? i.context : best), undefined);
    const outer = images.find((i) => i.context === holder);
    let main: string | undefined;
    for (const dockerfile of files) {
      const label = files.length > 1 && dockerfile !== 'Dockerfile' ? `-${dockerfileLabel(dockerfile)}` : '';
      const name = imageName(`${below}${label}`);
      const shown = dockerfile === 'Dockerfile' ? `${context}/` : `${context}/${dockerfile}`;
      if (name === '') {
        leftOut.push({ path: shown, why: 'its path gives no valid image name (lowercase letters, digits, ".", "_", "-")' });
        continue;
      }
      const taken = byName.get(name);
      if (taken) {
        leftOut.push({ path: shown, why: `its image name "${name}" is already that of ${taken.dockerfile === 'Dockerfile' ? `${taken.context}/` : `${taken.context}/${taken.dockerfile}`}: rename one of them` });
        continue;
      }
      const variantOf = main ?? outer?.name;
      const image: FoundImage = { name, context, dockerfile, ...(variantOf ? { variantOf } : {}) };
      main ??= name;
      byName.set(name, image);
      images.push(image);
    }
  }
  return { searched, images, leftOut };
}

/** True for Docker's Dockerfile names: `Dockerfile`, `Dockerfile.<x>`, `<x>.Dockerfile` (not their `.dockerignore` files). */
export function isDockerfileName(name: string): boolean {
  if (name.endsWith('.dockerignore')) return false;
  return name === 'Dockerfile' || /^Dockerfile\.[^.].*$/.test(name) || /^.*[^.]\.Dockerfile$/.test(name);
}

/** `Dockerfile.cuda` → `cuda`; `cuda.Dockerfile` → `cuda`. */
function dockerfileLabel(name: string): string {
  return name.startsWith('Dockerfile.') ? name.slice('Dockerfile.'.length) : name.slice(0, -'.Dockerfile'.length);
}

/**
 * An image name from a folder path below the searched folder: `/` → `-`, lower-cased, runs
 * of other characters than `[a-z0-9._-]` → `-`, no separator at either end.
 */
export function imageName(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/\//g, '-')
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[._-]+$/g, '');
  // `a..b`, `a._b`: not a path component; one `-` between the parts is.
  return name === '' || isPathComponent(name) ? name : name.replace(/[._-]{2,}/g, '-');
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
