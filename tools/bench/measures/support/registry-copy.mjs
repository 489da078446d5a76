/**
 * Copying an image between repositories of one registry without moving layers, for setting
 * up benchmarks: every blob is mounted across repositories (OCI distribution spec v1.1,
 * "Mounting a blob from another repository": `POST /v2/<to>/blobs/uploads/?mount=<digest>&from=<from>`,
 * 201 Created), then the manifest's exact bytes are put under the new name. Indexes are
 * copied with their child manifests (by digest) first.
 */

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/**
 * Copies `from:reference` to `to:tag` in the registry at `registry` (plain HTTP: loopback).
 *
 * @returns `{ digest, size, mediaType }` of the manifest (size in bytes)
 * @throws Error naming the request that failed
 */
export async function copyImage(registry, from, reference, to, tag = reference) {
  const base = `http://${registry}/v2`;
  const res = await fetch(`${base}/${from}/manifests/${reference}`, { headers: { accept: ACCEPT } });
  if (!res.ok) throw new Error(`GET ${from}:${reference}: ${res.status}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  const mediaType = res.headers.get('content-type');
  const manifest = JSON.parse(bytes.toString('utf8'));
  if (manifest.manifests) {
    for (const m of manifest.manifests) await copyImage(registry, from, m.digest, to, m.digest);
  } else {
    for (const blob of [manifest.config, ...(manifest.layers ?? [])]) {
      const mount = await fetch(`${base}/${to}/blobs/uploads/?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(from)}`, { method: 'POST' });
      await mount.arrayBuffer();
      if (mount.status !== 201) throw new Error(`mount ${blob.digest} from ${from} into ${to}: ${mount.status}`);
    }
  }
  const put = await fetch(`${base}/${to}/manifests/${tag}`, { method: 'PUT', headers: { 'content-type': mediaType }, body: bytes });
  await put.arrayBuffer();
  if (put.status !== 201) throw new Error(`PUT ${to}:${tag}: ${put.status}`);
  return { digest: put.headers.get('docker-content-digest'), size: bytes.length, mediaType };
}

/**
 * The digest `repository:reference` points at, or undefined when it does not exist.
 */
export async function manifestDigest(registry, repository, reference) {
  const res = await fetch(`http://${registry}/v2/${repository}/manifests/${reference}`, { method: 'HEAD', headers: { accept: ACCEPT } });
  return res.ok ? res.headers.get('docker-content-digest') : undefined;
}

/**
 * The image manifest digest of each platform of the index `repository:reference`
 * (`{ "linux/amd64": "sha256:…", … }`, in the index's order; OCI image spec "Image Index",
 * `manifests[].platform`), or `{}` when it is not an index.
 *
 * @throws Error when the GET fails
 */
export async function platformDigests(registry, repository, reference) {
  const res = await fetch(`http://${registry}/v2/${repository}/manifests/${reference}`, { headers: { accept: ACCEPT } });
  if (!res.ok) throw new Error(`GET ${repository}:${reference}: ${res.status}`);
  const out = {};
  for (const m of (await res.json()).manifests ?? []) out[`${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ''}`] = m.digest;
  return out;
}
