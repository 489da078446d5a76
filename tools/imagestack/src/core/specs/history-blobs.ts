/**
 * The specs.yml blobs of a history walk, read from one `git cat-file --batch` (see
 * core/git/cat-file.ts): asked ahead as soon as the walk has parsed a chunk of `git log`,
 * read and decoded when the walk reaches them, dropped once it is past them. Blobs are
 * content-addressed, so each is kept by id while it is still the old side of the next older
 * change. Owned by one walk (the history walk's own thread, or the worker that reads
 * specs.yml history ahead of it: ./history-ahead.ts).
 */
import { GitError } from '../errors';
import { CatFileBatch } from '../git/cat-file';
import { isNullOid, type HistoryCommit } from '../git/raw-log';
import type { SpecsOutline } from './outline';
import { SpecsBlob, SpecsTextMemo } from './specs-blob';

/** See the module comment. */
export class SpecsHistoryBlobs {
  readonly #cwd: string;
  readonly #specsPath: string;
  readonly #head: { text?: string; outline?: () => SpecsOutline | undefined };
  #cat: CatFileBatch | undefined;
  readonly #blobs = new Map<string, Promise<SpecsBlob>>();
  readonly #memo = new SpecsTextMemo();
  /** The old side of the last change prefetched (the new side of the next one: not asked twice). */
  #lastOld: string | undefined;

  /**
   * @param cwd any folder of the working tree
   * @param specsPath specs.yml's path relative to the top level (as `git log --raw` prints it)
   * @param head the text the specs loader validated and its outline (`Specs.text`,
   *   `Specs.outline`): a blob with that text is known to parse and is not outlined again
   */
  constructor(cwd: string, specsPath: string, head: { text?: string; outline?: () => SpecsOutline | undefined }) {
    this.#cwd = cwd;
    this.#specsPath = specsPath;
    this.#head = head;
  }

  /**
   * Asks cat-file now for the specs.yml blobs of `batch` (commits in walk order), in the
   * order {@link pair} reads them: each change's old side, then its new side unless that is
   * the old side of the change before.
   */
  prefetch(batch: readonly HistoryCommit[]): void {
    const names: string[] = [];
    for (const commit of batch) {
      for (const change of commit.changes) {
        if (change.path !== this.#specsPath) continue;
        if (!isNullOid(change.oldOid)) names.push(change.oldOid);
        if (!isNullOid(change.newOid) && change.newOid !== this.#lastOld && change.newOid !== change.oldOid) names.push(change.newOid);
        this.#lastOld = change.oldOid;
      }
    }
    if (names.length === 0) return;
    this.#cat ??= new CatFileBatch(this.#cwd);
    this.#cat.prefetchText(names);
  }

  /**
   * Both sides of a change of specs.yml (a missing side reads as no file); the new side is
   * let go (the walk is past it), the old one kept for the next older change.
   * @throws GitError when a blob is missing from the repository or cat-file fails
   */
  async pair(oldOid: string, newOid: string): Promise<[SpecsBlob, SpecsBlob]> {
    const pair = await Promise.all([this.#blob(oldOid), this.#blob(newOid)]);
    if (newOid !== oldOid) this.#blobs.delete(newOid);
    return pair;
  }

  #blob(oid: string): Promise<SpecsBlob> {
    if (isNullOid(oid)) return Promise.resolve(new SpecsBlob(undefined, this.#memo));
    let d = this.#blobs.get(oid);
    if (!d) {
      this.#cat ??= new CatFileBatch(this.#cwd);
      d = this.#cat.readText(oid).then((text) => {
        if (text === undefined) throw new GitError(`specs.yml blob ${oid} is missing from the repository at ${this.#cwd}`);
        const b = new SpecsBlob(text, this.#memo);
        // The text the loader validated parses without errors: no need to parse it again,
        // and its outline comes from the tokens the loader read (not lexed again).
        if (b.text === this.#head.text) {
          b.ok = true;
          b.known = this.#head.outline;
        }
        return b;
      });
      d.catch(() => undefined); // read for a pair whose other side failed: reported there
      this.#blobs.set(oid, d);
    }
    return d;
  }

  /** Ends the cat-file process (reads still waiting get their answers). */
  close(): void {
    this.#cat?.close();
  }
}
