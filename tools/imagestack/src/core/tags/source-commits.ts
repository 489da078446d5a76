/**
 * Source commits (DESIGN.md, "source commit"; promises 1 and 2).
 *
 * The nodes of a stack are (image, version) for every version the image does not skip.
 * The inputs of node (I, V) are the files under I's context folder, the files matching
 * I's extra-input globs and the stack-wide input globs (see ./input-index.ts), and I's
 * meaning in specs.yml (`entryMeaning(doc, I, V)`, compared by core/specs/meaning-changes.ts).
 * The source commit of (I, V) is the newest commit of first-parent history from head in
 * which the inputs of (I, V), or of any ancestor (A, V), changed against the commit's first
 * parent. A root commit resolves every node still unresolved.
 *
 * Each commit's own globs: the input index is built from HEAD's globs, and that is the
 * same as classifying every commit's paths with that commit's globs, because a change of
 * a glob list is itself a change of meaning (per-image `inputs:` of that image's entry,
 * stack-wide `inputs:` of every entry; see core/specs/meaning.ts). The walk resolves the
 * affected nodes at that commit, so it never reads an older commit, whose globs differ
 * from HEAD's, for a node those globs could still move.
 *
 * It is computed with ONE streaming `git log` walk (see core/git/history.ts) plus, only
 * when specs.yml changed, ONE `git cat-file --batch` process reading each distinct blob of
 * specs.yml once (blobs are content-addressed: the walk memoizes them by blob id). The walk
 * stops (and the `git log` process is killed) as soon as every node is resolved.
 *
 * Why marking is cheap: when image I's inputs change at commit C, every still-unresolved
 * node (J, V) for J in {I} ∪ descendants(I) resolves to C. Marking walks down the children
 * from I and stops at any node already resolved, because "(J, V) resolved" implies "every
 * descendant (K, V) resolved" (it was marked at the same commit or a newer one). Each
 * node is therefore resolved once and each edge crossed at most once per version: no
 * ancestor closure is ever built.
 *
 * Caches, all owned by one call of {@link computeSourceCommits} (one plan): the specs.yml
 * blobs by id (core/specs/history-blobs.ts: each dropped once the walk is past the change
 * that made it), the parses of small specs.yml texts (`SpecsTextMemo`, bounded), and the
 * input index's answers per path (bounded). Nothing is kept between calls.
 *
 * The `explain` bookkeeping (why each node resolved) sits inside the marking it records.
 */
import { GitError } from '../errors';
import type { Stack } from '../graph/types';
import { specsMeaningChanges } from '../specs/meaning-changes';
import { SpecsHistoryBlobs } from '../specs/history-blobs';
import { revParse, shallowCommits } from '../git/git';
import { firstParentHistory, type HistoryCommit, type StartedHistory } from '../git/history';
import { ALL_IMAGES, createInputIndex, type InputIndex } from './input-index';
import { nodeKey } from './tag';

/** The source commit of every node of a stack at one head commit. */
export interface SourceCommits {
  /** The commit the walk started from (full sha). */
  head: string;
  /**
   * Source commit (full sha) of every node, keyed by {@link nodeKey} (`<image>@<version>`),
   * in `stack.order` × `specs.versions` order. Nodes of skipped versions are absent.
   */
  commits: Map<string, string>;
  /** How many commits the walk read before every node was resolved (0 for an empty stack). */
  commitsRead: number;
  /**
   * With `explain`: why each node's source commit is that commit, in words, keyed like
   * {@link commits} (e.g. `input images/python/req.txt changed`, `ancestor base moved: …`).
   */
  why?: Map<string, string>;
}


/** Node states, one byte per (image, version). */
const UNRESOLVED = 0;
const RESOLVED = 1;
/** A skipped (image, version): not a node, but marking passes through it to the children. */
const SKIPPED = 2;
const SKIPPED_PASSED = 3;

/** Short sha for messages. */
const short = (sha: string) => sha.slice(0, 7);

