/**
 * The image's labels: OCI annotations (image-spec "Pre-Defined Annotation Keys") and the
 * stack's own `io.imagestack.*`. The base's digest is the registry digest the engine
 * recorded for it (`RepoDigests`), the image ID of a base built and not pushed in this run,
 * or the local image ID when the engine knows no registry digest for it, or the registry digest
 * of its tag when the engine does not have it (BuildKit took it from the registry, parents.ts); for a pinned external
 * base (`FROM name:tag@sha256:…`), the pin (and the name is written without it). A child built on
 * its parent's unlabelled layers (layers.ts) still names the labelled parent tag here.
 */
import type { PlanEntry } from '../../plan/types';
import type { ImageEngine } from '../../ports';
import { parseReference } from '../../reference/reference';
import { nodeKey } from '../../tags/tag';
import { repositoryOf } from '../../reference/repository';
import { splitPin } from '../../dockerfile/pins';
import type { RunContext } from '../context';

/**
 * The labels of `e`'s image.
 *
 * @param createdAt `org.opencontainers.image.created` (ISO 8601)
 */
export async function imageLabels(run: RunContext, e: PlanEntry, createdAt: string): Promise<Record<string, string>> {
  const node = run.stack.images.get(e.image)!;
  let baseName: string;
  let baseDigest: string | undefined;
  if ('image' in node.finalBase) {
    const parentKey = nodeKey(node.finalBase.image, e.version);
    baseName = run.entries.get(parentKey)!.reference;
    baseDigest = run.built.get(parentKey) ?? (await localDigest(run.engine, baseName)) ?? (await registryDigest(run, parentKey));
  } else {
    // A pinned base (`name:tag@sha256:…`) is named without its digest; the pin is the digest.
    const pin = splitPin(node.finalBase.reference);
    baseName = pin.reference;
    baseDigest = pin.digest ?? (baseName === 'scratch' ? undefined : await localDigest(run.engine, baseName));
  }
  return {
    'org.opencontainers.image.title': e.image,
    'org.opencontainers.image.revision': e.sourceCommit,
    'org.opencontainers.image.created': createdAt,
    'org.opencontainers.image.version': e.tag,
    'org.opencontainers.image.base.name': baseName,
    ...(baseDigest ? { 'org.opencontainers.image.base.digest': baseDigest } : {}),
    ...(run.source ? { 'org.opencontainers.image.source': run.source } : {}),
    'io.imagestack.image': e.image,
    'io.imagestack.version': e.version,
  };
}

/** The registry digest of the tag of entry `key` (a parent not pulled, parents.ts); undefined when the registry does not have it. */
async function registryDigest(run: RunContext, key: string): Promise<string | undefined> {
  const e = run.entries.get(key)!;
  return (await run.registry.headManifest(repositoryOf(run.stack.specs.namespace, e.image), e.tag))?.digest;
}

/**
 * The registry digest the engine recorded for `reference`'s repository (`RepoDigests`,
 * compared by registry and path as {@link parseReference} reads them), else its image ID;
 * undefined when the engine does not have it.
 */
export async function localDigest(engine: Pick<ImageEngine, 'inspectImage'>, reference: string): Promise<string | undefined> {
  const info = await engine.inspectImage(reference);
  if (!info) return undefined;
  const want = parseReference(reference);
  const same = want && info.repoDigests.map(parseReference).find((d) => d?.digest && d.registry === want.registry && d.path === want.path);
  return same ? same.digest : info.id;
}
