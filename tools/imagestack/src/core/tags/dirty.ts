/**
 * Uncommitted changes (DESIGN.md promise 9: a build of uncommitted changes never gets a
 * tag that claims a commit).
 *
 * A node (image I, version V) is *directly dirty* when a path git reports as changed in
 * the working tree or the index is one of its inputs (same mapping as source commits:
 * context folder, extra-input globs, stack-wide globs), or when I's meaning at V in the
 * working tree's specs.yml differs from HEAD's. A node is *dirty* when it or an ancestor
 * (A, V) is directly dirty; its tag is then `<version>-dirty-<hash12>` instead of
 * `<version>-<sha7>`.
 *
 * One `git status` call lists the changes; file contents are hashed from the working tree.
 */
import { lstat, readFile, readlink } from 'node:fs/promises';
import * as path from 'node:path';
import type { Stack } from '../graph/types';
import { entryMeaning } from '../specs/meaning';
import { CatFileBatch } from '../git/cat-file';
import { headShaOrUndefined, runGit, toplevel } from '../git/git';
import { specsMeaningChanges } from '../specs/meaning-changes';
import { SpecsBlob } from '../specs/specs-blob';
import { ALL_IMAGES, createInputIndex, type InputIndex } from './input-index';
import { DIRTY_HASH_LENGTH, nodeKey } from './tag';

/** One path `git status --porcelain=v1` reports, relative to the top level. */
export interface StatusEntry {
  /** Index status letter (`M`, `A`, `D`, `?` for untracked, ` ` unchanged…). */
  index: string;
  /** Working-tree status letter. */
  worktree: string;
  /** Path relative to the repository's top level, verbatim. */
  path: string;
}

/**
 * Parses `git status --porcelain=v1 -z` output (git-status(1), "Porcelain Format Version 1"
 * and "Short Format"): per path `XY SP <path> NUL`, where X is the index status and Y the
 * working-tree status (`??` untracked); a rename or copy is followed by its original path
 * `NUL <from> NUL` (both paths are returned as entries). Paths are relative to the top
 * level regardless of the current folder, verbatim (no quoting under `-z`).
 */
export function parseStatus(out: string): StatusEntry[] {
  const tokens = out.split('\0');
  const entries: StatusEntry[] = [];
  for (let t = 0; t < tokens.length; t++) {
    const tok = tokens[t];
    if (tok.length < 4) continue;
    const index = tok[0];
    const worktree = tok[1];
    entries.push({ index, worktree, path: tok.slice(3) });
    if ((index === 'R' || index === 'C') && t + 1 < tokens.length) {
      t++;
      if (tokens[t] !== '') entries.push({ index: 'D', worktree: ' ', path: tokens[t] });
    }
  }
  return entries;
}

/** The arguments `computeDirty` gives `git status`, run in the workspace root. */
export const STATUS_ARGS: readonly string[] = [
  'status',
  '--porcelain=v1',
  '-z',
  '--untracked-files=all',
  '--no-renames',
  '--',
  '.',
];

/**
 * Content digest of a working-tree path, for the dirty hash: `sha256:<hex>:<x|->` for a
 * file (with its executable bit, which `COPY` keeps), `symlink:<sha256 of target>`,
 * `directory` (an untracked nested repository), or `deleted`.
 */
async function digestPath(file: string): Promise<string> {
  let st;
  try {
    st = await lstat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'deleted';
    throw e;
  }
  if (st.isSymbolicLink()) return `symlink:${sha256(await readlink(file))}`;
  if (st.isDirectory()) return 'directory';
  return `sha256:${sha256(await readFile(file))}:${st.mode & 0o111 ? 'x' : '-'}`;
}

