/**
 * Where the outcome of a version's stack-wide checks is kept, so that `promote` (on any
 * machine, with no state but git and the registry) refuses a version whose check failed: a
 * tiny OCI image index with no manifests and the outcome in its annotations (as the CI
 * failure markers, `ci/markers.ts`), in `<namespace>/imagestack-stack-checks`, tagged
 * `<version>-<hash12>` where the hash is over the version's `image:tag` pairs. The same set of
 * tags always gives the same record tag; a later run over the same tags rewrites it (it is a
 * record, not an image tag).
 */
import { createHash } from 'node:crypto';
import { OCI_INDEX, redact } from '../../registry';
import type { RegistryReader, RegistryWriter } from '../../ports';
import { repositoryOf } from '../../reference/repository';
import { STACK_CHECKS_REPOSITORY } from '../../reserved';
import type { StackCheckResult } from './evaluate';

const A = 'io.imagestack.stack-checks.';

/** The record tag of a version whose images have `tags` (pairs image → tag; order does not matter). */
export function stackCheckRecordTag(version: string, tags: ReadonlyArray<{ image: string; tag: string }>): string {
  const text = tags.map((t) => `${t.image}:${t.tag}`).sort().join('\n');
  return `${version}-${createHash('sha256').update(text).digest('hex').slice(0, 12)}`.slice(0, 128);
}

/**
 * Writes the outcome of `results` (one version) for the set `tags`.
 *
 * @throws RegistryError when the registry refuses it
 */
export async function writeStackCheckRecord(
  client: Pick<RegistryWriter, 'putManifest'>,
  namespace: string,
  version: string,
  tags: ReadonlyArray<{ image: string; tag: string }>,
  results: readonly StackCheckResult[],
): Promise<void> {
  const failed = results.filter((r) => !r.ok);
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [],
    annotations: {
      [`${A}version`]: version,
      [`${A}ok`]: String(failed.length === 0),
      [`${A}failed`]: redact(failed.map((r) => r.message).join('\n')).slice(0, 4000),
      [`${A}checks`]: results.map((r) => r.name).join(','),
    },
  };
  await client.putManifest(repositoryOf(namespace, STACK_CHECKS_REPOSITORY), stackCheckRecordTag(version, tags), Buffer.from(JSON.stringify(index)), OCI_INDEX);
}

/**
 * The failed checks recorded for the set `tags` of `version`.
 *
 * @returns the failure messages; `[]` when every check passed or nothing was recorded
 * @throws RegistryError when the registry fails
 */
export async function readStackCheckFailures(
  client: Pick<RegistryReader, 'headManifest' | 'getManifest'>,
  namespace: string,
  version: string,
  tags: ReadonlyArray<{ image: string; tag: string }>,
): Promise<string[]> {
  const repository = repositoryOf(namespace, STACK_CHECKS_REPOSITORY);
  const tag = stackCheckRecordTag(version, tags);
  if (!(await client.headManifest(repository, tag))) return [];
  const { bytes } = await client.getManifest(repository, tag);
  const a = ((JSON.parse(bytes.toString('utf8')) as { annotations?: Record<string, string> }).annotations ?? {}) as Record<string, string>;
  if (a[`${A}ok`] !== 'false') return [];
  return (a[`${A}failed`] ?? 'a stack check failed').split('\n').filter(Boolean);
}
