/**
 * The selection step of a run, pure: which plan entries the options select, which of
 * their ancestors they need (promise 3: a parent whose tag is missing is built first), the
 * forced tags, and which entries are built. No I/O: the set of changed commits (`--base`)
 * is read by the caller.
 */
import * as path from 'node:path';
import { InputError } from '../errors';
import type { Stack } from '../graph/types';
import type { Plan, PlanEntry } from '../plan/types';
import { tagReference } from '../reference/repository';
import { nodeKey } from '../tags/tag';

/** What selects entries (the matching fields of `RunOptions`). */
export interface SelectOptions {
  /** Only these images (and the ancestors they need). */
  images?: readonly string[];
  /** Only these versions. */
  versions?: readonly string[];
  /** With `--base`: the source commits changed since it; entries whose source commit is not in it are left out (dirty ones stay). */
  changed?: ReadonlySet<string>;
  /** Add the ancestors of the selected entries (default true). */
  withAncestors?: boolean;
  /** Rebuild the selected entries under `<tag>.force-<UTC time of now>`. */
  force?: boolean;
  /** The run's start time, for forced tags. */
  now: Date;
}

/** The outcome of {@link selectEntries}. Keys are `<image>@<version>` ({@link nodeKey}). */
export interface Selection {
  /** The entries the options select, in plan order. */
  selected: Set<string>;
  /** The selected entries and, per selected entry in plan order, its ancestors (topological order). */
  needed: Set<string>;
  /** Every plan entry by key, with the forced tag, reference and action where `force` applies. */
  entries: Map<string, PlanEntry>;
  /** The needed entries whose action is `build`, in the order of `needed`. */
  toBuild: string[];
}

/**
 * Checks that the named images and versions exist.
 *
 * @param cwd the folder the specs.yml path in messages is relative to
 * @throws InputError naming each unknown image or version and the known ones
 */
export function checkNames(stack: Stack, specsFile: string, cwd: string, images: readonly string[] = [], versions: readonly string[] = []): void {
  const file = path.relative(cwd, specsFile) || 'specs.yml';
  const problems = [];
  for (const name of images) {
    if (!stack.images.has(name)) problems.push({ file, message: `unknown image "${name}"`, fix: `name one of: ${[...stack.images.keys()].join(', ')}` });
  }
  for (const v of versions) {
    if (!stack.specs.versions.some((x) => x.name === v)) {
      problems.push({ file, message: `unknown version "${v}"`, fix: `name one of: ${stack.specs.versions.map((x) => x.name).join(', ')}` });
    }
  }
  if (problems.length) throw new InputError(problems);
}

/** The suffix of a forced tag: `.force-<yyyymmddThhmmss>` (UTC). */
export function forcedSuffix(now: Date): string {
  return `.force-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}`;
}

/** Selects the entries of `plan` a run works on (see {@link Selection}). */
export function selectEntries(plan: Plan, stack: Stack, opts: SelectOptions): Selection {
  const selected = new Set<string>();
  for (const e of plan.images) {
    if (opts.images?.length && !opts.images.includes(e.image)) continue;
    if (opts.versions?.length && !opts.versions.includes(e.version)) continue;
    if (opts.changed && !e.dirty && !opts.changed.has(e.sourceCommit)) continue;
    selected.add(nodeKey(e.image, e.version));
  }
  const planned = new Map(plan.images.map((e) => [nodeKey(e.image, e.version), e]));
  const needed = new Set<string>();
  for (const key of selected) {
    needed.add(key);
    if (opts.withAncestors === false) continue;
    const e = planned.get(key)!;
    for (const a of stack.ancestors(e.image)) needed.add(nodeKey(a, e.version));
  }
  const suffix = forcedSuffix(opts.now);
  const entries = new Map<string, PlanEntry>();
  for (const [key, e] of planned) {
    const forced = !!opts.force && selected.has(key);
    // A tag is at most 128 characters (OCI distribution spec).
    const tag = forced ? `${e.tag}${suffix}`.slice(0, 128) : e.tag;
    entries.set(key, { ...e, tag, reference: tagReference(e.repository, tag), action: forced ? 'build' : e.action });
  }
  const toBuild = [...needed].filter((k) => entries.get(k)!.action === 'build');
  return { selected, needed, entries, toBuild };
}

/**
 * Refuses, before anything is built, a multi-platform image to build with the classic builder
 * whose Dockerfile names a base outside the stack (`FROM debian:bookworm-slim`): the classic
 * builder takes a local tag as it is, whatever its platform (and pulls another platform's image
 * under the same tag), so one platform's image would be built on another's base (measured on
 * Engine 20.10). BuildKit resolves such a base per platform (`--platform`), and the stack's own
 * parents are given per platform by imagestack (`platforms/parents.ts`) with either builder.
 *
 * @param toBuild node keys to build (see {@link Selection.toBuild})
 * @param builder the description of the classic builder in use (for the message)
 * @throws InputError naming each such image, its base and the fix
 */
export function refuseClassicPlatformBases(stack: Stack, entries: ReadonlyMap<string, PlanEntry>, toBuild: readonly string[], builder: string): void {
  const problems = toBuild
    .map((k) => entries.get(k)!)
    .filter((e) => e.platforms.length > 0 && stack.images.get(e.image)!.externalBases.some((b) => b.reference !== 'scratch'))
    .map((e) => {
      const node = stack.images.get(e.image)!;
      const base = node.externalBases.find((b) => b.reference !== 'scratch')!;
      return {
        file: node.dockerfile,
        line: base.line,
        message: `image "${e.image}" is built for ${e.platforms.join(', ')} from ${base.raw}, a base outside the stack, with ${builder}, which takes a local tag as it is whatever its platform`,
        fix: 'build with BuildKit (builder: auto or buildkit in specs.yml, or --builder buildkit), which resolves the base for each platform',
      };
    });
  if (problems.length) throw new InputError(problems);
}

/**
 * Refuses, before anything is built, a run that needs an image whose tag is in the registry but
 * lacks platforms its entry asks for (`plan.lackingPlatforms`): the tag is never overwritten
 * (promise 2) and a multi-platform tag must name every platform asked for (promise 10).
 *
 * @param needed node keys the run needs (see {@link Selection.needed})
 * @throws InputError naming each such reference, the platforms it lacks and the fix
 */
export function refuseIncompleteTags(plan: Plan, needed: ReadonlySet<string>, specsFile: string): void {
  const problems = plan.images
    .filter((e) => needed.has(nodeKey(e.image, e.version)) && plan.lackingPlatforms?.has(nodeKey(e.image, e.version)))
    .map((e) => {
      const lacking = plan.lackingPlatforms!.get(nodeKey(e.image, e.version))!.join(', ');
      return {
        file: specsFile,
        message: `${e.reference} is in the registry but lacks ${lacking}, which specs.yml asks for "${e.image}" at version ${e.version}; a tag is never overwritten`,
        fix: `give "${e.image}" a new tag (change its inputs, e.g. its entry in specs.yml) to build every platform, or remove ${lacking} from its platforms`,
      };
    });
  if (problems.length) throw new InputError(problems);
}
