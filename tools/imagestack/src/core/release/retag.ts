/**
 * Registry-side retag, exactly as `crane tag` does it (go-containerregistry
 * `pkg/crane/tag.go` → `remote.Tag` in `pkg/v1/remote/write.go`): GET the manifest by
 * its tag with an `Accept` header naming Docker v2 schema 2, the OCI image manifest, the
 * Docker manifest list and the OCI index (see `registry/media-types.ts`), then PUT the
 * same bytes under the new tag with the same `Content-Type`. Nothing is pulled, no layer
 * moves, and a multi-platform index stays whole (same bytes, same digest, same children).
 */
import type { RegistryReader, RegistryWriter } from '../ports';
import type { Descriptor } from '../registry/types';

/** A manifest as fetched: its descriptor and its exact bytes. */
export interface ManifestBytes {
  descriptor: Descriptor;
  bytes: Buffer;
}

/**
 * Points `repository:to` at what `repository:from` points at.
 *
 * @param repository the repository path inside the registry (no host), e.g. `ns/python`
 * @returns the descriptor stored under `to` (its digest is `from`'s digest)
 * @throws RegistryError when `from` does not exist (404 MANIFEST_UNKNOWN) or the registry refuses the PUT
 */
export async function retag(client: Pick<RegistryReader, 'getManifest'> & Pick<RegistryWriter, 'putManifest'>, repository: string, from: string, to: string): Promise<Descriptor> {
  const source = await client.getManifest(repository, from);
  return putManifestBytes(client, repository, to, source);
}

/**
 * PUTs manifest bytes fetched earlier under `tag`, with their own media type as
 * `Content-Type`: the second half of a retag, and how a previous stable tag is restored.
 *
 * @throws RegistryError when the registry refuses the PUT
 */
export function putManifestBytes(client: Pick<RegistryWriter, 'putManifest'>, repository: string, tag: string, manifest: ManifestBytes): Promise<Descriptor> {
  return client.putManifest(repository, tag, manifest.bytes, manifest.descriptor.mediaType);
}
