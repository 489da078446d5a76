/**
 * The inference plugin on a temporary workspace made on disk (specs.yml + images/<name>/Dockerfile),
 * through Nx's real `createNodesFromFiles`, hashing and plugin cache; the cache file goes to a
 * temporary `workspaceDataDirectory` (NX_WORKSPACE_DATA_DIRECTORY, read when Nx loads).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CreateDependenciesContext, CreateNodesContext, CreateNodesResult } from '@nx/devkit';
import { resetWorkspaceContext } from '@nx/devkit/internal';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const dataDir = vi.hoisted(() => {
  const { mkdtempSync } = require('node:fs') as typeof import('node:fs');
  const dir = mkdtempSync(`${require('node:os').tmpdir()}/imagestack-nx-data-`);
  process.env.NX_WORKSPACE_DATA_DIRECTORY = dir;
  return dir;
});

vi.mock('../core/specs/load', async (importOriginal) => {
  const real = await importOriginal<typeof import('../core/specs/load')>();
  // Counts the reads of specs.yml, to see the cache hit; the real loader does the work.
  return { ...real, loadSpecs: vi.fn(real.loadSpecs) };
});

const { createDependencies, createNodes, createNodesV2 } = await import('./plugin');
const { loadSpecs } = await import('../core/specs/load');

const SPECS = `registry: 127.0.0.1:5000
namespace: plugin-test
versions:
  "2026.1": {}
  "2026.2": {}
images:
  base: {}
  mid: {}
  leaf:
    skip: ["2026.1"]
`;

describe('the Nx plugin', () => {
  let root: string;
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  const context = (namedInputs: Record<string, string[]> = {}): CreateNodesContext => ({ workspaceRoot: root, nxJsonConfiguration: { namedInputs } });
  const nodes = async (ctx = context()) => (await createNodes[1](['specs.yml'], { pushTargetName: 'push' }, ctx)) as Array<[string, CreateNodesResult]>;

  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'imagestack-nx-'));
    write('specs.yml', SPECS);
    write('images/base/Dockerfile', 'FROM debian:bookworm-slim\n');
    write('images/mid/Dockerfile', 'ARG REGISTRY\nARG BASE_TAG\nFROM ${REGISTRY}/base:${BASE_TAG}\n');
    write('images/leaf/Dockerfile', 'ARG REGISTRY\nARG MID_TAG\nFROM ${REGISTRY}/mid:${MID_TAG}\n');
    resetWorkspaceContext();
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('infers one project per image with its targets, inputs and target group', async () => {
    expect(createNodesV2).toBe(createNodes);
    expect(createNodes[0]).toBe('specs.yml');
    const result = await nodes();
    expect(result.map(([file]) => file)).toEqual(['specs.yml']);
    const projects = result[0][1].projects!;
    expect(Object.keys(projects)).toEqual(['images/base', 'images/mid', 'images/leaf']);
    expect(projects['images/leaf']).toMatchInlineSnapshot(`
      {
        "metadata": {
          "targetGroups": {
            "imagestack": [
              "build",
              "manifest",
              "test",
              "push",
            ],
          },
        },
        "name": "leaf",
        "projectType": "application",
        "root": "images/leaf",
        "tags": [
          "imagestack:image",
        ],
        "targets": {
          "build": {
            "cache": false,
            "dependsOn": [
              "^build",
            ],
            "executor": "imagestack:build",
            "inputs": [
              "default",
              "^default",
              "{workspaceRoot}/specs.yml",
            ],
            "metadata": {
              "description": "Build leaf (2026.2) with its parents' tags, unless its tag is in the registry",
              "technologies": [
                "docker",
              ],
            },
            "options": {
              "image": "leaf",
            },
          },
          "manifest": {
            "cache": false,
            "dependsOn": [
              "build",
            ],
            "executor": "imagestack:manifest",
            "inputs": [
              "default",
              "^default",
              "{workspaceRoot}/specs.yml",
            ],
            "metadata": {
              "description": "Package manifest, package diff and checks of leaf (2026.2)",
              "technologies": [
                "docker",
              ],
            },
            "options": {
              "image": "leaf",
            },
          },
          "push": {
            "cache": false,
            "dependsOn": [
              "test",
              "^push",
            ],
            "executor": "imagestack:push",
            "inputs": [
              "default",
              "^default",
              "{workspaceRoot}/specs.yml",
            ],
            "metadata": {
              "description": "Push leaf (2026.2) after it and its parents passed; never overwrites a tag",
              "technologies": [
                "docker",
              ],
            },
            "options": {
              "image": "leaf",
            },
          },
          "test": {
            "cache": false,
            "dependsOn": [
              "manifest",
            ],
            "executor": "imagestack:test",
            "inputs": [
              "default",
              "^default",
              "{workspaceRoot}/specs.yml",
            ],
            "metadata": {
              "description": "Tests of leaf (2026.2) in limited containers, with inherited ones",
              "technologies": [
                "docker",
              ],
            },
            "options": {
              "image": "leaf",
            },
          },
        },
      }
    `);
    expect(Object.values(projects).map((p) => p.targets!.build.dependsOn)).toEqual([['^build'], ['^build'], ['^build']]);
  });

  it('uses production inputs where the workspace defines them', async () => {
    const result = await nodes(context({ default: ['{projectRoot}/**/*'], production: ['default', '!{projectRoot}/README.md'] }));
    expect(result[0][1].projects!['images/mid'].targets!.test.inputs).toEqual(['production', '^production', '{workspaceRoot}/specs.yml']);
  });

  it('reads specs.yml once for the same inputs, again when a Dockerfile changes', async () => {
    const reads = vi.mocked(loadSpecs);
    await nodes();
    reads.mockClear();
    const again = await nodes();
    expect(reads).not.toHaveBeenCalled();
    expect(Object.keys(again[0][1].projects!)).toHaveLength(3);
    expect(readdirSync(dataDir).filter((f) => f.startsWith('imagestack-'))).toHaveLength(1);

    write('images/leaf/Dockerfile', 'ARG REGISTRY\nARG BASE_TAG\nFROM ${REGISTRY}/base:${BASE_TAG}\n');
    resetWorkspaceContext(); // as a new Nx run (the daemon's watcher updates its context itself)
    await nodes();
    expect(reads).toHaveBeenCalledTimes(1);
    write('images/leaf/Dockerfile', 'ARG REGISTRY\nARG MID_TAG\nFROM ${REGISTRY}/mid:${MID_TAG}\n');
    resetWorkspaceContext();
  });

  it('hands on the image → parent edges found with the nodes', async () => {
    const result = await nodes();
    const reads = vi.mocked(loadSpecs);
    reads.mockClear();
    const projects = result[0][1].projects!;
    const ctx = { workspaceRoot: root, nxJsonConfiguration: {}, projects, externalNodes: {}, fileMap: { projectFileMap: {}, nonProjectFiles: [] }, filesToProcess: { projectFileMap: {}, nonProjectFiles: [] } } as unknown as CreateDependenciesContext;
    const deps = await createDependencies({}, ctx);
    expect(reads).not.toHaveBeenCalled();
    expect(deps).toMatchInlineSnapshot(`
      [
        {
          "source": "mid",
          "sourceFile": "images/mid/Dockerfile",
          "target": "base",
          "type": "static",
        },
        {
          "source": "leaf",
          "sourceFile": "images/leaf/Dockerfile",
          "target": "mid",
          "type": "static",
        },
      ]
    `);
    expect(existsSync(dataDir)).toBe(true);
  });
});

