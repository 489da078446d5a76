/**
 * Digest records: how a CI matrix platform job (one platform of a multi-platform image, issue 14)
 * hands its image to the image's publish job. Runners share nothing but the registry, so the
 * record lives beside the failure markers (`./markers.ts`): an OCI image index with no manifests
 * and the platform, the digest of the image manifest pushed by digest (no tag), and the
 * descriptive tags the job's taggers gave, in its annotations, under a run-scoped tag in
 * `<namespace>/imagestack-runs`. The publish job trusts no record blindly: it checks each digest
 * in the image's repository before naming it in the index (`pipeline/platforms/matrix-jobs.ts`).
 */
import { createHash } from 'node:crypto';
import type { DescriptiveTag } from '../pipeline/types';
import { checkRunId, putRunRecord, readRunRecord, type MarkerRegistry } from './markers';

/** What a platform job that pushed its image says about it. */
export interface PlatformRecord {
  runId: string;
  image: string;
  version: string;
  /** The tag the publish job will put the index under. */
  tag: string;
  /** `os/architecture[/variant]`. */
  platform: string;
  /** The digest of the platform's image manifest, pushed by digest to `<namespace>/<image>`. */
  digest: string;
  /** The immutable descriptive tags the job's taggers gave (not pushed yet: the publish job pushes them with the index). */
  descriptiveTags: DescriptiveTag[];
  /** ISO 8601. */
  createdAt: string;
}

const A = 'io.imagestack.';
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * The record's tag for one platform of one image and version in one run: a hash of the four
 * (with a prefix no failure marker's hash input has), then the names, at most 128 characters.
 */
export function platformRecordTag(runId: string, image: string, version: string, platform: string): string {
  const hash = createHash('sha256').update(`platform\0${checkRunId(runId)}\0${image}\0${version}\0${platform}`).digest('hex').slice(0, 12);
  return `${hash}.${runId}.${image}.${version}.${platform.replace(/\//g, '-')}`.slice(0, 128);
}

/**
 * Writes (or rewrites) the record of `record.platform` of `record.image` at `record.version`.
 *
 * @param namespace the stack's namespace (records go to `<namespace>/imagestack-runs`)
 * @throws RegistryError when the registry refuses it
 */
export async function writePlatformRecord(client: MarkerRegistry, namespace: string, record: PlatformRecord): Promise<void> {
  await putRunRecord(client, namespace, platformRecordTag(record.runId, record.image, record.version, record.platform), {
    [`${A}run`]: record.runId,
    [`${A}image`]: record.image,
    [`${A}version`]: record.version,
    [`${A}tag`]: record.tag,
    [`${A}platform`]: record.platform,
    [`${A}digest`]: record.digest,
    [`${A}descriptive-tags`]: JSON.stringify(record.descriptiveTags.map(({ tag, part, tagger }) => ({ tag, part, tagger }))),
    'org.opencontainers.image.created': record.createdAt,
  });
}

/**
 * Reads the record of `platform` of `image` at `version` in run `runId`.
 *
 * @returns the record, or undefined when the platform's job left none (not done yet, or failed)
 * @throws RegistryError when the registry fails; Error when the record holds no valid digest
 */
export async function readPlatformRecord(
  client: MarkerRegistry,
  namespace: string,
  runId: string,
  image: string,
  version: string,
  platform: string,
): Promise<PlatformRecord | undefined> {
  const a = await readRunRecord(client, namespace, platformRecordTag(runId, image, version, platform));
  if (!a) return undefined;
  const digest = a[`${A}digest`] ?? '';
  if (!DIGEST.test(digest) || a[`${A}platform`] !== platform) {
    throw new Error(`the ${platform} record of ${image} ${version} in run ${runId} names no valid digest for that platform ("${digest}", ${a[`${A}platform`] ?? 'no platform'})`);
  }
  const tags = JSON.parse(a[`${A}descriptive-tags`] ?? '[]') as Array<Pick<DescriptiveTag, 'tag' | 'part' | 'tagger'>>;
  return {
    runId,
    image,
    version,
    tag: a[`${A}tag`] ?? '',
    platform,
    digest,
    descriptiveTags: tags.map((t) => ({ ...t, status: 'not pushed' as const })),
    createdAt: a['org.opencontainers.image.created'] ?? '',
  };
}
