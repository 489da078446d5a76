/**
 * The parents' other names a build needs: a Dockerfile that spells a parent the way its
 * `references:` say (`FROM ghcr.io/org/base:${BASE_TAG}` while imagestack pushes to
 * `127.0.0.1:5000/ci/base`) gets the parent tagged `ghcr.io/org/base:<tag>` in the engine
 * for the time of its build, so the build uses the parent just built or pulled and pulls
 * nothing. Children building at the same time may need the same name: each name is counted
 * per run and removed when the last build holding it ends (promise 7: nothing left behind).
 */
import type { ImageEngine } from '../../ports';

const held = new WeakMap<object, Map<string, number>>();

/**
 * Tags each parent under its other names for one build and returns the release, which
 * removes the names no other build of the run holds. Never leaves a name it could not count.
 *
 * @param run any object unique to the run (the run context), which the counts belong to
 * @param aliases `<alias>:<tag>` → the parent's reference (`ResolvedParents.aliases`)
 * @throws EngineError when tagging fails (the names tagged so far are released first)
 */
export async function holdAliases(run: object, engine: Pick<ImageEngine, 'tagImage' | 'untagImage'>, aliases: ReadonlyMap<string, string>): Promise<() => Promise<void>> {
  let counts = held.get(run);
  if (!counts) held.set(run, (counts = new Map()));
  const mine: string[] = [];
  const release = async () => {
    for (const alias of mine.splice(0)) {
      const n = (counts.get(alias) ?? 1) - 1;
      if (n > 0) counts.set(alias, n);
      else {
        counts.delete(alias);
        await engine.untagImage(alias);
      }
    }
  };
  try {
    for (const [alias, reference] of aliases) {
      counts.set(alias, (counts.get(alias) ?? 0) + 1);
      mine.push(alias);
      await engine.tagImage(reference, alias);
    }
  } catch (e) {
    await release();
    throw e;
  }
  return release;
}
