/**
 * The BuildKit builder: an {@link ImageBuilder} that builds one image with the engine's
 * embedded BuildKit through a Docker CLI's BuildKit client (`./detect.ts` says which CLI and
 * why), with plain progress decoded into the step log and the step in progress.
 *
 * What it adds to the classic builder's request:
 * - labels with `--label` (set on the image config, no extra step: the layers stay shared);
 * - build secrets with `--secret id=<id>,env=<VAR>` / `src=<file>`: BuildKit mounts them in the
 *   `RUN --mount=type=secret` steps only, never in a layer, the config or the history;
 * - `BUILDKIT_INLINE_CACHE=1`, so the pushed image carries its cache metadata, and `--cache-from`
 *   the references the request names (the image's previous tags and its parents): a fresh
 *   engine re-uses their layers for unchanged steps (pulling them) instead of running them;
 * - `--platform` when the request names one;
 * - with `exclude` (variant folders inside the context), the context packed as a tar on stdin
 *   (`docker build -`, as ../context.ts packs it for the legacy builder), so the CLI cannot send
 *   the excluded folders.
 * Registry credentials reach the CLI through a private DOCKER_CONFIG holding only a copy of the
 * user's config with the run's credentials for the stack's registry, removed after the build.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineError } from '../../errors';
import type { AuthConfig, BuildRequest, ImageBuilder } from '../../ports';
import type { BuildkitClient } from './detect';
import { PlainProgress } from './progress';
import { packContext } from '../context';

/** A build secret as the builder receives it: the id and where the CLI reads the value. */
export interface BuildSecret {
  id: string;
  /** Environment variable of this process holding the value. */
  env?: string;
  /** Absolute path of a file holding the value. */
  file?: string;
}

/** The CLI arguments of one build (exported for the unit test of their shape). */
export function buildArgv(client: BuildkitClient, req: BuildRequest, iidFile: string): string[] {
  const argv = client.kind === 'buildx' ? ['buildx', 'build', '--builder', 'default', '--load'] : ['build'];
  // With folders to leave out (variants inside the context, BuildRequest.exclude) the context
  // goes as a tar on stdin, packed as for the legacy builder (.dockerignore and the excluded
  // folders left out), and `-f` names the Dockerfile inside it; else the CLI reads the folder.
  const piped = (req.exclude?.length ?? 0) > 0;
  const dockerfile = piped ? path.normalize(req.dockerfile).split(path.sep).join('/') : path.resolve(req.contextDir, req.dockerfile);
  argv.push('--progress=plain', '--iidfile', iidFile, '-f', dockerfile, '-t', req.reference);
  for (const [k, v] of Object.entries(req.buildArgs)) argv.push('--build-arg', `${k}=${v}`);
  argv.push('--build-arg', 'BUILDKIT_INLINE_CACHE=1');
  for (const [k, v] of Object.entries(req.labels)) argv.push('--label', `${k}=${v}`);
  if (req.noCache) argv.push('--no-cache');
  else for (const ref of req.cacheFrom ?? []) argv.push('--cache-from', ref);
  for (const s of req.secrets ?? []) argv.push('--secret', s.env !== undefined ? `id=${s.id},env=${s.env}` : `id=${s.id},src=${s.file}`);
  const platform = (req as { platform?: string }).platform;
  if (platform) argv.push('--platform', platform);
  argv.push(piped ? '-' : req.contextDir);
  return argv;
}

