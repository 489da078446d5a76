/**
 * What `imagestack refresh` finds and does ({@link RefreshReport}); the JSON of
 * `refresh --json` is this shape. Fields may be added, never renamed.
 */

/** One external base of the stack (the reference without its digest) and where it stands upstream. */
export interface BaseStatus {
  /** e.g. `debian:bookworm-slim`. */
  reference: string;
  /** The digests it is pinned to in the stack's Dockerfiles (null = an unpinned use), sorted. */
  pins: Array<string | null>;
  /** The digest its tag points at now in its registry (for an index, the index's), when resolved. */
  current?: string;
  /** `current`: every use pinned to `current`; `outdated`: some pin differs; `unpinned`: some use has no pin; `error`: not resolved. */
  status: 'current' | 'outdated' | 'unpinned' | 'error';
  /** Why it could not be resolved (status `error`). */
  error?: string;
  /** Stack images that name it, in stack order. */
  images: string[];
}

/** One package whose version the no-cache rebuild of a root image changes (`refresh --packages`). */
export interface PackageUpdate {
  /** The package list: `dpkg` (OS packages) or `pip`. */
  list: 'dpkg' | 'pip';
  name: string;
  /** Version in the current tag's image; null when the rebuild adds the package. */
  from: string | null;
  /** Version in the rebuilt image; null when the rebuild no longer has it. */
  to: string | null;
}

/** A root image's packages, rebuilt without layer cache, against its current tag (`refresh --packages`). */
export interface RootPackages {
  image: string;
  version: string;
  /** The current tag's reference, `<registry>/<namespace>/<image>:<tag>`, compared with. */
  current: string;
  /**
   * `updates`: some package would change; `current`: none would; `no-tag`: the current tag is
   * not in the registry (build and push it first); `error`: the rebuild or the comparison failed.
   */
  status: 'updates' | 'current' | 'no-tag' | 'error';
  /** The packages that would change, dpkg then pip, each by name. */
  updates: PackageUpdate[];
  /** Why (status `error`). */
  error?: string;
}

/** An image and version that failed while verifying the new pins. */
export interface RefreshFailure {
  image: string;
  version: string;
  /** The step that failed (`build`, `manifest`, `checks`, `test`, …) or `blocked`. */
  step: string;
  /** The error message. */
  error: string;
  /** The last lines of the failed step's log (the failing test's output). */
  logTail: string[];
}

/** The outcome of one refresh. */
export interface RefreshReport {
  /** Every external base, in the order first met (stack order, then Dockerfile order). */
  bases: BaseStatus[];
  /** The bases that get a new pin: old pin (null = unpinned; the first differing one) → current. */
  changes: Array<{ reference: string; from: string | null; to: string }>;
  /** Images whose tags move with the new pins (those on a changed base and their descendants), stack order. */
  moves: string[];
  /** Dockerfiles rewritten (workspace-relative), when any. */
  files: string[];
  /** Pins that could not be rewritten (file, line, why). */
  problems: Array<{ file: string; line: number; message: string }>;
  /** The verification build (no push): ok, and what failed. Absent when nothing was built. */
  verified?: { ok: boolean; built: number; failures: RefreshFailure[] };
  /**
   * With `--packages`: the root images not on a changed base, rebuilt without layer cache
   * (never pushed) and compared with their current tags. Reported only: no pin, file or commit
   * follows from it.
   */
  packages?: RootPackages[];
  /** The commit made (`--commit`), and its branch. */
  commit?: { sha: string; branch: string };
  /**
   * `nothing-to-do`; `dry-run` (changes listed, nothing built or written); `failed` (a new base
   * broke an image, or a pin could not be rewritten: nothing changed); `rewritten` (pins
   * rewritten in the working tree); `committed`.
   */
  outcome: 'nothing-to-do' | 'dry-run' | 'failed' | 'rewritten' | 'committed';
}
