/**
 * Where the images of a stack live: which build contexts lie inside another image's context
 * (variants, e.g. `images/pytorch-notebook/cuda12` inside `images/pytorch-notebook`). Such a
 * folder belongs to the inner image only: it is no input of the outer image
 * (tags/input-index.ts) and is left out of the outer image's build context (engine/context.ts),
 * so the outer image can never be built from files that do not move its tag.
 */
import type { Stack } from './types';

/**
 * The contexts of the other images of `stack` that lie strictly inside the context of
 * `image`, relative to that context (`/`-separated), sorted; `[]` for an image with none
 * (every stack whose images keep the default `images/<name>`). Contexts equal to the
 * image's own (two images built from one folder) are not inside it.
 */
export function innerContexts(stack: Stack, image: string): string[] {
  const own = stack.images.get(image)?.spec.context;
  if (own === undefined) return [];
  const prefix = `${own}/`;
  const inner: string[] = [];
  for (const other of stack.images.values()) {
    const c = other.spec.context;
    if (c.startsWith(prefix)) inner.push(c.slice(prefix.length));
  }
  return [...new Set(inner)].sort();
}
