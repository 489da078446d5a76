/**
 * The input index of a stack (DESIGN.md, "source commit": an image's inputs are the files
 * of its context, its declared extra inputs (globs) and the stack-wide inputs): which
 * images a changed path is an input of. A context inside another image's context (a
 * variant, `images/x/cuda12` inside `images/x`) takes its files out of the outer image's
 * inputs: a path belongs to the deepest context holding it. Used by the history walk (./source-commits.ts) for
 * every changed path of every commit, and by ./dirty.ts for the working tree.
 */
import * as path from 'node:path';
import type picomatchFn from 'picomatch';
import type { Stack } from '../graph/types';
import { showPrefix } from '../git/git';

/** {@link InputIndex.imagesOf} answer for a stack-wide input: every image. */
export const ALL_IMAGES = 'all' as const;

/** Maps a changed path to the images whose own inputs include it (see the module comment). */
export interface InputIndex {
  /** The workspace root relative to the repository's top level: `''` or `ws/` (trailing `/`). */
  prefix: string;
  /** specs.yml relative to the top level, e.g. `ws/specs.yml`. */
  specsPath: string;
  /** Image names (`stack.order`); {@link imagesOf} answers indices into this array. */
  images: readonly string[];
  /**
   * The images (indices into {@link images}) whose own inputs include `path` (relative to
   * the top level, as git prints it), {@link ALL_IMAGES} when a stack-wide input matches,
   * an empty array when none. specs.yml and paths outside the workspace give `[]`.
   * O(1) for a context path (looked up by its leading segments); globs are compiled once
   * and answers memoized per path.
   */
  imagesOf(path: string): readonly number[] | typeof ALL_IMAGES;
}

const NONE: readonly number[] = Object.freeze([]);

/** `a/b/c/` → `a/b/c`; `./a` → `a`; always `/`-separated. */
function normalizeFolder(p: string): string {
  return p.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/**
 * Builds the {@link InputIndex} of a stack for a workspace at `prefix` (from
 * `git rev-parse --show-prefix` in `specs.root`). Pure: no I/O.
 */
export function buildInputIndex(stack: Stack, prefix: string): InputIndex {
  const { specs } = stack;
  const images = [...stack.order];
  const specsRel = path.relative(specs.root, specs.file).split(path.sep).join('/');
  const specsPath = prefix + specsRel;

  // Contexts by folder; lookups try each distinct depth (always 2 for `images/<name>`).
  const contexts = new Map<string, number[]>();
  const depths = new Set<number>();
  images.forEach((name, i) => {
    const spec = stack.images.get(name)?.spec;
    const ctx = normalizeFolder(spec?.context ?? `images/${name}`);
    if (ctx === '' || ctx.startsWith('../')) return;
    const list = contexts.get(ctx) ?? [];
    list.push(i);
    contexts.set(ctx, list);
    depths.add(ctx.split('/').length);
  });
  const depthList = [...depths].sort((a, b) => a - b);

  const opts = { dot: true };
  // Required only when there are globs: picomatch's six modules cost a stack without `inputs:` ~3 ms of CPU to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const picomatch = (...a: Parameters<typeof picomatchFn>) => (require('picomatch') as typeof picomatchFn)(...a);
  const stackWide = specs.inputs.length > 0 ? picomatch(specs.inputs, opts) : undefined;
  const byGlob = new Map<string, number[]>();
  images.forEach((name, i) => {
    for (const g of stack.images.get(name)?.spec.inputs ?? []) {
      const list = byGlob.get(g) ?? [];
      list.push(i);
      byGlob.set(g, list);
    }
  });
  const anyImageGlob = byGlob.size > 0 ? picomatch([...byGlob.keys()], opts) : undefined;
  const imageGlobs = [...byGlob].map(([g, list]) => ({ match: picomatch(g, opts), images: list }));

  const memo = new Map<string, readonly number[] | typeof ALL_IMAGES>();

  function classify(p: string): readonly number[] | typeof ALL_IMAGES {
    if (p === specsPath || !p.startsWith(prefix)) return NONE;
    const rel = p.slice(prefix.length);
    if (stackWide?.(rel)) return ALL_IMAGES;
    // The deepest context holding the path wins: a variant's folder inside another image's
    // context is an input of the variant only.
    let deepest: number[] | undefined;
    let slash = -1;
    let depth = 0;
    for (const want of depthList) {
      while (depth < want) {
        slash = rel.indexOf('/', slash + 1);
        if (slash < 0) break;
        depth++;
      }
      if (slash < 0) break;
      deepest = contexts.get(rel.slice(0, slash)) ?? deepest;
    }
    let hits: number[] | undefined = deepest && [...deepest];
    if (anyImageGlob?.(rel)) {
      for (const g of imageGlobs) if (g.match(rel)) (hits ??= []).push(...g.images);
    }
    if (!hits) return NONE;
    return hits.length === 1 ? hits : [...new Set(hits)];
  }

  return {
    prefix,
    specsPath,
    images,
    imagesOf(p: string) {
      let r = memo.get(p);
      if (r === undefined) {
        r = classify(p);
        if (memo.size < 1_000_000) memo.set(p, r);
      }
      return r;
    },
  };
}

/**
 * {@link buildInputIndex} for the workspace of `stack` (runs `git rev-parse --show-prefix`
 * in `specs.root`).
 * @throws GitError when the workspace root is not inside a git working tree.
 */
export async function createInputIndex(stack: Stack): Promise<InputIndex> {
  return buildInputIndex(stack, await showPrefix(stack.specs.root));
}

