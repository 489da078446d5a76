/**
 * Per-platform engines (issue 14, item 2): `--engine <platform>=<docker host>` (repeatable, or
 * `IMAGESTACK_ENGINES="<platform>=<host>,…"`) names the Docker engine that builds, gates and
 * pushes one platform's images of the multi-platform entries; a platform without one uses the
 * run's engine (DOCKER_HOST), under emulation when it is foreign to it. The decisions only
 * (parse, which platforms may be named, which engine a platform's step reaches, how an engine's
 * answer is judged); the engines themselves are opened and asked in `engine/engines.ts`.
 *
 * Local names are per engine (`names.ts`): on an engine of its own platform an image keeps the
 * entry's tag, on any other engine it gets `<tag>-<os>-<architecture>`.
 */
import { InputError } from '../../errors';
import type { ImageEngine } from '../../ports';
import { PLATFORM_PATTERN } from '../../platform/platform';
import { parseEngineTarget } from '../../prepull/engine-host';
import type { RunContext } from '../context';

/** The environment variable of `--engine`. */
export const ENGINES_ENV = 'IMAGESTACK_ENGINES';

/** One platform's engine as asked for. */
export interface EngineAssignment {
  /** `os/architecture[/variant]`, e.g. `linux/arm64`. */
  platform: string;
  /** The engine's address as DOCKER_HOST takes it: `unix:///…`, `tcp://host:2375`, `ssh://user@host`. */
  host: string;
  /** Where it was given, for messages: `--engine` or {@link ENGINES_ENV}. */
  from: string;
}

/** A platform's engine in a run (`RunContext.platformEngines`). */
export interface PlatformEngine {
  engine: ImageEngine;
  /** The engine's own platform (`docker info`: OSType / Architecture): the platform whose images keep the plain tag there. */
  own: string;
  /** Its DOCKER_HOST value (host-side tests get it); absent for the run's engine, whose DOCKER_HOST is the process's. */
  host?: string;
}

/**
 * Parses `--engine` values (each may hold several, comma-separated, as {@link ENGINES_ENV} does).
 *
 * @param from where the values come from, for messages (`--engine` or {@link ENGINES_ENV})
 * @throws InputError for a value that is not `<os/architecture[/variant]>=<docker host>`, a host
 *   that is not a Docker address (`prepull/engine-host.ts`), or a platform named twice
 */
export function parseEngines(values: readonly string[], from = '--engine'): EngineAssignment[] {
  const out: EngineAssignment[] = [];
  for (const value of values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean)) {
    const eq = value.indexOf('=');
    const platform = eq > 0 ? value.slice(0, eq) : '';
    const host = value.slice(eq + 1);
    const where = from === ENGINES_ENV ? `${ENGINES_ENV}=${value}` : `${from} ${value}`;
    if (!PLATFORM_PATTERN.test(platform) || !host) {
      throw new InputError({
        file: where,
        message: 'not <platform>=<docker host>',
        fix: 'write e.g. linux/arm64=ssh://user@arm-host or linux/arm64=tcp://10.0.0.5:2375 (one per platform; repeat the option for more)',
      });
    }
    parseEngineTarget(host); // the address's own checks (scheme, host, socket path)
    const twice = out.find((a) => a.platform === platform);
    if (twice) {
      throw new InputError({ file: where, message: `${platform} is given an engine twice (${twice.host} and ${host})`, fix: `name one engine for ${platform}` });
    }
    out.push({ platform, host, from });
  }
  return out;
}

/**
 * The engines of {@link ENGINES_ENV} (for callers without the CLI's option, e.g. the Nx
 * executors), as `runPipeline`'s `engines`.
 * @throws InputError as {@link parseEngines}
 */
export function enginesFromEnv(env: NodeJS.ProcessEnv = process.env): { engines?: EngineAssignment[] } {
  const value = env[ENGINES_ENV];
  if (!value) return {};
  return { engines: parseEngines([value], ENGINES_ENV) };
}

