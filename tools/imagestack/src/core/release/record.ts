/**
 * The promotion record as an OCI artifact, pure (no I/O): where it lives, how its tag is
 * spelled, and its encoding.
 *
 * Contract (other modules and CI scripts read it; keep it):
 * - repository `<namespace>/imagestack-promotions` of the stack's registry;
 * - one tag per promotion, `<version>-<number zero-padded to 6>`, e.g. `2026.2-000003`;
 *   never overwritten;
 * - an OCI image manifest following the artifact guidance of the OCI image spec v1.1
 *   (`manifest.md`, "Guidelines for Artifact Usage"): `artifactType`
 *   {@link PROMOTION_MEDIA_TYPE}, `config` the empty descriptor
 *   (`application/vnd.oci.empty.v1+json`, the 2 bytes `{}`), and one layer of media type
 *   {@link PROMOTION_MEDIA_TYPE} whose bytes are the {@link Promotion} as JSON (UTF-8).
 */
import { RegistryError } from '../errors';
import { sha256Digest } from '../registry/digest';
import { OCI_MANIFEST } from '../registry/media-types';
import type { Descriptor } from '../registry/types';
import type { PromotedImage, Promotion } from './types';
import { PROMOTIONS_IMAGE } from '../reserved';
import { repositoryOf } from '../reference/repository';

export { PROMOTIONS_IMAGE } from '../reserved';

/** Media type of the record: the manifest's `artifactType` and its one layer. */
export const PROMOTION_MEDIA_TYPE = 'application/vnd.imagestack.promotion.v1+json';
/** The empty descriptor's media type (OCI image spec v1.1, "Guidance for an Empty Descriptor"). */
export const OCI_EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';
/** The empty descriptor's content: the two bytes `{}`. */
export const OCI_EMPTY_BYTES = Buffer.from('{}');
/** Digits of the zero-padded promotion number in a record tag. */
export const NUMBER_DIGITS = 6;

/** The moving tag of a version that promote and revert point: `<version>-stable`, e.g. `2026.2-stable`. */
export function stableTag(version: string): string {
  return `${version}-stable`;
}

/** The global moving tag: each image's `<newest promoted version>-stable`. */
export const GLOBAL_STABLE_TAG = 'stable';

/**
 * Whether promoting (or reverting) `version` also moves the global `stable` tag: when no
 * version declared after it in specs.yml (versions are declared oldest first) has a
 * promotion record among `recordTags`. A version specs.yml does not declare never moves it.
 */
export function movesGlobalStable(declared: readonly string[], recordTags: readonly string[], version: string): boolean {
  const i = declared.indexOf(version);
  if (i < 0) return false;
  return declared.slice(i + 1).every((v) => promotionNumbers(recordTags, v).length === 0);
}

/** `<namespace>/imagestack-promotions`: the repository holding the records (without the registry host). */
export function promotionsRepository(namespace: string): string {
  return repositoryOf(namespace, PROMOTIONS_IMAGE);
}

