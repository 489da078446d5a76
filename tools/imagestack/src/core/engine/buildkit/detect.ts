/**
 * Which builder builds (issue 13): `builder: auto | buildkit | classic` (specs.yml, overridden
 * by `--builder` / IMAGESTACK_BUILDER) against what this machine offers.
 *
 * BuildKit is used through the Docker CLI's BuildKit client, against the engine of DOCKER_HOST
 * (the one the rest of the pipeline inspects, pushes and runs gates on; its embedded BuildKit
 * builds, and the image lands in its image store):
 * - `docker buildx build --builder default --load` where the buildx plugin is installed (GitHub's
 *   hosted runners, Docker's packages, Debian's `docker-buildx`); the `default` builder is the
 *   engine's own (the `docker` driver), so stack parents already in the engine are used as they are;
 * - else a Docker CLI older than 23 with its built-in BuildKit client (`DOCKER_BUILDKIT=1 docker
 *   build`, as Debian's docker.io 20.10 ships). A CLI of 23 or later without buildx has no
 *   BuildKit client (its `DOCKER_BUILDKIT=1 docker build` fails), so it is passed over.
 * Every `docker` on PATH is tried in order, then /usr/bin/docker. The engine's version gives the
 * Dockerfile frontend it embeds (`dockerfile/capabilities.ts`).
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../errors';
import { classicCapabilities, embeddedFrontend, type BuilderCapabilities } from '../../dockerfile/capabilities';
import type { BuilderChoice } from '../../specs/builder';

/** A Docker CLI with a BuildKit client. */
export interface BuildkitClient {
  /** Absolute path of the `docker` executable. */
  command: string;
  /** `buildx`: `docker buildx build --load`; `builtin`: `DOCKER_BUILDKIT=1 docker build`. */
  kind: 'buildx' | 'builtin';
  /** The CLI's version, e.g. `20.10.24+dfsg1`. */
  clientVersion: string;
  /** The engine's version, e.g. `20.10.24+dfsg1`. */
  engineVersion: string;
}

/** The builder a run uses: its capabilities, and the client when it is BuildKit. */
export interface SelectedBuilder {
  /** What was asked and where: `auto` from specs.yml (default), `--builder`, IMAGESTACK_BUILDER. */
  choice: BuilderChoice;
  caps: BuilderCapabilities;
  client?: BuildkitClient;
}

/** How long one probe of a CLI (`docker version`, `docker buildx version`) may take, in ms. */
const PROBE_TIMEOUT_MS = 15_000;

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: PROBE_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0, stdout, stderr }),
    );
  });
}

/** Where a Docker CLI is looked for after PATH. */
export const FALLBACK_CLIS: readonly string[] = ['/usr/bin/docker'];

/** Every executable `docker` on PATH (first one first, each real file once), then `fallbacks`. */
export function dockerCandidates(env: NodeJS.ProcessEnv = process.env, fallbacks: readonly string[] = FALLBACK_CLIS): string[] {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const file of [...dirs.map((d) => path.join(d, 'docker')), ...fallbacks]) {
    try {
      accessSync(file, constants.X_OK);
      const real = realpathSync(file);
      if (seen.has(real)) continue;
      seen.add(real);
      out.push(file);
    } catch {
      // not there
    }
  }
  return out;
}

const major = (version: string) => Number(/^(\d+)/.exec(version)?.[1] ?? 0);

/**
 * Finds a Docker CLI with a BuildKit client for the engine of `env.DOCKER_HOST` (see the module
 * comment for the order). Never throws.
 *
 * @param fallbacks CLIs tried after PATH (default {@link FALLBACK_CLIS})
 * @returns the client, or why there is none (one clause per CLI tried)
 */
