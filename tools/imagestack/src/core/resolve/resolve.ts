/**
 * Resolving the images of a stack to exact references `repository:tag@digest`, for the
 * commands that hand images to others (prepull, stamp, the Kubernetes manifest): the tags
 * of one commit's plan (as committed, core/plan/plan-commit.ts), or the `<version>-stable` tags. Each tag is looked up once with
 * HEAD (OCI distribution spec v1.1, "Checking if content exists in the registry"), so
 * everything that uses the result names the same content even if a tag moves meanwhile.
 */
import * as path from 'node:path';
import { InputError, type Problem } from '../errors';
import { readStack } from '../graph/read-stack';
import { planCommit } from '../plan/plan-commit';
import { RegistryClient } from '../registry';
import { loadSpecs } from '../specs/load';
import type { Specs } from '../specs/types';
import { mapLimit } from '../util/concurrency';
import { qualifiedRepositoryOf } from '../reference/repository';

/** One image at one version, resolved to its digest. */
export interface ResolvedImage {
  image: string;
  version: string;
  /** The qualified repository, `<registry>/<namespace>/<image>`. */
  repository: string;
  /** The tag looked up: `<version>-<sha7>` or `<version>-stable`. */
  tag: string;
  /** Manifest (or index) digest the tag pointed at when looked up, `sha256:<64 hex>`. */
  digest: string;
  /** Media type of that manifest or index. */
  mediaType: string;
  /** `<repository>:<tag>@<digest>`: the tag for people, the digest for the engine. */
  reference: string;
  /** Full sha of the image's source commit (commit mode only). */
  sourceCommit?: string;
}

/** What to resolve: one commit's plan tags, or one version's stable tags. */
export type ResolveTarget = { commit: string } | { stable: string };

/** Options of {@link resolveImages}. */
export interface ResolveOptions {
  specsFile: string;
  target: ResolveTarget;
  /** Only these versions (commit mode); default every version of the plan. */
  versions?: string[];
  /** Override specs.yml `registry` / `namespace`. */
  registry?: string;
  namespace?: string;
  client?: RegistryClient;
}

/** The resolved images, parents first (plan order: wave, then topological), with the specs they came from. */
export interface Resolved {
  specs: Specs;
  /** Full sha of the commit (commit mode). */
  commit?: string;
  images: ResolvedImage[];
}

/**
 * Resolves every image of the target to `repository:tag@digest`.
 *
 * @throws InputError listing every tag missing from the registry (one problem each, named
 *   by its reference, with the fix), before anything else happens; also for an unknown
 *   version and for bad specs.yml
 * @throws GitError for an unknown commit; RegistryError when the registry fails
 */
export async function resolveImages(opts: ResolveOptions): Promise<Resolved> {
  const overrides = { registry: opts.registry, namespace: opts.namespace };
  const specs = await loadSpecs(opts.specsFile, overrides);
  const client = opts.client ?? new RegistryClient({ registry: specs.registry });
  type Want = Omit<ResolvedImage, 'digest' | 'mediaType' | 'reference'> & { missingFix: string };
  let wants: Want[];
  let commit: string | undefined;
  const declared = specs.versions.map((v) => v.name);
  for (const v of [...(opts.versions ?? []), ...('stable' in opts.target ? [opts.target.stable] : [])]) {
    if (!declared.includes(v)) {
      throw new InputError({ file: path.relative(specs.root, specs.file), message: `version ${JSON.stringify(v)} is not declared in specs.yml`, fix: `use one of ${declared.map((d) => JSON.stringify(d)).join(', ')}` });
    }
  }
  if ('commit' in opts.target) {
    // The commit's own plan (as committed), the same tags promote names for that commit.
    const { plan } = await planCommit({ specsFile: opts.specsFile, commit: opts.target.commit, ...overrides });
    commit = plan.head;
    wants = plan.images
      .filter((e) => !opts.versions?.length || opts.versions.includes(e.version))
      .map((e) => ({
        image: e.image,
        version: e.version,
        repository: e.repository,
        tag: e.tag,
        sourceCommit: e.sourceCommit,
        missingFix: `build and push it first: imagestack build (at ${plan.head.slice(0, 7)})`,
      }));
  } else {
    const version = opts.target.stable;
    // The plan's order (wave, then topological): parents first, so engines pull shared layers once.
    const stack = await readStack(specs);
    const wave = (n: string) => stack.waves.get(n) ?? 0;
    wants = [...stack.order]
      .sort((a, b) => wave(a) - wave(b) || stack.order.indexOf(a) - stack.order.indexOf(b))
      .map((name) => stack.images.get(name)!.spec)
      .filter((i) => !i.skip.includes(version))
      .map((i) => ({
        image: i.name,
        version,
        repository: qualifiedRepositoryOf(specs.registry, specs.namespace, i.name),
        tag: `${version}-stable`,
        missingFix: `promote a commit first: imagestack promote --version ${version} --commit <sha>`,
      }));
  }
  const found = await mapLimit(wants, 8, (w) => client.headManifest(w.repository.slice(specs.registry.length + 1), w.tag));
  const problems: Problem[] = [];
  const images: ResolvedImage[] = [];
  wants.forEach((w, i) => {
    const d = found[i];
    if (!d) {
      problems.push({ file: `${w.repository}:${w.tag}`, message: 'tag not in the registry', fix: w.missingFix });
      return;
    }
    const { missingFix: _, ...rest } = w;
    images.push({ ...rest, digest: d.digest, mediaType: d.mediaType, reference: `${w.repository}:${w.tag}@${d.digest}` });
  });
  if (problems.length) throw new InputError(problems);
  return { specs, commit, images };
}