/** `<version>-<number padded to 6 digits>`, e.g. `promotionTag('2026.2', 3)` → `2026.2-000003`. */
export function promotionTag(version: string, number: number): string {
  if (!Number.isSafeInteger(number) || number < 1) throw new RangeError(`promotion number must be a positive integer, not ${number}`);
  return `${version}-${String(number).padStart(NUMBER_DIGITS, '0')}`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The promotion number a record tag names for `version`, or `undefined` when the tag is
 * not a record tag of that version (other versions, foreign tags). `2026.2-000003` → 3.
 */
export function parsePromotionTag(tag: string, version: string): number | undefined {
  const m = new RegExp(`^${escapeRegExp(version)}-(\\d{${NUMBER_DIGITS},})$`).exec(tag);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}

/** The promotion numbers of `version` among `tags`, newest (largest) first. */
export function promotionNumbers(tags: readonly string[], version: string): number[] {
  const numbers = new Set<number>();
  for (const t of tags) {
    const n = parsePromotionTag(t, version);
    if (n !== undefined) numbers.add(n);
  }
  return [...numbers].sort((a, b) => b - a);
}

/** The number of the next promotion of `version`: the largest present plus one, 1 when none. */
export function nextPromotionNumber(tags: readonly string[], version: string): number {
  return (promotionNumbers(tags, version)[0] ?? 0) + 1;
}

/** A record ready to push: the blobs first, then the manifest. */
export interface EncodedRecord {
  /** The empty config blob, `{}`. */
  config: { descriptor: Descriptor; bytes: Buffer };
  /** The layer: the Promotion as JSON. */
  layer: { descriptor: Descriptor; bytes: Buffer };
  /** The OCI image manifest bytes, to PUT with `Content-Type` {@link OCI_MANIFEST}. */
  manifest: Buffer;
  /** sha256 digest of `manifest`. */
  digest: string;
}

/**
 * Encodes a promotion as the artifact described in the module comment. Deterministic:
 * the same promotion always gives the same bytes and digest.
 */
export function encodePromotion(p: Promotion): EncodedRecord {
  const layerBytes = Buffer.from(`${JSON.stringify(p, null, 2)}\n`);
  const config = { descriptor: { mediaType: OCI_EMPTY_MEDIA_TYPE, digest: sha256Digest(OCI_EMPTY_BYTES), size: OCI_EMPTY_BYTES.length }, bytes: OCI_EMPTY_BYTES };
  const layer = { descriptor: { mediaType: PROMOTION_MEDIA_TYPE, digest: sha256Digest(layerBytes), size: layerBytes.length }, bytes: layerBytes };
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: PROMOTION_MEDIA_TYPE,
    config: config.descriptor,
    layers: [{ ...layer.descriptor, annotations: { 'org.opencontainers.image.title': 'promotion.json' } }],
    annotations: {
      'org.opencontainers.image.created': p.at,
      'dev.imagestack.promotion.version': p.version,
      'dev.imagestack.promotion.number': String(p.number),
      'dev.imagestack.promotion.kind': p.kind,
      'dev.imagestack.promotion.commit': p.commit,
    },
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { config, layer, manifest: bytes, digest: sha256Digest(bytes) };
}

/** Where a record came from, to word errors. */
export interface RecordSource {
  /** `<registry>/<namespace>/imagestack-promotions:<tag>` */
  reference: string;
  /** The manifest digest, when known (for the fix: delete by digest). */
  digest?: string;
}

function badRecord(src: RecordSource, what: string): RegistryError {
  const del = src.digest ? ` (DELETE /v2/<namespace>/${PROMOTIONS_IMAGE}/manifests/${src.digest})` : '';
  return new RegistryError(
    `${src.reference} is not a valid imagestack promotion record: ${what}.\n  fix: this tag is reserved for imagestack's promotion history; if something else wrote it, delete it${del} or restore it from a backup, then run the command again`,
    undefined,
  );
}

/**
 * Reads the manifest of a record and returns the descriptor of its promotion layer.
 *
 * @throws RegistryError naming the record and the fix when the manifest is not JSON, not
 *   an OCI image manifest, has another `artifactType`, or has no promotion layer
 */
export function decodeRecordManifest(bytes: Buffer, src: RecordSource): Descriptor {
  let m: any;
  try {
    m = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw badRecord(src, 'its manifest is not JSON');
  }
  if (!m || typeof m !== 'object' || m.schemaVersion !== 2) throw badRecord(src, 'its manifest is not an OCI image manifest (schemaVersion 2)');
  if (m.mediaType !== undefined && m.mediaType !== OCI_MANIFEST) throw badRecord(src, `its manifest has media type ${JSON.stringify(m.mediaType)}, not ${OCI_MANIFEST}`);
  if (m.artifactType !== PROMOTION_MEDIA_TYPE) throw badRecord(src, `its artifactType is ${JSON.stringify(m.artifactType)}, not ${PROMOTION_MEDIA_TYPE}`);
  const layers: any[] = Array.isArray(m.layers) ? m.layers : [];
  const layer = layers.find((l) => l && l.mediaType === PROMOTION_MEDIA_TYPE);
  if (!layer || typeof layer.digest !== 'string' || typeof layer.size !== 'number') {
    throw badRecord(src, `it has no layer of media type ${PROMOTION_MEDIA_TYPE}`);
  }
  return { mediaType: layer.mediaType, digest: layer.digest, size: layer.size };
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

function checkImage(x: any, i: number, field = 'images'): string | undefined {
  const at = `${field}[${i}]`;
  if (!x || typeof x !== 'object') return `${at} is not an object`;
  for (const k of ['image', 'repository', 'sourceTag', 'stableTag', 'mediaType'] as const) {
    if (typeof x[k] !== 'string' || !x[k]) return `${at}.${k} is missing or not a string`;
  }
  if (typeof x.digest !== 'string' || !DIGEST.test(x.digest)) return `${at}.digest is not a sha256 digest`;
  if (x.previousDigest !== null && (typeof x.previousDigest !== 'string' || !DIGEST.test(x.previousDigest))) {
    return `${at}.previousDigest is neither null nor a sha256 digest`;
  }
  return undefined;
}

/**
 * Parses and checks the promotion layer's bytes. Unknown fields are kept (records of a
 * newer imagestack stay readable).
 *
 * @param expect the version and number the record's tag names; the record must agree
 * @throws RegistryError naming the record, the field and the fix when anything is wrong
 */
export function decodePromotion(bytes: Buffer, src: RecordSource, expect: { version: string; number: number }): Promotion {
  let p: any;
  try {
    p = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw badRecord(src, 'its promotion layer is not JSON');
  }
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw badRecord(src, 'its promotion layer is not a JSON object');
  if (p.version !== expect.version) throw badRecord(src, `it records version ${JSON.stringify(p.version)} under a tag of version ${expect.version}`);
  if (p.number !== expect.number) throw badRecord(src, `it records number ${JSON.stringify(p.number)} under the tag of number ${expect.number}`);
  if (p.kind !== 'promote' && p.kind !== 'revert') throw badRecord(src, `kind is ${JSON.stringify(p.kind)}, not "promote" or "revert"`);
  if (p.kind === 'revert' && !(Number.isSafeInteger(p.revertOf) && p.revertOf >= 1)) throw badRecord(src, 'a revert without a valid revertOf');
  for (const k of ['commit', 'at', 'by'] as const) {
    if (typeof p[k] !== 'string' || !p[k]) throw badRecord(src, `${k} is missing or not a string`);
  }
  if (Number.isNaN(Date.parse(p.at))) throw badRecord(src, `at is not a date: ${JSON.stringify(p.at)}`);
  if (!Array.isArray(p.images)) throw badRecord(src, 'images is not a list');
  (p.images as unknown[]).forEach((x, i) => {
    const problem = checkImage(x, i);
    if (problem) throw badRecord(src, problem);
  });
  for (const list of ['globalStable', 'movingTags'] as const) {
    if (p[list] === undefined) continue;
    if (!Array.isArray(p[list])) throw badRecord(src, `${list} is not a list`);
    (p[list] as unknown[]).forEach((x, i) => {
      const problem = checkImage(x, i, list);
      if (problem) throw badRecord(src, problem);
    });
  }
  return p as Promotion;
}

/** The images whose stable tag a promotion changed (previous digest differs from the new one). */
export function changedImages(p: Promotion): PromotedImage[] {
  return p.images.filter((i) => i.previousDigest !== i.digest);
}
