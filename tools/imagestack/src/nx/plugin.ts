/**
 * The Nx inference plugin: `specs.yml` at the workspace root becomes one Nx project per
 * image (root `images/<name>`), with targets `build` → `manifest` → `test` → `push` (each
 * image's push also waits for its parents' pushes), and `createDependencies` adds the image → parent
 * edges found in the Dockerfiles, so `nx graph` shows the stack and
 * `nx affected -t push` runs the changed images and everything downstream, parents first.
 *
 * Nx decides "affected" from files; imagestack decides what is really rebuilt from tags.
 * `specs.yml` and the extra input globs are declared inputs of every image (an
 * over-approximation: the executor then skips images whose tag exists). Targets have side
 * effects (engine, registry), so they are never cached.
 *
 * Shaped like Nx's own inference plugins (nrwl/nx packages/docker/src/plugins/plugin.ts):
 * `createNodesFromFiles` over the matched files; the inferred projects and the stack's
 * edges are kept in a {@link PluginCache} under Nx's `workspaceDataDirectory`, keyed by a
 * hash of the inputs (`specs.yml`, every file under the images folder, the options and the
 * workspace's named inputs), and written to disk in `finally`. The edges are computed once,
 * with the nodes (from the same specs and Dockerfiles), and `createDependencies` hands them on.
 */
import * as path from 'node:path';
import {
  createNodesFromFiles,
  type CreateDependencies,
  type CreateNodes,
  type CreateNodesContext,
  type CreateNodesResult,
  type ProjectConfiguration,
  type RawProjectGraphDependency,
  type TargetConfiguration,
} from '@nx/devkit';
import { calculateHashesForCreateNodes, getNamedInputs, hashObject, PluginCache, workspaceDataDirectory } from '@nx/devkit/internal';
import { InputError } from '../core/errors';
import { readStack } from '../core/graph/read-stack';
import { loadSpecs } from '../core/specs/load';
import type { ImageSpec, Specs } from '../core/specs/types';

/** Plugin options (nx.json `plugins[].options`). */
export interface ImagestackPluginOptions {
  /** Name of the build target (default `build`). */
  buildTargetName?: string;
  /** Name of the package-manifest-and-checks target (default `manifest`). */
  manifestTargetName?: string;
  /** Name of the test target (default `test`). */
  testTargetName?: string;
  /** Name of the push target (default `push`). */
  pushTargetName?: string;
}

/** Options with defaults filled in. */
export function normalizeOptions(o: ImagestackPluginOptions | undefined): Required<ImagestackPluginOptions> {
  return {
    buildTargetName: o?.buildTargetName ?? 'build',
    manifestTargetName: o?.manifestTargetName ?? 'manifest',
    testTargetName: o?.testTargetName ?? 'test',
    pushTargetName: o?.pushTargetName ?? 'push',
  };
}

const SPECS = 'specs.yml';

/** The name of the target group (Nx's project details view) that holds an image's targets. */
export const TARGET_GROUP = 'imagestack';

/**
 * The targets of one image (pure: a function of the spec, the options and whether the
 * workspace defines a `production` named input).
 */
export function imageTargets(specs: Specs, image: ImageSpec, options: Required<ImagestackPluginOptions>, hasProduction = false): Record<string, TargetConfiguration> {
  // `^production`/`^default`: a change in a parent's files affects this image's tasks too (Nx 24
  // decides "affected" per task from its inputs, so the stack's edges must be in them).
  const named = hasProduction ? 'production' : 'default';
  const inputs = [named, `^${named}`, `{workspaceRoot}/${SPECS}`, ...[...specs.inputs, ...image.inputs].map((g) => `{workspaceRoot}/${g}`)];
  const versions = specs.versions.filter((v) => !image.skip.includes(v.name)).map((v) => v.name);
  const target = (executor: string, dependsOn: string[], description: string): TargetConfiguration => ({
    executor: `imagestack:${executor}`,
    options: { image: image.name },
    dependsOn,
    inputs,
    cache: false,
    metadata: { technologies: ['docker'], description },
  });
  const v = versions.join(', ');
  return {
    [options.buildTargetName]: target('build', [`^${options.buildTargetName}`], `Build ${image.name} (${v}) with its parents' tags, unless its tag is in the registry`),
    [options.manifestTargetName]: target('manifest', [options.buildTargetName], `Package manifest, package diff and checks of ${image.name} (${v})`),
    [options.testTargetName]: target('test', [options.manifestTargetName], `Tests of ${image.name} (${v}) in limited containers, with inherited ones`),
    [options.pushTargetName]: target('push', [options.testTargetName, `^${options.pushTargetName}`], `Push ${image.name} (${v}) after it and its parents passed; never overwrites a tag`),
  };
}

/** One image → parent edge: project names, and the Dockerfile (workspace-relative) that makes it. */
export interface StackEdge {
  source: string;
  target: string;
  sourceFile: string;
  /** The source image's build context (its project root when specs.yml is at the workspace root). */
  context: string;
}

/** What one `specs.yml` infers, as cached: the projects by root, and the stack's edges. */
export interface InferredStack {
  projects: Record<string, ProjectConfiguration>;
  /** The image → parent edges; `undefined` when reading the Dockerfiles failed (then `createDependencies` reads them again and throws). */
  edges?: StackEdge[];
  /** Hash of the project roots outside the `images/` folder hashed for the cache key (`context:` elsewhere); absent when none. */
  outsideHash?: string;
}

/** The image → parent edges of the stack of `specs`, from its Dockerfiles. @throws InputError when the stack is wrong */
async function stackEdges(specs: Specs): Promise<StackEdge[]> {
  const edges: StackEdge[] = [];
  for (const image of (await readStack(specs)).images.values()) {
    for (const parent of image.parents) edges.push({ source: image.name, target: parent.image, sourceFile: image.dockerfile, context: image.spec.context });
  }
  return edges;
}

