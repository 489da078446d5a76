/**
 * The stack's external bases and their pins, and where each stands against the digest its tag
 * points at now: a pure part ({@link stackBases}, {@link compareBases}) and the registry look-up
 * ({@link currentDigests}: HEAD on each base's registry, with the credentials imagestack uses for
 * any registry, see core/registry/credentials.ts).
 */
import { basePins } from '../dockerfile/pins';
import type { Stack } from '../graph/types';
import { parseReference } from '../reference/reference';
import type { RegistryClient } from '../registry';
import type { BaseStatus } from './types';

/** A base's uses: the pins written (null = unpinned) and the images naming it. */
export interface BaseUses {
  reference: string;
  pins: Array<string | null>;
  images: string[];
}

/** Every external base of the stack (`scratch` left out), in stack order then Dockerfile order. */
export function stackBases(stack: Stack): BaseUses[] {
  const byRef = new Map<string, BaseUses>();
  for (const name of stack.order) {
    for (const pin of basePins(stack.images.get(name)!.externalBases)) {
      let uses = byRef.get(pin.reference);
      if (!uses) byRef.set(pin.reference, (uses = { reference: pin.reference, pins: [], images: [] }));
      if (!uses.pins.includes(pin.digest)) uses.pins.push(pin.digest);
      if (!uses.images.includes(name)) uses.images.push(name);
    }
  }
  for (const u of byRef.values()) u.pins.sort((a, b) => (a ?? '').localeCompare(b ?? ''));
  return [...byRef.values()];
}

/**
 * Each base's status against `current` (reference → digest, or an Error when it could not be
 * resolved): `error`, `unpinned` when any use has no pin, `outdated` when any pin differs, else
 * `current`.
 */
export function compareBases(uses: readonly BaseUses[], current: ReadonlyMap<string, string | Error>): BaseStatus[] {
  return uses.map((u) => {
    const now = current.get(u.reference);
    const base = { reference: u.reference, pins: u.pins, images: u.images };
    if (now === undefined || now instanceof Error) return { ...base, status: 'error', error: now?.message ?? 'not looked up' };
    const status = u.pins.includes(null) ? 'unpinned' : u.pins.every((p) => p === now) ? 'current' : 'outdated';
    return { ...base, current: now, status };
  });
}

/** The registry host to ask for a reference's registry (`docker.io` is served by `registry-1.docker.io`). */
export function registryHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

/**
 * The digest each reference's tag points at now: HEAD on its manifest (GET as fallback), an
 * index's own digest for a multi-platform tag. One client per registry, from `clientFor`.
 *
 * @returns reference → digest, or the Error (a RegistryError, a 404) that stopped it
 */
export async function currentDigests(
  references: readonly string[],
  clientFor: (registry: string) => Pick<RegistryClient, 'headManifest'>,
): Promise<Map<string, string | Error>> {
  const out = new Map<string, string | Error>();
  await Promise.all(
    references.map(async (reference) => {
      const ref = parseReference(reference);
      if (!ref) {
        out.set(reference, new Error(`${reference} is not a valid reference`));
        return;
      }
      try {
        // No tag means `latest`, as the engine reads it.
        const d = await clientFor(registryHost(ref.registry)).headManifest(ref.path, ref.tag ?? 'latest');
        out.set(reference, d ? d.digest : new Error(`${reference} is not in its registry (404)`));
      } catch (e) {
        out.set(reference, e as Error);
      }
    }),
  );
  return out;
}
