/**
 * External base images as their registries know them, for `imagestack audit` and for the
 * base ages of `plan --base-age` and the site (core/plan/base-age.ts): which images are built on
 * a pinned external base (read from the stack in the working tree: only pinned bases are followed
 * upstream; an unpinned one is `refresh`'s to report), when a base image was created (its image
 * config's `created`), and, per base digest, what its registry says now (HEAD of its tag, as
 * `refresh` asks).
 */
import { readStack } from '../graph/read-stack';
import { splitPin } from '../dockerfile/pins';
import { RegistryClient, type RegistryClientOptions } from '../registry';
import { parseReference } from '../reference/reference';
import { registryHost } from '../refresh/bases';
import type { Specs } from '../specs/types';
import type { BaseFacts } from './decide';

/** What is asked of an external base's registry. */
export type BaseClient = Pick<RegistryClient, 'headManifest' | 'getImageConfig'>;

/** Image name → its final stage's external base (without the pin), for images whose final base is an external pinned one. */
export async function pinnedFinalBases(specs: Specs): Promise<Map<string, string>> {
  const stack = await readStack(specs);
  const out = new Map<string, string>();
  for (const [name, img] of stack.images) {
    if ('image' in img.finalBase) continue;
    const pin = splitPin(img.finalBase.reference);
    if (pin.digest) out.set(name, pin.reference);
  }
  return out;
}

/**
 * One {@link RegistryClient} per registry host, made on first use, with that registry's
 * credentials (core/registry/credentials.ts) and `options` (e.g. fewer retries and a shorter
 * time limit where an unreachable registry must not hold the command up).
 */
export function baseClients(options: Omit<RegistryClientOptions, 'registry'> = {}): (registry: string) => RegistryClient {
  const clients = new Map<string, RegistryClient>();
  return (registry) => clients.get(registry) ?? clients.set(registry, new RegistryClient({ ...options, registry })).get(registry)!;
}

/** When an external base image was created, or why that is unknown. */
export interface BaseCreated {
  /** The image config's `created` (OCI image spec, "Image Configuration"), ISO 8601, when its registry told. */
  created?: string;
  /** Why it is unknown: the reference is invalid, the registry failed or does not have it, the config has no date. */
  error?: string;
}

/**
 * A memoised look-up of when base image `name@digest` was created: its image config read from
 * its registry (manifest, through an index to linux/amd64, then the config blob), once per
 * name and digest for the life of the returned function. Failures become `error`, never
 * exceptions.
 *
 * @param clientFor the client of a registry host (`docker.io` is asked at `registry-1.docker.io`)
 */
export function baseCreatedLookup(clientFor: (registry: string) => Pick<BaseClient, 'getImageConfig'>): (name: string, digest: string) => Promise<BaseCreated> {
  const memo = new Map<string, Promise<BaseCreated>>();
  return (name, digest) => {
    const key = `${name}@${digest}`;
    let found = memo.get(key);
    if (!found) {
      found = (async (): Promise<BaseCreated> => {
        const ref = parseReference(name);
        if (!ref) return { error: `${name} is not a valid reference` };
        try {
          const cfg = await clientFor(registryHost(ref.registry)).getImageConfig(ref.path, digest);
          const created: unknown = cfg.config?.created;
          return typeof created === 'string' ? { created } : { error: 'its image config has no created date' };
        } catch (e) {
          return { error: (e as Error).message };
        }
      })();
      memo.set(key, found);
    }
    return found;
  };
}

/**
 * A memoised look-up of {@link BaseFacts} by base name and digest. Registry failures become
 * `error` (audit notes them), never exceptions; a base whose config cannot be read has no
 * `createdAt`.
 */
export function baseLookup(clientFor: (registry: string) => BaseClient = baseClients()): (name: string, digest: string) => Promise<BaseFacts> {
  const createdOf = baseCreatedLookup(clientFor);
  const memo = new Map<string, Promise<BaseFacts>>();
  return (name, digest) => {
    const key = `${name}@${digest}`;
    if (!memo.has(key)) {
      memo.set(
        key,
        (async (): Promise<BaseFacts> => {
          const ref = parseReference(name);
          if (!ref) return { name, digest, error: 'not a valid reference' };
          const c = clientFor(registryHost(ref.registry));
          try {
            const [now, { created }] = await Promise.all([c.headManifest(ref.path, ref.tag ?? 'latest'), createdOf(name, digest)]);
            return { name, digest, ...(now ? { current: now.digest } : { error: 'its tag is gone from its registry' }), ...(created ? { createdAt: created } : {}) };
          } catch (e) {
            return { name, digest, error: (e as Error).message };
          }
        })(),
      );
    }
    return memo.get(key)!;
  };
}