/** The projects and edges of one `specs.yml` (workspace-relative `file`), read from disk. @throws InputError when specs.yml is wrong */
export async function inferStack(file: string, options: Required<ImagestackPluginOptions>, context: CreateNodesContext): Promise<InferredStack> {
  const specs = await loadSpecs(path.join(context.workspaceRoot, file));
  const base = path.dirname(file) === '.' ? '' : `${path.dirname(file)}/`;
  const projects: Record<string, ProjectConfiguration> = {};
  for (const image of specs.images) {
    const root = `${base}${image.context}`;
    if (projects[root]) throw sharedContextError(file, projects[root].name!, image, root);
    const hasProduction = 'production' in getNamedInputs(path.join(context.workspaceRoot, root), context);
    projects[root] = {
      root,
      name: image.name,
      projectType: 'application',
      tags: ['imagestack:image'],
      targets: imageTargets(specs, image, options, hasProduction),
      metadata: { targetGroups: { [TARGET_GROUP]: [options.buildTargetName, options.manifestTargetName, options.testTargetName, options.pushTargetName] } },
    };
  }
  // A Dockerfile problem is thrown by createDependencies (as before), not here: the projects stay visible.
  const edges = await stackEdges(specs).catch(() => undefined);
  return { projects, edges };
}

/**
 * Nx keeps one project per folder (projects are keyed by their root), so two images built
 * from one build context (allowed by the CLI) would silently become one project here.
 */
function sharedContextError(file: string, first: string, image: ImageSpec, root: string): InputError {
  return new InputError({
    file,
    line: image.line,
    message: `images "${first}" and "${image.name}" are both built from the folder ${root}, but Nx has one project per folder, so the imagestack Nx plugin cannot give each its targets`,
    fix: `give "${image.name}" a folder of its own (move its Dockerfile and files there, or set images.${image.name}.context), or build this stack with the imagestack CLI, which allows a shared build context`,
  });
}

/** The cache file for these options (one per options, as Nx's plugins do). */
function cachePath(options: ImagestackPluginOptions | undefined): string {
  return path.join(workspaceDataDirectory, `imagestack-${hashObject(options ?? {})}.hash`);
}

/**
 * The cache key hashes specs.yml and the `images/` folder beside it; an image whose `context:`
 * lies elsewhere has its files hashed here, so that a change to its Dockerfile is seen too.
 * @returns undefined when every project root is inside `imagesRoot`
 */
async function outsideHash(inferred: InferredStack, imagesRoot: string, context: CreateNodesContext): Promise<string | undefined> {
  const outside = Object.keys(inferred.projects).filter((r) => r !== imagesRoot && !r.startsWith(`${imagesRoot}/`));
  return outside.length ? (await calculateHashesForCreateNodes(outside, {}, context)).join(',') : undefined;
}

/** The edges of the last inference per workspace root, for `createDependencies` (same process). */
const edgesByRoot = new Map<string, StackEdge[]>();

/** Nx 24 batch inference: `[glob, fn(files, options, context)]`. Only the workspace-root specs.yml is read. */
export const createNodes: CreateNodes<ImagestackPluginOptions> = [
  SPECS,
  async (files, options, context) => {
    const o = normalizeOptions(options);
    const cache = new PluginCache<InferredStack>(cachePath(options));
    // Everything the inference reads: specs.yml and the images folder beside it (Dockerfiles,
    // project.json named inputs); the options and the workspace's named inputs.
    const roots = files.map((f) => path.posix.join(path.posix.dirname(f), 'images'));
    edgesByRoot.delete(context.workspaceRoot);
    const hashes = await calculateHashesForCreateNodes(roots, { o, namedInputs: context.nxJsonConfiguration.namedInputs ?? {} }, context, files.map((f) => [f]));
    try {
      return await createNodesFromFiles(
        async (file, _options, ctx, i) => {
          const key = hashes[i] + file;
          let inferred = cache.get(key);
          if (!inferred?.edges || (await outsideHash(inferred, roots[i], ctx)) !== inferred.outsideHash) {
            inferred = await inferStack(file, o, ctx);
            inferred.outsideHash = await outsideHash(inferred, roots[i], ctx);
            if (inferred.edges) cache.set(key, inferred);
          }
          if (inferred.edges && file === SPECS) edgesByRoot.set(ctx.workspaceRoot, inferred.edges);
          return { projects: inferred.projects } satisfies CreateNodesResult;
        },
        files,
        options,
        context,
      );
    } finally {
      cache.writeToDisk();
    }
  },
];

/**
 * @deprecated Nx 24 renamed the batch signature to `createNodes`; kept for Nx versions that look for this name.
 */
export const createNodesV2 = createNodes;

/**
 * Image → parent edges from the Dockerfiles (static dependencies with the Dockerfile as source
 * file), as `createNodes` found them; read afresh only when `createNodes` did not run in this process.
 *
 * @throws InputError (or the error reading the stack raised) when a Dockerfile is wrong
 */
export const createDependencies: CreateDependencies<ImagestackPluginOptions> = async (_options, context) => {
  const edges = edgesByRoot.get(context.workspaceRoot) ?? (await stackEdges(await loadSpecs(path.join(context.workspaceRoot, SPECS))));
  const names = new Set(Object.values(context.projects).map((p) => p.name));
  const deps: RawProjectGraphDependency[] = [];
  for (const e of edges) {
    if (!context.projects[e.context] && !names.has(e.source)) continue;
    deps.push({ source: e.source, target: e.target, type: 'static', sourceFile: e.sourceFile } as RawProjectGraphDependency);
  }
  return deps;
};