/** {@link ImageBuilder} over a Docker CLI's BuildKit client. */
export class BuildkitBuilder implements ImageBuilder {
  /**
   * @param client the CLI found by `findBuildkitClient`
   * @param auth the run's credentials for the stack's registry (cache-from and FROM pulls)
   * @param env the environment of the CLI (default: this process's; DOCKER_HOST names the engine)
   */
  constructor(
    readonly client: BuildkitClient,
    readonly auth: AuthConfig = undefined,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** See {@link ImageBuilder.build}. */
  async build(req: BuildRequest): Promise<{ imageId: string }> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-buildkit-'));
    const iidFile = path.join(dir, 'iid');
    try {
      const env: NodeJS.ProcessEnv = { ...this.env, ...(this.client.kind === 'builtin' ? { DOCKER_BUILDKIT: '1' } : {}), BUILDKIT_PROGRESS: 'plain' };
      const config = privateDockerConfig(dir, this.auth, this.env);
      if (config) env.DOCKER_CONFIG = config;
      const code = await this.#run(buildArgv(this.client, req, iidFile), env, req);
      if (req.signal?.aborted) throw new EngineError(`build of ${req.reference} was cancelled`, req.log.tail());
      if (code !== 0) {
        const why = req.log.tail(60).reverse().find((l) => /^(ERROR|error|failed to solve|#\d+ ERROR)/.test(l.trim())) ?? `the Docker CLI exited with ${code}`;
        throw new EngineError(`build of ${req.reference} failed: ${why.trim()}`, req.log.tail());
      }
      return { imageId: readFileSync(iidFile, 'utf8').trim() };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  #run(argv: string[], env: NodeJS.ProcessEnv, req: BuildRequest): Promise<number> {
    return new Promise((resolve) => {
      const piped = argv.at(-1) === '-';
      const child = spawn(this.client.command, argv, { env, stdio: [piped ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
      if (piped) {
        const context = packContext(req.contextDir, req.dockerfile, {}, req.exclude);
        context.on('error', (e) => {
          req.log.line(`error: packing the build context: ${e.message}`);
          child.stdin!.destroy();
        });
        child.stdin!.on('error', () => {}); // the CLI exited early: its exit code says why
        context.pipe(child.stdin!);
      }
      const progress = new PlainProgress((line) => req.log.line(line), (step) => req.onStep?.(step));
      child.stdout!.setEncoding('utf8').on('data', (d: string) => progress.write(d));
      child.stderr!.setEncoding('utf8').on('data', (d: string) => progress.write(d));
      // The CLI cancels the build (and BuildKit its step) on SIGINT, as on Ctrl-C.
      const onAbort = () => child.kill('SIGINT');
      req.signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (e) => {
        req.log.line(`error: ${this.client.command} could not start: ${e.message}`);
      });
      child.on('close', (code) => {
        progress.end();
        req.signal?.removeEventListener('abort', onAbort);
        resolve(code ?? 1);
      });
    });
  }
}

/**
 * A DOCKER_CONFIG folder in `dir` for a run with credentials: the user's config.json (from
 * DOCKER_CONFIG or ~/.docker) with `auth` set for its registry (and that registry's credential
 * helper dropped), and the user's cli-plugins linked (buildx is found there). Undefined when
 * there are no credentials to add: the CLI then reads the user's own config.
 */
function privateDockerConfig(dir: string, auth: AuthConfig, env: NodeJS.ProcessEnv): string | undefined {
  if (!auth || (!auth.password && !auth.identitytoken)) return undefined;
  const own = env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker');
  let config: { auths?: Record<string, unknown>; credHelpers?: Record<string, string> } = {};
  try {
    config = JSON.parse(readFileSync(path.join(own, 'config.json'), 'utf8'));
  } catch {
    // none
  }
  const server = auth.serveraddress;
  config.auths = { ...(config.auths ?? {}) };
  config.auths[server] = auth.identitytoken
    ? { identitytoken: auth.identitytoken }
    : { auth: Buffer.from(`${auth.username ?? ''}:${auth.password}`).toString('base64') };
  if (config.credHelpers) delete config.credHelpers[server];
  // A credential store answers for every registry and would hide the entry above.
  delete (config as { credsStore?: string }).credsStore;
  const folder = path.join(dir, 'config');
  mkdirSync(folder, { mode: 0o700 });
  writeFileSync(path.join(folder, 'config.json'), JSON.stringify(config), { mode: 0o600 });
  if (existsSync(path.join(own, 'cli-plugins'))) symlinkSync(path.join(own, 'cli-plugins'), path.join(folder, 'cli-plugins'));
  return folder;
}
