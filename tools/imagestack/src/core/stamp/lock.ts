/**
 * The lock file of `imagestack stamp`: for one commit, image → version → exact reference
 * `repository:tag@digest`. An output for consumers of the images (deploy scripts, other
 * repositories), never an input of imagestack (DESIGN.md promise 1: no lock file is read).
 * Pure.
 */
import type { ResolvedImage } from '../resolve/resolve';
import type { StampForm } from './spec';

/** The lock file's content. Keys are written sorted, so the same inputs give the same bytes. */
export interface LockFile {
  /** Format version of this file. */
  lockVersion: 1;
  /** Full sha of the commit whose plan named the tags. */
  commit: string;
  registry: string;
  namespace: string;
  /** image → version → `repository:tag@digest`. */
  images: Record<string, Record<string, string>>;
}

/** The lock for `images` (resolved at `commit`). */
export function makeLock(commit: string, registry: string, namespace: string, images: readonly ResolvedImage[]): LockFile {
  const out: Record<string, Record<string, string>> = {};
  for (const i of images) (out[i.image] ??= {})[i.version] = i.reference;
  return { lockVersion: 1, commit, registry, namespace, images: out };
}

/** `value` with every object's keys sorted (arrays keep their order). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, sortKeys(o[k])]),
  );
}

/** The lock as file text: sorted keys, 2-space indent, final newline. */
export function formatLock(lock: LockFile): string {
  return `${JSON.stringify(sortKeys(lock), null, 2)}\n`;
}

/** The text stamped for `image` in the given form. */
export function referenceIn(image: ResolvedImage, form: StampForm): string {
  switch (form) {
    case 'repository:tag@digest':
      return image.reference;
    case 'repository:tag':
      return `${image.repository}:${image.tag}`;
    case 'repository@digest':
      return `${image.repository}@${image.digest}`;
  }
}
