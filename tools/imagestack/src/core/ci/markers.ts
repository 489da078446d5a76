/**
 * Failure markers: how a CI matrix job tells the jobs waiting on it that its image will not
 * come. Runners share nothing but the registry, so the marker lives there: a tiny OCI image
 * index with no manifests and the outcome in its annotations (OCI image spec, "Image
 * Index": `manifests` may be empty; "Annotations"), tagged in the repository
 * `<namespace>/imagestack-runs`. It needs no blob upload and moves no layer; any registry
 * that stores OCI indexes (distribution 2.8, GHCR, …) accepts it.
 *
 * Markers are scoped to a run id (in GitHub Actions `<run id>-<run attempt>`), so a re-run
 * never sees the failures of an earlier attempt, and never touch the images' own
 * repositories, whose tags stay `<version>-<sha7>` only (DESIGN.md promise 2).
 */
import { createHash } from 'node:crypto';
import { OCI_INDEX, redact, type RegistryClient } from '../registry';
import { MARKER_REPOSITORY } from '../reserved';
import { InputError } from '../errors';
import { repositoryOf } from '../reference/repository';

export { MARKER_REPOSITORY } from '../reserved';

/** What a job that did not push its image says about it. */
export interface FailureMarker {
  /** The run id the marker belongs to. */
  runId: string;
  image: string;
  version: string;
  /** The tag that will not be pushed in this run. */
  tag: string;
  /** `failed`: a step failed; `blocked`: a parent failed; `cancelled`: the job was stopped. */
  status: 'failed' | 'blocked' | 'cancelled';
  /** One line: the failed step and error, or which parent blocked it. */
  reason: string;
  /** ISO 8601. */
  createdAt: string;
}

/** The registry operations markers need (a {@link RegistryClient}, or a fake in unit tests). */
export type MarkerRegistry = Pick<RegistryClient, 'headManifest' | 'getManifest' | 'putManifest'>;

const RUN_ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/**
 * Checks a run id (used inside tags).
 *
 * @throws InputError naming the id and the allowed characters
 */
export function checkRunId(runId: string): string {
  if (!RUN_ID.test(runId)) {
    throw new InputError({
      file: 'run id',
      message: `run id "${runId}" cannot be part of a tag: use 1 to 64 letters, digits, '_', '.', '-' (not starting with '.' or '-')`,
      fix: 'pass such an id with --run-id (in GitHub Actions the default is <GITHUB_RUN_ID>-<GITHUB_RUN_ATTEMPT>)',
    });
  }
  return runId;
}

/**
 * The marker's tag for one image and version in one run: a hash of the three (so names with
 * separators can never collide), then the names themselves for people listing the tags;
 * at most 128 characters (the tag grammar of the OCI distribution spec).
 */
export function markerTag(runId: string, image: string, version: string): string {
  const hash = createHash('sha256').update(`${checkRunId(runId)}\0${image}\0${version}`).digest('hex').slice(0, 12);
  return `${hash}.${runId}.${image}.${version}`.slice(0, 128);
}

const A = 'io.imagestack.';

/**
 * Writes (or rewrites) the marker of `marker.image` at `marker.version` for its run.
 *
 * @param namespace the stack's namespace (markers go to `<namespace>/imagestack-runs`)
 * @throws RegistryError when the registry refuses it
 */
export async function writeFailureMarker(client: MarkerRegistry, namespace: string, marker: FailureMarker): Promise<void> {
  await putRunRecord(client, namespace, markerTag(marker.runId, marker.image, marker.version), {
    [`${A}run`]: marker.runId,
    [`${A}image`]: marker.image,
    [`${A}version`]: marker.version,
    [`${A}tag`]: marker.tag,
    [`${A}status`]: marker.status,
    [`${A}reason`]: redact(marker.reason).slice(0, 2000),
    'org.opencontainers.image.created': marker.createdAt,
  });
}

/**
 * Puts a run record (a failure marker, a platform job's digest record): an OCI image index
 * with no manifests and `annotations`, under `tag` in `<namespace>/imagestack-runs`.
 *
 * @throws RegistryError when the registry refuses it
 */
export async function putRunRecord(client: MarkerRegistry, namespace: string, tag: string, annotations: Record<string, string>): Promise<void> {
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [], annotations };
  await client.putManifest(repositoryOf(namespace, MARKER_REPOSITORY), tag, Buffer.from(JSON.stringify(index)), OCI_INDEX);
}

/**
 * The annotations of the run record under `tag` in `<namespace>/imagestack-runs`.
 *
 * @returns undefined when there is no such record
 * @throws RegistryError when the registry fails (anything but found / not found)
 */
export async function readRunRecord(client: MarkerRegistry, namespace: string, tag: string): Promise<Record<string, string> | undefined> {
  const repository = repositoryOf(namespace, MARKER_REPOSITORY);
  if (!(await client.headManifest(repository, tag))) return undefined;
  const { bytes } = await client.getManifest(repository, tag);
  return ((JSON.parse(bytes.toString('utf8')) as { annotations?: Record<string, string> }).annotations ?? {}) as Record<string, string>;
}

/**
 * Reads the marker of `image` at `version` in run `runId`.
 *
 * @returns the marker, or undefined when the job left none (it has not failed, or not yet)
 * @throws RegistryError when the registry fails (anything but found / not found)
 */
export async function readFailureMarker(
  client: MarkerRegistry,
  namespace: string,
  runId: string,
  image: string,
  version: string,
): Promise<FailureMarker | undefined> {
  const a = await readRunRecord(client, namespace, markerTag(runId, image, version));
  if (!a) return undefined;
  const status = a[`${A}status`];
  return {
    runId,
    image,
    version,
    tag: a[`${A}tag`] ?? '',
    status: status === 'blocked' || status === 'cancelled' ? status : 'failed',
    reason: a[`${A}reason`] ?? '',
    createdAt: a['org.opencontainers.image.created'] ?? '',
  };
}
