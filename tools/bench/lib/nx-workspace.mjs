/**
 * Makes a generated repository an Nx workspace (untracked files only, all ignored by the
 * generated .gitignore): node_modules → the repository's own node_modules (so `nx` and the
 * `imagestack` plugin resolve), nx.json naming either the real plugin or a stub plugin, and
 * the stub itself under .bench/.
 *
 * The stub returns the very projects and dependencies the real plugin computed once for
 * this repository, from a literal in its source: it reads no file, so timing Nx with it
 * gives the floor Nx itself costs for that many projects.
 */
import { existsSync, lstatSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { repoRoot } from './context.mjs';

const require = createRequire(import.meta.url);

/** Nx settings for measurements: no daemon, no cloud, no terminal UI, no cached project graph. */
export const NX_ENV = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_CACHE_PROJECT_GRAPH: 'false', NX_SKIP_NX_CACHE: 'true' };

/** Absolute path of the nx command line script in the repository's node_modules. */
export const nxBin = path.join(repoRoot, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');

/**
 * Prepares `repo` (idempotent): node_modules link and .bench/stub-plugin.js.
 * @returns {{ projects: number, dependencies: number }} what the real plugin found
 */
export async function prepareNxWorkspace(repo) {
  const link = path.join(repo, 'node_modules');
  if (!existsSync(link)) {
    try {
      lstatSync(link);
      rmSync(link); // a dangling link
    } catch {
      /* none */
    }
    symlinkSync(path.join(repoRoot, 'node_modules'), link, 'dir');
  }
  const plugin = require(path.join(repoRoot, 'tools/imagestack/dist/nx/plugin.js'));
  const [, createNodes] = plugin.createNodes;
  const results = await createNodes(['specs.yml'], {}, { workspaceRoot: repo, nxJsonConfiguration: {} });
  const projects = results[0][1].projects;
  const byRoot = Object.fromEntries(Object.entries(projects).map(([root, p]) => [root, { ...p, root }]));
  const deps = await plugin.createDependencies({}, { workspaceRoot: repo, projects: byRoot, nxJsonConfiguration: {}, fileMap: {}, filesToProcess: {} });
  mkdirSync(path.join(repo, '.bench'), { recursive: true });
  writeFileSync(
    path.join(repo, '.bench', 'stub-plugin.js'),
    [
      '// A stub of the imagestack Nx plugin for benchmarks: the same projects and dependencies,',
      '// from literals, reading nothing. Written by tools/bench/lib/nx-workspace.mjs.',
      `const projects = ${JSON.stringify(projects)};`,
      `const dependencies = ${JSON.stringify(deps)};`,
      "exports.createNodes = ['specs.yml', async (files) => files.map((f) => [f, { projects }])];",
      'exports.createNodesV2 = exports.createNodes;',
      'exports.createDependencies = async () => dependencies;',
      '',
    ].join('\n'),
  );
  return { projects: Object.keys(projects).length, dependencies: deps.length };
}

/**
 * Writes nx.json for `which` ('plugin' = the imagestack plugin, 'stub' = .bench/stub-plugin.js)
 * and removes .nx (Nx's cached workspace data), so the next command computes the project graph.
 */
export function useNxConfig(repo, which) {
  const plugins = which === 'stub' ? ['./.bench/stub-plugin.js'] : ['imagestack'];
  writeFileSync(path.join(repo, 'nx.json'), `${JSON.stringify({ plugins, neverConnectToCloud: true, defaultBase: 'main' }, null, 2)}\n`);
  rmSync(path.join(repo, '.nx'), { recursive: true, force: true });
}

/** Removes .nx (call before every timed Nx command: a cold project graph each time). */
export function clearNxCache(repo) {
  rmSync(path.join(repo, '.nx'), { recursive: true, force: true });
}
