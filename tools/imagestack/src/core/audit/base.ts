/**
 * The external base side of `imagestack audit`: which images are built on a pinned external
 * base (read from the stack in the working tree: only pinned bases are followed upstream; an
 * unpinned one is `refresh`'s to report), and, per base digest, what its registry says now
 * (HEAD of its tag, as `refresh` asks) and when the pinned image was created (its config).
 */
import { readStack } from '../graph/read-stack';
import { splitPin } from '../dockerfile/pins';
import { RegistryClient } from '../registry';
import { parseReference } from '../reference/reference';
import { registryHost } from '../refresh/bases';
import type { Specs } from '../specs/types';
import type { BaseFacts } from './decide';

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
 * A memoised look-up of {@link BaseFacts} by base name and digest. Registry failures become
 * `error` (audit notes them), never exceptions.
 */
export function baseLookup(
  clientFor?: (registry: string) => Pick<RegistryClient, 'headManifest' | 'getImageConfig'>,
): (name: string, digest: string) => Promise<BaseFacts> {
  const clients = new Map<string, Pick<RegistryClient, 'headManifest' | 'getImageConfig'>>();
  const client = clientFor ?? ((registry: string) => clients.get(registry) ?? clients.set(registry, new RegistryClient({ registry })).get(registry)!);
  const memo = new Map<string, Promise<BaseFacts>>();
  return (name, digest) => {
    const key = `${name}@${digest}`;
    if (!memo.has(key)) {
      memo.set(
        key,
        (async (): Promise<BaseFacts> => {
          const ref = parseReference(name);
          if (!ref) return { name, digest, error: 'not a valid reference' };
          const c = client(registryHost(ref.registry));
          try {
            const [now, cfg] = await Promise.all([c.headManifest(ref.path, ref.tag ?? 'latest'), c.getImageConfig(ref.path, digest).catch(() => undefined)]);
            const createdAt: unknown = cfg?.config?.created;
            return { name, digest, ...(now ? { current: now.digest } : { error: 'its tag is gone from its registry' }), ...(typeof createdAt === 'string' ? { createdAt } : {}) };
          } catch (e) {
            return { name, digest, error: (e as Error).message };
          }
        })(),
      );
    }
    return memo.get(key)!;
  };
}