function sha256(data: string | Buffer): string {
  // Required on first use: a clean working tree hashes nothing, and node:crypto costs ~7 ms of CPU to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The dirty nodes of `stack` in its working tree, each with a content hash.
 *
 * Runs ONE `git status --porcelain=v1 -z --untracked-files=all --no-renames -- .` in the
 * workspace root (staged, unstaged, untracked-not-ignored and deleted paths), maps each
 * path to nodes like source commits do, and compares the working tree's specs.yml with
 * HEAD's by meaning (a comment-only edit dirties nothing).
 *
 * The hash of a dirty node (I, V) is the first 12 hex characters of a sha256 over: the
 * HEAD commit (the content of every clean file is HEAD's), the sorted (path, content
 * digest or `deleted`) of the dirty paths that are inputs of I or an ancestor, and the
 * working-tree meanings (`entryMeaning` of `stack.specs.raw`, i.e. the specs.yml the
 * stack was loaded from) of I and its ancestors at V. The same working tree on the same
 * HEAD gives the same hash; any further edit to those inputs gives another.
 *
 * @param opts.index the stack's input index, when the caller already made it
 * @param opts.head the full sha of the checked-out HEAD, when the caller already knows it
 *   (`undefined`: looked up; there may be no commit yet)
 * @param opts.toplevel the top level of the working tree, when the caller already knows it
 * @returns node key (`<image>@<version>`) → 12 lowercase hex; an empty map when nothing
 *   uncommitted touches any image
 * @throws GitError when git fails (e.g. the workspace is not in a git working tree).
 */
export async function computeDirty(stack: Stack, opts: { index?: InputIndex; head?: string; toplevel?: string } = {}): Promise<Map<string, string>> {
  const cwd = stack.specs.root;
  const [top, index, status, head] = await Promise.all([
    opts.toplevel ?? toplevel(cwd),
    opts.index ?? createInputIndex(stack),
    runGit(cwd, STATUS_ARGS),
    opts.head ?? headShaOrUndefined(cwd),
  ]);
  const images = index.images;
  const versions = stack.specs.versions.map((v) => v.name);

  const ownPaths = images.map((): string[] => []);
  const widePaths: string[] = [];
  let specsTouched = false;
  for (const entry of parseStatus(status.stdout)) {
    if (entry.path === index.specsPath) {
      specsTouched = true;
      continue;
    }
    const hit = index.imagesOf(entry.path);
    if (hit === ALL_IMAGES) widePaths.push(entry.path);
    else for (const i of hit) ownPaths[i].push(entry.path);
  }

  // Directly dirty by specs.yml meaning (node index i * versions + v), compared like history.
  const specsDirty = new Set<number>();
  if (specsTouched) {
    let worktreeText: string | undefined;
    try {
      worktreeText = await readFile(stack.specs.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    let headText: string | undefined;
    if (head) {
      const cat = new CatFileBatch(cwd);
      try {
        headText = await cat.readText(`${head}:${index.specsPath}`);
      } finally {
        cat.close();
      }
    }
    const changes = specsMeaningChanges(new SpecsBlob(headText), new SpecsBlob(worktreeText), images, versions);
    if (changes === 'all') for (let k = 0; k < images.length * versions.length; k++) specsDirty.add(k);
    else for (const [i, vi] of changes) specsDirty.add(i * versions.length + vi);
  }

  if (widePaths.length === 0 && specsDirty.size === 0 && ownPaths.every((p) => p.length === 0)) return new Map();

  // Dirty = directly dirty or a parent dirty, in topological order (parents first).
  const indexOf = new Map(images.map((name, i) => [name, i]));
  const dirty = new Uint8Array(images.length * versions.length);
  images.forEach((name, i) => {
    const parents = (stack.images.get(name)?.parents ?? [])
      .map((p) => indexOf.get(p.image))
      .filter((p): p is number => p !== undefined);
    versions.forEach((_, vi) => {
      const k = i * versions.length + vi;
      dirty[k] =
        widePaths.length > 0 ||
        ownPaths[i].length > 0 ||
        specsDirty.has(k) ||
        parents.some((p) => dirty[p * versions.length + vi] === 1)
          ? 1
          : 0;
    });
  });

  const digests = new Map<string, Promise<string>>();
  const digest = (p: string): Promise<string> => {
    let d = digests.get(p);
    if (!d) {
      d = digestPath(path.join(top, ...p.split('/')));
      digests.set(p, d);
    }
    return d;
  };

  const result = new Map<string, string>();
  for (let i = 0; i < images.length; i++) {
    const name = images[i];
    const skip = new Set(stack.images.get(name)?.spec.skip ?? []);
    let related: string[] | undefined;
    let pathLines: string[] | undefined;
    for (let vi = 0; vi < versions.length; vi++) {
      const v = versions[vi];
      if (skip.has(v) || dirty[i * versions.length + vi] !== 1) continue;
      related ??= [name, ...stack.ancestors(name)].sort();
      if (!pathLines) {
        const paths = new Set(widePaths);
        for (const r of related) {
          const ri = indexOf.get(r);
          if (ri !== undefined) for (const p of ownPaths[ri]) paths.add(p);
        }
        const sorted = [...paths].sort();
        const ds = await Promise.all(sorted.map(digest));
        pathLines = sorted.map((p, n) => JSON.stringify(['path', p, ds[n]]));
      }
      const lines = [
        'imagestack-dirty-v1',
        JSON.stringify(['head', head ?? 'unborn']),
        ...pathLines,
        ...related.map((r) => JSON.stringify(['meaning', r, entryMeaning(stack.specs.raw, r, v)])),
      ];
      result.set(nodeKey(name, v), sha256(lines.join('\n')).slice(0, DIRTY_HASH_LENGTH));
    }
  }
  return result;
}