/** Where an assignment was given, as messages name it: `--engine linux/arm64=…` or `IMAGESTACK_ENGINES=linux/arm64=…`. */
function given(a: EngineAssignment): string {
  return a.from === ENGINES_ENV ? `${ENGINES_ENV}=${a.platform}=${a.host}` : `${a.from} ${a.platform}=${a.host}`;
}

/**
 * Refuses an engine named for a platform no entry of the plan is built for, or for the run's
 * engine's own platform (its images, and those of entries without platforms, are the run's
 * engine's: to build them elsewhere, DOCKER_HOST names that engine).
 *
 * @param planned every platform of the plan's entries (stack-wide, per image, per version)
 * @param runPlatform the run's engine's own platform (`RunContext.enginePlatform`)
 * @throws InputError naming the value, what is wrong and the fix
 */
export function refuseUnplannedPlatforms(assignments: readonly EngineAssignment[], planned: ReadonlySet<string>, specsFile: string, runPlatform: string): void {
  for (const a of assignments) {
    if (a.platform === runPlatform) {
      throw new InputError({
        file: given(a),
        message: `${a.platform} is the platform of the run's engine (DOCKER_HOST), which builds it and every image without platforms`,
        fix: `set DOCKER_HOST=${a.host} to build ${a.platform} there, and leave ${a.platform} out of ${a.from}`,
      });
    }
    if (planned.has(a.platform)) continue;
    throw new InputError({
      file: given(a),
      message: `no image of ${specsFile} is built for ${a.platform} (its platforms: ${[...planned].sort().join(', ') || 'none declared, only the engine\'s own'})`,
      fix: `name an engine for one of the platforms of ${specsFile}, or add ${a.platform} to its platforms:`,
    });
  }
}

/** What `docker info` says of an engine, as {@link judgeEngine} needs it. */
export interface EngineInfo {
  /** `os/architecture[/variant]` in OCI terms (`linux/amd64`). */
  platform: string;
  /** The engine's version (`ServerVersion`). */
  version: string;
  /**
   * Whether the engine can run `platform` under emulation: true / false when known (a handler
   * for it registered with binfmt_misc on that machine), undefined when it cannot be told from here.
   */
  emulates?: boolean;
}

/**
 * Judges an engine named for `a.platform` from what it says of itself: its own platform is
 * accepted; another platform only when it runs `a.platform` under emulation (or when that cannot
 * be told from here, a remote engine: then its builds fail with "exec format error" if it cannot).
 *
 * @returns a line for progress: the engine, its platform and how it runs `a.platform`
 * @throws InputError when the engine is known not to run `a.platform`
 */
export function judgeEngine(a: EngineAssignment, info: EngineInfo): string {
  const head = `${a.platform} on ${a.host} (Docker ${info.version}, ${info.platform}`;
  if (info.platform === a.platform) return `${head}, native)`;
  if (info.emulates === false) {
    throw new InputError({
      file: given(a),
      message: `the engine is ${info.platform} and cannot run ${a.platform}: no emulation of it is registered (binfmt_misc) on its machine`,
      fix: `name an engine of ${a.platform}, or register QEMU emulation on that machine (bash tools/engine/up.sh --platforms ${a.platform})`,
    });
  }
  return `${head}; ${a.platform} runs there under emulation${info.emulates ? '' : ' (not verifiable from here: a build fails with "exec format error" if it has none)'})`;
}

/**
 * The engine a step for `platform` reaches: the one named for it, else the run's (whose own
 * platform is `run.enginePlatform`).
 */
export function platformEngine(run: Pick<RunContext, 'engine' | 'enginePlatform' | 'platformEngines'>, platform: string): PlatformEngine {
  return run.platformEngines?.get(platform) ?? { engine: run.engine, own: run.enginePlatform };
}

/**
 * The run as one platform's gates see it: its engine (containers) and, for a named engine, its
 * DOCKER_HOST for host-side tests. The rest (files, names, registry) is the run's.
 */
export function runOnEngine(run: RunContext, platform: string): RunContext {
  const pe = run.platformEngines?.get(platform);
  return pe ? { ...run, engine: pe.engine, ...(pe.host ? { dockerHost: pe.host } : {}) } : run;
}
