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
 */
import * as path from 'node:path';
import type { CreateDependencies, CreateNodes, CreateNodesResult, RawProjectGraphDependency, TargetConfiguration } from '@nx/devkit';
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

/** The targets of one image (pure: a function of the spec and the options). */
export function imageTargets(specs: Specs, image: ImageSpec, options: Required<ImagestackPluginOptions>): Record<string, TargetConfiguration> {
  // `^default`: a change in a parent's files affects this image's tasks too (Nx 24 decides
  // "affected" per task from its inputs, so the stack's edges must be in them).
  const inputs = [
    'default',
    '^default',
    `{workspaceRoot}/${SPECS}`,
    ...[...specs.inputs, ...image.inputs].map((g) => `{workspaceRoot}/${g}`),
  ];
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

async function createNodesForSpecs(file: string, options: ImagestackPluginOptions | undefined, workspaceRoot: string): Promise<CreateNodesResult> {
  const specs = await loadSpecs(path.join(workspaceRoot, file));
  const o = normalizeOptions(options);
  const base = path.dirname(file) === '.' ? '' : `${path.dirname(file)}/`;
  const projects: NonNullable<CreateNodesResult['projects']> = {};
  for (const image of specs.images) {
    projects[`${base}${image.context}`] = {
      name: image.name,
      projectType: 'application',
      tags: ['imagestack:image'],
      targets: imageTargets(specs, image, o),
    };
  }
  return { projects };
}

/** Nx 24 batch inference: `[glob, fn(files, options, context)]`. Only the workspace-root specs.yml is read. */
export const createNodes: CreateNodes<ImagestackPluginOptions> = [
  SPECS,
  async (files, options, context) => {
    const out = [];
    for (const file of files) out.push([file, await createNodesForSpecs(file, options, context.workspaceRoot)] as const);
    return out;
  },
];

/** @deprecated Nx 24 renamed the batch signature to `createNodes`; kept for Nx versions that look for this name. */
export const createNodesV2 = createNodes;

/** Image → parent edges from the Dockerfiles (static dependencies with the Dockerfile as source file). */
export const createDependencies: CreateDependencies<ImagestackPluginOptions> = async (_options, context) => {
  const specs = await loadSpecs(path.join(context.workspaceRoot, SPECS));
  const stack = await readStack(specs);
  const deps: RawProjectGraphDependency[] = [];
  for (const image of stack.images.values()) {
    for (const parent of image.parents) {
      if (!context.projects[image.spec.context] && !Object.values(context.projects).some((p) => p.name === image.name)) continue;
      deps.push({ source: image.name, target: parent.image, type: 'static', sourceFile: image.dockerfile } as RawProjectGraphDependency);
    }
  }
  return deps;
};
