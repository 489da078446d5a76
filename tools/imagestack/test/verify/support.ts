/**
 * Helpers of the manifest and checks gate integration tests: tiny images built here from
 * debian:bookworm-slim (no network: packages are made with dpkg-deb in the image), pushed
 * under a per-test namespace with the labels the pipeline sets, a real temporary git
 * repository for source commits, and a {@link GateContext} like the pipeline's.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { parse as parseYaml } from 'yaml';
import { makeStack, tempDir, TestRepo } from '../../src/core/git/__fixtures__/test-repo';
import type { Stack } from '../../src/core/graph/types';
import type { GateContext, GateOutputs } from '../../src/core/pipeline/types';
import type { PlanEntry } from '../../src/core/plan/types';
import { RegistryClient } from '../../src/core/registry';
import { RUN_LABEL } from '../../src/core/verify/container';
import { docker as dockerCli, dockerBuild, dockerPush } from '../registry/support';
import { testEnvironment } from '../support/env';
import { REPO_ROOT } from '../support/workspace';

export const { registry } = testEnvironment();
export const docker = new Docker();
export const client = new RegistryClient({ registry });
export { dockerBuild, dockerPush, dockerCli };

/** A Dockerfile `RUN` that makes and installs a package `name` at `version` with dpkg-deb (offline). */
export function installFakePackage(name: string, version: string): string {
  const control = [`Package: ${name}`, `Version: ${version}`, 'Architecture: all', 'Maintainer: imagestack <test@imagestack.invalid>', 'Description: imagestack test package', ''].join('\\n');
  return [
    `RUN d=/tmp/pkg-${name} && mkdir -p $d/DEBIAN`,
    ` && printf '${control}' > $d/DEBIAN/control`,
    ` && dpkg-deb --build $d /tmp/${name}.deb >/dev/null && dpkg -i /tmp/${name}.deb >/dev/null && rm -rf $d /tmp/${name}.deb`,
  ].join(' \\\n');
}

/** A Dockerfile `RUN` writing `content` to `file` (base64, so any bytes survive). */
export function writeFileStep(file: string, content: string): string {
  return `RUN mkdir -p ${path.posix.dirname(file)} && echo ${Buffer.from(content).toString('base64')} | base64 -d > ${file}`;
}

/** The labels the pipeline sets on an image (only the ones the gates read, and the title). */
export function pipelineLabels(image: string, version: string, sourceCommit: string): string {
  return `LABEL org.opencontainers.image.title=${image} org.opencontainers.image.revision=${sourceCommit} io.imagestack.image=${image} io.imagestack.version=${version}`;
}

/** Containers labelled io.imagestack.run=1 (running or not) made from one of `imageIds`. */
export async function runContainers(imageIds: Iterable<string>): Promise<string[]> {
  const ids = new Set(imageIds);
  const list = await docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=1`] } });
  return list.filter((c) => ids.has(c.ImageID)).map((c) => c.Id);
}

/** Local image ID of a reference, or undefined. */
export async function localImageId(ref: string): Promise<string | undefined> {
  try {
    return ((await docker.getImage(ref).inspect()) as { Id: string }).Id;
  } catch {
    return undefined;
  }
}

/** A temporary workspace: git repo with specs.yml (the given text) and the start point schema. */
export function workspace(specsText: string): { repo: TestRepo; stack: () => Stack } {
  const repo = TestRepo.create();
  repo.write({ 'specs.yml': specsText });
  mkdirSync(path.join(repo.dir, 'schemas'), { recursive: true });
  copyFileSync(path.join(REPO_ROOT, 'schemas/start-point-manifest.schema.json'), path.join(repo.dir, 'schemas/start-point-manifest.schema.json'));
  const images = Object.keys(parseYaml(specsText).images as Record<string, unknown>);
  return {
    repo,
    stack: () => makeStack(repo.dir, { images: Object.fromEntries(images.map((n) => [n, {}])), versions: ['2026.1'] }, specsText),
  };
}

/** A plan entry like the planner's. */
export function planEntry(namespace: string, image: string, version: string, sourceCommit: string, tag = `${version}-${sourceCommit.slice(0, 7)}`): PlanEntry {
  const repository = `${registry}/${namespace}/${image}`;
  return {
    image,
    version,
    repository,
    tag,
    reference: `${repository}:${tag}`,
    sourceCommit,
    dirty: tag.includes('-dirty-'),
    parents: [],
    wave: 0,
    action: 'build',
    reason: 'tag missing in the registry',
  };
}

/** A gate context like the pipeline's, logging into `lines`. */
export function gateContext(
  entry: PlanEntry,
  stack: Stack,
  imageId: string,
  opts: { outputDir?: string; outputs?: GateOutputs; signal?: AbortSignal } = {},
): GateContext & { lines: string[] } {
  const lines: string[] = [];
  return {
    entry,
    stack,
    imageId,
    docker,
    client,
    outputDir: opts.outputDir ?? tempDir('imagestack-verify-out-'),
    outputs: opts.outputs ?? {},
    log: (l) => lines.push(l),
    signal: opts.signal,
    lines,
  };
}