/**
 * Computes the source commit of every node of `stack` (see the module comment).
 *
 * @param stack the validated stack; `stack.specs.root` must be inside a git working tree
 * @param opts.head the commit to walk from (any revision; default `HEAD`)
 * @param opts.history the `git log` of the walk, started earlier with
 *   `startFirstParentHistory(stack.specs.root, <head's full sha>)` (see core/git/history.ts);
 *   consumed and closed here. Without it, `git log` starts when the walk does. With it and
 *   `opts.head` equal to its head (a full sha), the head is not resolved again.
 * @param opts.index the stack's input index, when the caller already made it (see
 *   ./input-index.ts; made here otherwise)
 * @returns full shas keyed by `<image>@<version>`, the resolved head, and how many
 *   commits were read
 * @throws GitError when `opts.head` names no commit ("unknown ref"), when git fails, or
 *   when the walk reaches a shallow-clone boundary with nodes still unresolved (fix:
 *   `git fetch --unshallow`, or `fetch-depth: 0` for actions/checkout).
 */
export async function computeSourceCommits(
  stack: Stack,
  opts: WalkOptions = {},
): Promise<SourceCommits> {
  try {
    return await walkSourceCommits(stack, opts);
  } finally {
    opts.history?.close(); // a no-op when the walk read git's output to the end
  }
}

/** Options of {@link computeSourceCommits}. */
export interface WalkOptions {
  head?: string;
  history?: StartedHistory;
  index?: InputIndex;
  /** `$GIT_DIR/shallow`, when the caller knows it (`RepoFacts.shallowFile`; asked of git otherwise). */
  shallowFile?: string;
  /** Also say why each node resolved where it did ({@link SourceCommits.why}); off by default (no cost then). */
  explain?: boolean;
}

