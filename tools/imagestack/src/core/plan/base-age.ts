/**
 * The age of each plan entry's external bases (issue 15, "images that know their age"): per
 * base, the pinned digest (or, unpinned, the digest its tag points at now) and when that base
 * image was created (its image config's `created`, read from the base's registry by
 * core/audit/base.ts, as `audit` reads it).
 *
 * An added fact, never an input: tags and actions are decided before and without it (promise 1:
 * the plan is a function of git), and it only ever adds {@link PlanEntry.baseAge}. One look-up
 * per distinct base and digest, all at once, memoised for the run; a base whose registry does
 * not answer gets a `note`, never a failure.
 */
import { baseClients, baseCreatedLookup, type BaseClient, type BaseCreated } from '../audit/base';
import { currentDigests } from '../refresh/bases';
import type { Plan, PlanEntry } from './types';

/** One external base of a plan entry, with its digest and when that image was created. */
export interface BaseAge {
  /** The reference without its digest, e.g. `debian:bookworm-slim` (as in `bases`). */
  reference: string;
  /** The pinned digest; for an unpinned base, the digest its tag points at now; null when that could not be resolved. */
  digest: string | null;
  /** True when `digest` is the pin written in the Dockerfile. */
  pinned: boolean;
  /** When the base image was created (its image config's `created`), ISO 8601, when its registry told. */
  created?: string;
  /** Why `digest` or `created` is unknown (the base's registry failed, or does not have it). */
  note?: string;
}

/**
 * Time limit (ms) for one answer of a base's registry, and no retries: a registry that does not
 * answer makes a note, and must not hold `plan` up.
 */
export const BASE_REGISTRY_TIMEOUT_MS = 5_000;

/** Options of {@link addBaseAges}. */
export interface BaseAgeOptions {
  /** The client of a base's registry host (default: {@link baseClients} with no retries and {@link BASE_REGISTRY_TIMEOUT_MS}). */
  clientFor?: (registry: string) => BaseClient;
  /** An existing look-up to share (e.g. the site's, over more digests); default: a new one over `clientFor`. */
  createdOf?: (name: string, digest: string) => Promise<BaseCreated>;
}

/** The default clients for base registries: no retries, a short time limit (see {@link BASE_REGISTRY_TIMEOUT_MS}). */
export function quickBaseClients(): (registry: string) => BaseClient {
  return baseClients({ retries: 0, timeoutMs: BASE_REGISTRY_TIMEOUT_MS });
}

/**
 * Sets `baseAge` on every entry of `plan` (in the order of its `bases`), asking each base's
 * registry once: HEAD of the tag of every unpinned base (as `refresh` resolves it), and the
 * image config of every distinct base and digest (an unpinned one's after its HEAD), all
 * concurrently. Never throws for a registry.
 *
 * @returns the same plan, with `baseAge` on each entry
 */
export async function addBaseAges(plan: Plan, opts: BaseAgeOptions = {}): Promise<Plan> {
  const clientFor = opts.clientFor ?? quickBaseClients();
  const createdOf = opts.createdOf ?? baseCreatedLookup(clientFor);
  const pins = plan.images.flatMap((e) => e.bases);
  const unpinned = [...new Set(pins.filter((p) => p.digest === null).map((p) => p.reference))];
  // The HEADs of the unpinned bases go out with the config reads of the pinned ones, not before them.
  const now = unpinned.length ? currentDigests(unpinned, clientFor) : Promise.resolve(new Map<string, string | Error>());
  const ages = new Map<string, Promise<BaseAge>>();
  const ageOf = (reference: string, pin: string | null): Promise<BaseAge> => {
    const key = `${reference}@${pin}`;
    let age = ages.get(key);
    if (!age) {
      age = (async (): Promise<BaseAge> => {
        const resolved = pin ?? (await now).get(reference);
        if (typeof resolved !== 'string') return { reference, digest: null, pinned: false, note: firstLine(resolved?.message ?? 'not looked up') };
        const c = await createdOf(reference, resolved);
        return { reference, digest: resolved, pinned: pin !== null, ...(c.created ? { created: c.created } : {}), ...(c.error ? { note: firstLine(c.error) } : {}) };
      })();
      ages.set(key, age);
    }
    return age;
  };
  await Promise.all(
    plan.images.map(async (e: PlanEntry) => {
      e.baseAge = await Promise.all(e.bases.map((p) => ageOf(p.reference, p.digest)));
    }),
  );
  return plan;
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}