export async function findBuildkitClient(env: NodeJS.ProcessEnv = process.env, fallbacks: readonly string[] = FALLBACK_CLIS): Promise<BuildkitClient | { why: string; engineDown?: boolean }> {
  const tried: string[] = [];
  let answered = false;
  for (const command of dockerCandidates(env, fallbacks)) {
    const v = await run(command, ['version', '--format', '{{json .}}'], env);
    let info: { Client?: { Version?: string }; Server?: { Version?: string; Os?: string } | null } = {};
    try {
      info = JSON.parse(v.stdout.trim().split('\n')[0] || '{}');
    } catch {
      // not JSON: no answer
    }
    const clientVersion = info.Client?.Version ?? '';
    const engineVersion = info.Server?.Version;
    if (!engineVersion) {
      tried.push(`${command}: the engine does not answer (${(v.stderr.trim().split('\n').pop() ?? '').slice(0, 200) || 'no version'})`);
      continue;
    }
    answered = true;
    if (major(engineVersion) < 18 || (major(engineVersion) === 18 && !/^18\.09/.test(engineVersion)) || (info.Server?.Os && info.Server.Os !== 'linux')) {
      return { why: `the engine (Docker ${engineVersion}, ${info.Server?.Os ?? 'linux'}) has no BuildKit` };
    }
    if ((await run(command, ['buildx', 'version'], env)).code === 0) return { command, kind: 'buildx', clientVersion, engineVersion };
    if (major(clientVersion) > 0 && major(clientVersion) < 23) return { command, kind: 'builtin', clientVersion, engineVersion };
    tried.push(`${command} (${clientVersion}) has no buildx plugin, and a Docker CLI of 23 or later needs it for BuildKit`);
  }
  return { why: tried.length ? tried.join('; ') : 'no docker CLI on PATH', ...(tried.length && !answered ? { engineDown: true } : {}) };
}

const memo = new Map<string, Promise<BuildkitClient | { why: string; engineDown?: boolean }>>();

/**
 * Chooses the builder for `choice` (see the module comment); the CLI search is done once per
 * process, PATH and DOCKER_HOST.
 *
 * @param from where the choice was made, for messages (`specs.yml`, `--builder`, `IMAGESTACK_BUILDER`)
 * @throws InputError when `buildkit` is asked for and no BuildKit client is found (with the fix)
 */
export async function selectBuilder(choice: BuilderChoice, from: string, env: NodeJS.ProcessEnv = process.env): Promise<SelectedBuilder> {
  const asked = `builder: ${choice}${from === 'specs.yml' ? '' : ` (${from})`}`;
  if (choice === 'classic') return { choice, caps: classicCapabilities(asked) };
  const key = `${env.PATH}\n${env.DOCKER_HOST}`;
  if (!memo.has(key)) memo.set(key, findBuildkitClient(env));
  const found = await memo.get(key)!;
  if ('why' in found) {
    // An engine that does not answer is reported by the run's engine check (exit 5), not here.
    if (choice === 'buildkit' && !found.engineDown) {
      throw new InputError({
        file: from === 'specs.yml' ? 'specs.yml' : `${from} ${choice}`,
        message: `${asked} asks for BuildKit, but no Docker CLI with a BuildKit client was found: ${found.why}`,
        fix: 'install the buildx plugin (Debian: apt-get install docker-buildx; Docker\'s packages: docker-buildx-plugin), or put a Docker CLI older than 23 on PATH; or use builder: classic',
      });
    }
    return { choice, caps: classicCapabilities(`${asked}, and no BuildKit client was found: ${found.why}`) };
  }
  const frontend = embeddedFrontend(found.engineVersion);
  const via = found.kind === 'buildx' ? `${found.command} buildx build` : `${found.command} build with DOCKER_BUILDKIT=1`;
  return {
    choice,
    client: found,
    caps: { builder: 'buildkit', frontend, description: `BuildKit of Docker Engine ${found.engineVersion} (Dockerfile frontend ${frontend[0]}.${frontend[1]}, through ${via})` },
  };
}

/**
 * Whether `reference` (a `# syntax=` frontend image) can be used by `client`'s engine: it is in
 * the engine, or its registry answers for it (`docker buildx imagetools inspect` with buildx,
 * `docker manifest inspect` otherwise), each within 15 s. Never throws.
 */
export async function frontendReachable(client: BuildkitClient, reference: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if ((await run(client.command, ['image', 'inspect', '--format', '{{.Id}}', reference], env)).code === 0) return true;
  const args = client.kind === 'buildx' ? ['buildx', 'imagetools', 'inspect', reference] : ['manifest', 'inspect', reference];
  return (await run(client.command, args, { ...env, DOCKER_CLI_EXPERIMENTAL: 'enabled' })).code === 0;
}
