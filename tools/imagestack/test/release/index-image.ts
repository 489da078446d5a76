/**
 * Builds a two-platform image by hand with the registry API alone (blobs by POST + PUT,
 * child manifests PUT by digest, then the index under a tag): linux/amd64 and linux/arm64,
 * each with one tiny gzipped layer and its own config. Real content in the real registry.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import type { RegistryClient } from '../../src/core/registry';
import {
  DOCKER_CONFIG,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_MANIFEST,
} from '../../src/core/registry/media-types';
import type { Descriptor } from '../../src/core/registry';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function tarOf(name: string, content: string): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  p.entry({ name, mtime: new Date(0) }, content);
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** What {@link pushIndex} made. */
export interface PushedIndex {
  /** The index (or manifest list) under the tag. */
  index: Descriptor;
  /** Its two children, amd64 then arm64. */
  children: Descriptor[];
}

/**
 * Pushes a two-platform `repository:tag`: an OCI image index (`kind` `oci`) or a Docker
 * manifest list (`docker`), children of the matching manifest type.
 */
export async function pushIndex(client: RegistryClient, repository: string, tag: string, kind: 'oci' | 'docker', salt: string): Promise<PushedIndex> {
  const oci = kind === 'oci';
  const children: Descriptor[] = [];
  const platforms = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64' },
  ];
  for (const platform of platforms) {
    const tar = await tarOf('platform.txt', `${platform.architecture} ${salt}\n`);
    const layer = gzipSync(tar);
    const config = Buffer.from(
      JSON.stringify({ ...platform, config: { Labels: { salt } }, rootfs: { type: 'layers', diff_ids: [sha256(tar)] } }),
    );
    const layerD = (await client.pushBlob(repository, layer, oci ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.docker.image.rootfs.diff.tar.gzip')).descriptor;
    const configD = (await client.pushBlob(repository, config, oci ? OCI_CONFIG : DOCKER_CONFIG)).descriptor;
    const mediaType = oci ? OCI_MANIFEST : DOCKER_MANIFEST;
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, config: configD, layers: [layerD] }));
    const d = await client.putManifest(repository, sha256(manifest), manifest, mediaType);
    children.push(d);
  }
  const mediaType = oci ? OCI_INDEX : DOCKER_MANIFEST_LIST;
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType, manifests: children.map((c, i) => ({ ...c, platform: platforms[i] })) }),
  );
  return { index: await client.putManifest(repository, tag, index, mediaType), children };
}
