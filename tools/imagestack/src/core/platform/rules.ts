/**
 * The plan-time rule of platforms (DESIGN.md promise 6 and 10): an image's platforms at a
 * version are a subset of each stack parent's platforms at that version, because each
 * platform's image is built FROM the parent's image for that platform. Found with the
 * parents (after the Dockerfiles are read), reported at the child's `platforms:` in specs.yml.
 */
import type { Problem } from '../errors';
import type { DocPath } from '../specs/positions';
import type { ImageSpec } from '../specs/types';
import { formatPath } from '../specs/positions';
import { platformsAt } from './spec';

/**
 * The platform problems of one image: per parent, the platforms the child declares that the
 * parent is not built for (a parent that declares none is built for the engine's own platform
 * only, so a child declaring any has nothing to build FROM per platform). One problem per
 * (parent, place in specs.yml), naming the versions concerned.
 *
 * @param spec the child
 * @param parentsByVersion stack parents per version the child is built for
 * @param specOf the spec of a stack image by name
 * @param at where a specs.yml path is: file, line, column
 */
export function platformProblems(
  spec: ImageSpec,
  parentsByVersion: ReadonlyMap<string, readonly string[]>,
  specOf: (image: string) => ImageSpec | undefined,
  at: (path: DocPath) => Omit<Problem, 'message' | 'fix'>,
): Problem[] {
  const found = new Map<string, { path: DocPath; parent: string; missing: Set<string>; versions: string[]; parentDeclared: boolean }>();
  for (const [version, parents] of parentsByVersion) {
    const own = spec.platforms?.[version];
    if (!own) continue;
    for (const parent of parents) {
      const parentSpec = specOf(parent);
      if (!parentSpec) continue;
      const theirs = platformsAt(parentSpec.platforms, version);
      const missing = own.platforms.filter((p) => !theirs.includes(p));
      if (missing.length === 0) continue;
      const key = `${formatPath(own.path)}\0${parent}`;
      const f = found.get(key) ?? { path: own.path, parent, missing: new Set<string>(), versions: [], parentDeclared: theirs.length > 0 };
      for (const m of missing) f.missing.add(m);
      f.versions.push(version);
      found.set(key, f);
    }
  }
  return [...found.values()].map((f) => {
    const missing = [...f.missing].join(', ');
    const versions = `version${f.versions.length > 1 ? 's' : ''} ${f.versions.join(', ')}`;
    const where = formatPath(f.path);
    return {
      ...at(f.path),
      message: f.parentDeclared
        ? `image "${spec.name}" is built for ${missing} at ${versions}, but its parent "${f.parent}" is not, so there is no ${f.parent} image of that platform to build it FROM`
        : `image "${spec.name}" is built for ${missing} at ${versions}, but its parent "${f.parent}" declares no platforms (it is built for the engine's own platform only), so there is no ${f.parent} image per platform to build it FROM`,
      fix: `add ${missing} to the platforms of "${f.parent}" (images.${f.parent}.platforms in specs.yml), or remove ${missing} from ${where}`,
    };
  });
}