describe('the Nx plugin on a stack with two images built from one folder', () => {
  let root: string;
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('refuses at the second image\'s specs.yml line instead of silently keeping one project', async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'imagestack-nx-shared-'));
    const specs = 'registry: 127.0.0.1:5000\nnamespace: plugin-test\nversions:\n  "1": {}\nimages:\n  cpu:\n    context: images/app\n  gpu:\n    context: images/app\n    dockerfile: Dockerfile.gpu\n';
    writeFileSync(path.join(root, 'specs.yml'), specs);
    mkdirSync(path.join(root, 'images/app'), { recursive: true });
    writeFileSync(path.join(root, 'images/app/Dockerfile'), 'FROM debian:bookworm-slim\n');
    writeFileSync(path.join(root, 'images/app/Dockerfile.gpu'), 'FROM debian:bookworm-slim\n');
    resetWorkspaceContext();
    const ctx: CreateNodesContext = { workspaceRoot: root, nxJsonConfiguration: {} };
    // Nx wraps each file's error in an AggregateCreateNodesError (`errors`: [file, error] pairs); Nx prints the inner message.
    const err = (await createNodes[1](['specs.yml'], {}, ctx).then(() => undefined, (e: unknown) => e)) as { errors?: Array<[string, Error]> };
    expect(err?.errors?.map(([file]) => file)).toEqual(['specs.yml']);
    const message = err.errors![0][1].message;
    expect(message).toMatch(/^specs\.yml:8: error: images "cpu" and "gpu" are both built from the folder images\/app, but Nx has one project per folder/);
    expect(message).toContain('fix: give "gpu" a folder of its own');
  });
});

describe('the Nx plugin on a stack with a build context outside images/', () => {
  let root: string;
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('sees a change to a Dockerfile there (the cache key covers that folder too)', async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'imagestack-nx-outside-'));
    const write = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), text);
    };
    write('specs.yml', 'registry: 127.0.0.1:5000\nnamespace: plugin-test\nversions:\n  "1": {}\nimages:\n  base: {}\n  app:\n    context: docker/app\n');
    write('images/base/Dockerfile', 'FROM debian:bookworm-slim\n');
    write('docker/app/Dockerfile', 'FROM debian:bookworm-slim\n');
    resetWorkspaceContext();
    const ctx: CreateNodesContext = { workspaceRoot: root, nxJsonConfiguration: {} };
    const deps = async () => {
      const result = (await createNodes[1](['specs.yml'], {}, ctx)) as Array<[string, CreateNodesResult]>;
      const projects = result[0][1].projects!;
      expect(Object.keys(projects)).toEqual(['images/base', 'docker/app']);
      const dctx = { workspaceRoot: root, nxJsonConfiguration: {}, projects, externalNodes: {}, fileMap: { projectFileMap: {}, nonProjectFiles: [] }, filesToProcess: { projectFileMap: {}, nonProjectFiles: [] } } as unknown as CreateDependenciesContext;
      return (await createDependencies({}, dctx)).map((d) => `${d.source}→${d.target}`);
    };
    expect(await deps()).toEqual([]);
    const reads = vi.mocked(loadSpecs);
    reads.mockClear();
    expect(await deps()).toEqual([]);
    expect(reads).not.toHaveBeenCalled(); // a cache hit while nothing changed
    write('docker/app/Dockerfile', 'ARG REGISTRY\nARG BASE_TAG\nFROM ${REGISTRY}/base:${BASE_TAG}\n');
    resetWorkspaceContext();
    expect(await deps()).toEqual(['app→base']);
  });
});
