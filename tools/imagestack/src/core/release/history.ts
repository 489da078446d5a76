/**
 * The promotion history, read from and written to the registry itself (the repository
 * `<namespace>/imagestack-promotions`, one OCI artifact per promotion; see `record.ts`
 * for the format). A stateless CI runner with pull access can read it; writing needs
 * push access. Nothing is kept anywhere else (DESIGN.md promises 1 and 5).
 */
import { RegistryError } from '../errors';
import type { RegistryReader, RegistryWriter } from '../ports';
import type { RegistryClient } from '../registry/client';
import { OCI_MANIFEST } from '../registry/media-types';
import { mapLimit } from '../util/concurrency';
import {
  decodePromotion,
  decodeRecordManifest,
  encodePromotion,
  promotionNumbers,
  promotionTag,
  promotionsRepository,
  nextPromotionNumber,
} from './record';
import type { Promotion } from './types';

/** Parallel registry requests while reading records. */
const READ_CONCURRENCY = 8;

/**
 * The promotion numbers recorded for `version`, newest (largest) first, from one tag
 * listing ("Content discovery").
 *
 * @returns `[]` when the promotions repository does not exist yet
 * @throws RegistryError when the registry fails
 */
export async function listPromotionNumbers(client: RegistryClient, namespace: string, version: string): Promise<number[]> {
  return promotionNumbers(await client.listTags(promotionsRepository(namespace)), version);
}

/**
 * One promotion record: GET its manifest, check it, GET its layer (digest verified),
 * check the Promotion.
 *
 * @returns the record, or `undefined` when the tag does not exist
 * @throws RegistryError when the registry fails, or naming the tag and the fix when the
 *   record is not a valid promotion record
 */
export async function readPromotion(client: RegistryClient, namespace: string, version: string, number: number): Promise<Promotion | undefined> {
  const repository = promotionsRepository(namespace);
  const tag = promotionTag(version, number);
  const reference = `${client.registry}/${repository}:${tag}`;
  let manifest: { descriptor: { digest: string }; bytes: Buffer };
  try {
    manifest = await client.getManifest(repository, tag);
  } catch (err) {
    if (err instanceof RegistryError && err.status === 404) return undefined;
    throw err;
  }
  const src = { reference, digest: manifest.descriptor.digest };
  const layer = decodeRecordManifest(manifest.bytes, src);
  let bytes: Buffer;
  try {
    bytes = await client.getBlob(repository, layer.digest);
  } catch (err) {
    if (err instanceof RegistryError && err.status === 404) {
      throw new RegistryError(`${reference}: its promotion layer ${layer.digest} is missing from the registry (garbage-collected?).\n  fix: delete the record tag or restore the registry from a backup`, 404);
    }
    throw err;
  }
  return decodePromotion(bytes, src, { version, number });
}

/**
 * Every promotion (and revert) of `version`, newest first.
 *
 * @param namespace the stack's namespace (repository `<namespace>/imagestack-promotions`)
 * @returns `[]` when the promotions repository does not exist or holds none of `version`
 * @throws RegistryError when the registry fails, or naming the record and the fix when a
 *   record is not valid (a bad record is never skipped silently: history must be whole)
 */
export async function readPromotions(client: RegistryClient, namespace: string, version: string): Promise<Promotion[]> {
  const numbers = await listPromotionNumbers(client, namespace, version);
  const records = await mapLimit(numbers, READ_CONCURRENCY, (n) => readPromotion(client, namespace, version, n));
  // A record deleted between the listing and the read is gone: leave it out.
  return records.filter((p): p is Promotion => p !== undefined);
}

/**
 * Stores `promotion` as record `<version>-<number>` (see `record.ts`): pushes the empty
 * config blob and the layer (HEAD, then POST + PUT when missing), then PUTs the manifest.
 * Never overwrites: the tag is checked with HEAD first. Registries have no conditional
 * PUT, so two writers racing for the same number between that HEAD and the PUT cannot be
 * fully excluded; the read-back after the PUT detects a writer that came in between.
 *
 * @returns the record's reference (`<registry>/<repository>:<tag>`) and manifest digest
 * @throws RegistryError when the tag exists already (another promotion took the number:
 *   run again), when the registry fails, or when the read-back shows another record
 */
export async function writePromotion(
  client: Pick<RegistryReader, 'registry' | 'headManifest'> & Pick<RegistryWriter, 'pushBlob' | 'putManifest'>,
  namespace: string, promotion: Promotion): Promise<{ reference: string; digest: string }> {
  const repository = promotionsRepository(namespace);
  const tag = promotionTag(promotion.version, promotion.number);
  const reference = `${client.registry}/${repository}:${tag}`;
  if (await client.headManifest(repository, tag)) {
    throw new RegistryError(
      `promotion record ${reference} exists already: another promotion or revert of ${promotion.version} recorded number ${promotion.number} meanwhile.\n  fix: run \`imagestack history --version ${promotion.version}\` and try again`,
      undefined,
    );
  }
  const encoded = encodePromotion(promotion);
  // The two blobs are independent uploads: side by side.
  await Promise.all([
    client.pushBlob(repository, encoded.config.bytes, encoded.config.descriptor.mediaType),
    client.pushBlob(repository, encoded.layer.bytes, encoded.layer.descriptor.mediaType),
  ]);
  await client.putManifest(repository, tag, encoded.manifest, OCI_MANIFEST);
  const after = await client.headManifest(repository, tag);
  if (after?.digest !== encoded.digest) {
    throw new RegistryError(
      `promotion record ${reference} was overwritten by another writer right after this one wrote it (it now has digest ${after?.digest ?? 'none'}).\n  fix: run \`imagestack history --version ${promotion.version}\`; two promotions of the same version ran at the same time`,
      undefined,
    );
  }
  return { reference, digest: encoded.digest };
}

/**
 * The number the next promotion of `version` gets: the largest recorded plus one.
 *
 * @throws RegistryError when the registry fails
 */
export async function nextNumber(client: RegistryClient, namespace: string, version: string): Promise<number> {
  const tags = await client.listTags(promotionsRepository(namespace));
  return nextPromotionNumber(tags, version);
}
