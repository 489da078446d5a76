/**
 * Tag and node-key strings (DESIGN.md, "tag"). Pure, no I/O.
 *
 * - node key: `<image>@<version>`, e.g. `python@2026.1`: one (image, version) node.
 * - tag: `<version>-<sha7>`, e.g. `2026.1-3f4ff3c`: the node's source commit, abbreviated.
 * - dirty tag: `<version>-dirty-<hash12>`, e.g. `2026.1-dirty-0123456789ab`: a build of
 *   uncommitted changes, which never claims a commit (promise 9).
 */

/** Number of hex characters of the source commit in a tag. */
export const SHA_LENGTH = 7;
/** Number of hex characters of the content hash in a dirty tag. */
export const DIRTY_HASH_LENGTH = 12;

const DIRTY = new RegExp(`-dirty-[0-9a-f]{${DIRTY_HASH_LENGTH}}$`);

/** The key of node (image, version): `<image>@<version>`, e.g. `python@2026.1`. */
export function nodeKey(image: string, version: string): string {
  return `${image}@${version}`;
}

/**
 * The (image, version) of a node key made by {@link nodeKey}. Image names cannot contain
 * `@`, so the first `@` separates them.
 * @throws Error when `key` has no `@`.
 */
export function parseNodeKey(key: string): { image: string; version: string } {
  const at = key.indexOf('@');
  if (at < 0) throw new Error(`not a node key (expected <image>@<version>): ${key}`);
  return { image: key.slice(0, at), version: key.slice(at + 1) };
}

/**
 * The tag of a node whose source commit is `sha`: `<version>-<first 7 hex of sha>`.
 * @param sha a commit id, full or abbreviated to at least 7 hex characters
 * @throws Error when `sha` is not at least 7 hex characters.
 */
export function formatTag(version: string, sha: string): string {
  if (!/^[0-9a-f]{7,}$/i.test(sha)) throw new Error(`not a commit sha: '${sha}'`);
  return `${version}-${sha.slice(0, SHA_LENGTH).toLowerCase()}`;
}

/**
 * The tag of a node built from uncommitted changes: `<version>-dirty-<hash12>`.
 * @param hash12 12 lowercase hex characters (see `computeDirty`)
 * @throws Error when `hash12` is not 12 lowercase hex characters.
 */
export function dirtyTag(version: string, hash12: string): string {
  if (!/^[0-9a-f]{12}$/.test(hash12)) throw new Error(`not a 12-hex dirty hash: '${hash12}'`);
  return `${version}-dirty-${hash12}`;
}

/** True when `tag` is a dirty tag (ends in `-dirty-<12 lowercase hex>`). */
export function isDirtyTag(tag: string): boolean {
  return DIRTY.test(tag);
}