async function walkSourceCommits(stack: Stack, opts: WalkOptions): Promise<SourceCommits> {
  const cwd = stack.specs.root;
  const resolved = opts.history !== undefined && opts.head === opts.history.head ? opts.history.head : undefined;
  // Read while the head and the index are made; its error, if any, is reported in its turn (below).
  const shallowP = shallowCommits(cwd, opts.shallowFile);
  shallowP.catch(() => undefined);
  const [head, index] = await Promise.all([resolved ?? revParse(cwd, opts.head ?? 'HEAD'), opts.index ?? createInputIndex(stack)]);

  const images = index.images;
  const versions = stack.specs.versions.map((v) => v.name);
  const nImages = images.length;
  const nVersions = versions.length;
  const indexOf = new Map(images.map((name, i) => [name, i]));
  const children: number[][] = images.map(() => []);
  images.forEach((name, i) => {
    const seen = new Set<number>();
    for (const p of stack.images.get(name)?.parents ?? []) {
      const pi = indexOf.get(p.image);
      if (pi !== undefined && !seen.has(pi)) {
        seen.add(pi);
        children[pi].push(i);
      }
    }
  });

  const state = new Uint8Array(nImages * nVersions);
  const source: (string | undefined)[] = new Array(nImages * nVersions);
  let unresolved = 0;
  images.forEach((name, i) => {
    const skip = new Set(stack.images.get(name)?.spec.skip ?? []);
    versions.forEach((v, vi) => {
      const k = i * nVersions + vi;
      if (skip.has(v)) state[k] = SKIPPED;
      else unresolved++;
    });
  });

  // With `explain`: per node, the image whose change resolved it (-1: every image at once)
  // and an index into `causes`, the words of that change; set when the node resolves.
  const causes: string[] = [];
  let cause = 0;
  const why = opts.explain ? { origin: new Int32Array(nImages * nVersions), cause: new Int32Array(nImages * nVersions) } : undefined;
  /** Sets the words of the change being marked (call only with `why`: no cost without it). */
  const because = (words: string): void => {
    cause = causes.push(words) - 1;
  };
  const explain = (): Map<string, string> | undefined => {
    if (!why) return undefined;
    const out = new Map<string, string>();
    for (let k = 0; k < source.length; k++) {
      if (source[k] === undefined) continue;
      const i = Math.floor(k / nVersions);
      const o = why.origin[k];
      const words = causes[why.cause[k]];
      out.set(nodeKey(images[i], versions[k % nVersions]), o < 0 || o === i ? words : `ancestor ${images[o]} moved: ${words}`);
    }
    return out;
  };

  const collect = (): Map<string, string> => {
    const commits = new Map<string, string>();
    for (let i = 0; i < nImages; i++) {
      for (let vi = 0; vi < nVersions; vi++) {
        const sha = source[i * nVersions + vi];
        if (sha !== undefined) commits.set(nodeKey(images[i], versions[vi]), sha);
      }
    }
    return commits;
  };
  if (unresolved === 0) return { head, commits: collect(), commitsRead: 0, ...(why ? { why: new Map() } : {}) };

  const work: number[] = [];
  /** Resolves (i, v) and its unresolved descendants at version v to `sha` (see module comment). */
  const mark = (i: number, v: number, sha: string, origin = i): void => {
    work.push(i);
    while (work.length > 0) {
      const j = work.pop()!;
      const k = j * nVersions + v;
      const s = state[k];
      if (s === RESOLVED || s === SKIPPED_PASSED) continue;
      if (s === UNRESOLVED) {
        state[k] = RESOLVED;
        source[k] = sha;
        unresolved--;
        if (why) {
          why.origin[k] = origin;
          why.cause[k] = cause;
        }
      } else {
        state[k] = SKIPPED_PASSED;
      }
      for (const c of children[j]) work.push(c);
    }
  };
  const markImage = (i: number, sha: string): void => {
    for (let v = 0; v < nVersions; v++) mark(i, v, sha);
  };
  const markAll = (sha: string): void => {
    for (let i = 0; i < nImages; i++) for (let v = 0; v < nVersions; v++) mark(i, v, sha, -1);
  };
  const pending = (k: number) => state[k] === UNRESOLVED || state[k] === SKIPPED;

  const specsBlobs = new SpecsHistoryBlobs(cwd, index.specsPath, { text: stack.specs.text, outline: stack.specs.outline });
  const prefetch = (batch: readonly HistoryCommit[]): void => {
    if (unresolved > 0) specsBlobs.prefetch(batch);
  };
  const specsChanged = async (oldOid: string, newOid: string, sha: string): Promise<void> => {
    const [a, b] = await specsBlobs.pair(oldOid, newOid);
    const changes = specsMeaningChanges(a, b, images, versions, (i, v) => pending(i * nVersions + v));
    if (changes === 'all') {
      if (why) because(`${index.specsPath} changed for every image (it did not parse, or its stack-wide inputs: changed)`);
      return markAll(sha);
    }
    if (why) because(`its meaning in ${index.specsPath} changed (its entry, its version's section or skip, or the version's stack-wide args)`);
    for (const [i, v] of changes) mark(i, v, sha);
  };

  const shallow = await shallowP;
  let commitsRead = 0;
  try {
    for await (const commit of firstParentHistory(cwd, head, { onParsed: prefetch, started: opts.history })) {
      commitsRead++;
      if (shallow.has(commit.sha)) throw shallowError(head, commit.sha, unresolvedExamples());
      if (commit.parents.length === 0) {
        if (why) because('the root commit (everything in it is new)');
        markAll(commit.sha); // the root commit: everything that exists was added here
        break;
      }
      for (const change of commit.changes) {
        if (change.path === index.specsPath) {
          await specsChanged(change.oldOid, change.newOid, commit.sha);
          continue;
        }
        const hit = index.imagesOf(change.path);
        if (hit === ALL_IMAGES) {
          if (why) because(`stack-wide input ${change.path} changed`);
          markAll(commit.sha);
        } else if (hit.length > 0) {
          if (why) because(`input ${change.path} changed`);
          for (const i of hit) markImage(i, commit.sha);
        }
      }
      if (unresolved === 0) break;
    }
  } finally {
    specsBlobs.close();
  }
  if (unresolved > 0) {
    throw new GitError(
      `git log from ${short(head)} ended before every image version had a source commit (${unresolvedExamples()})`,
    );
  }
  return { head, commits: collect(), commitsRead, ...(why ? { why: explain() } : {}) };

  function unresolvedExamples(): string {
    const names: string[] = [];
    for (let k = 0; k < state.length && names.length < 3; k++) {
      if (state[k] === UNRESOLVED) names.push(nodeKey(images[Math.floor(k / nVersions)], versions[k % nVersions]));
    }
    return `${unresolved} unresolved, e.g. ${names.join(', ')}`;
  }
}

/** The GitError for a walk that reached a shallow boundary with nodes unresolved. */
function shallowError(head: string, boundary: string, examples: string): GitError {
  return new GitError(
    `history is shallow: walking first-parent history from ${short(head)} reached ${short(boundary)}, ` +
      `a shallow-clone boundary whose parents were not fetched, before every image version's ` +
      `source commit was found (${examples}); git cannot tell what changed in ${short(boundary)}`,
    'fetch the full history with `git fetch --unshallow` ' +
      '(in GitHub Actions, give actions/checkout `fetch-depth: 0`)',
  );
}
