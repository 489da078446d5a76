/**
 * The promotion record: what `imagestack promote` and `imagestack revert` write into the
 * registry (so a stateless CI runner can read it back), and what `history`, `audit` and the
 * site read. The JSON form is an interface: fields may be added, never renamed.
 */

/** One image's stable tag, before and after a promotion. */
export interface PromotedImage {
  /** Image name as in specs.yml, e.g. `python`. */
  image: string;
  /** The qualified repository, `<registry>/<namespace>/<image>` (field name kept: it is in the stored records). */
  repository: string;
  /** The source tag the stable tag now points at, e.g. `2026.2-1a2b3c4`. */
  sourceTag: string;
  /** The stable tag moved, e.g. `2026.2-stable`. */
  stableTag: string;
  /** Digest (`sha256:<64 hex>`) the stable tag pointed at before, or null when it did not exist. */
  previousDigest: string | null;
  /** Digest the stable tag points at now (equal to the source tag's digest). */
  digest: string;
  /** Media type of the manifest retagged (image manifest, manifest list or OCI index). */
  mediaType: string;
}

/** One promotion (or revert) of one version of the stack. */
export interface Promotion {
  /** Sequence number per version, 1 for the first promotion ever made. */
  number: number;
  /** The stack version, e.g. `2026.2`. */
  version: string;
  /** `promote` or `revert`. A revert records the promotion number it restored in `revertOf`. */
  kind: 'promote' | 'revert';
  /** For a revert: the number of the promotion whose tags were restored. */
  revertOf?: number;
  /** Full sha of the commit whose plan named the source tags (for a revert: that promotion's commit). */
  commit: string;
  /** When, ISO 8601 UTC (`2026-11-21T06:30:00.000Z`). */
  at: string;
  /** Who: `GITHUB_ACTOR`, else `USER`/`LOGNAME`, else the OS user name. */
  by: string;
  /** Every image of the version, in plan order. */
  images: PromotedImage[];
  /**
   * The global `stable` tag of each image (same digests as `images`), moved in the same
   * all-or-nothing unit when this version is the newest promoted one (no version declared
   * after it in specs.yml has a promotion). Absent when `stable` was not moved.
   */
  globalStable?: PromotedImage[];
  /**
   * The moving descriptive tags moved in the same unit (`moving.ts`): `stableTag` is the
   * moving tag (`2026.2-python-3.11`; `python-3.11` and `latest` with the global `stable`).
   * Absent when no image of the version has descriptive tags.
   */
  movingTags?: PromotedImage[];
}
