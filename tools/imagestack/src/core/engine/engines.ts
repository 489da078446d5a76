/**
 * Opens the per-platform engines a run is given (`--engine <platform>=<docker host>`, the
 * decisions in `pipeline/platforms/engines.ts`): for each, a dockerode client on its address
 * (`prepull/engine-host.ts`: unix, tcp with TLS as the Docker CLI, ssh with the agent), asked
 * `GET /info` (Engine API v1.41 "SystemInfo": `OSType`, `Architecture` as `uname -m` prints
 * it, `ServerVersion`) before anything is built, and the run's builder pointed at it (BuildKit:
 * the same Docker CLI with DOCKER_HOST set to the engine's address).
 */
import { existsSync, readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { EngineError } from '../errors';
import type { AuthConfig } from '../ports';
import { unameMachine } from '../platform/platform';
import { parseEngineTarget } from '../prepull/engine-host';
import { judgeEngine, type EngineAssignment, type EngineInfo, type PlatformEngine } from '../pipeline/platforms/engines';
import { BuildkitBuilder } from './buildkit/builder';
import type { BuildkitClient } from './buildkit/detect';
import { lazyDockerEngine, PING_TIMEOUT_MS } from './docker-engine';

/** `uname -m` (what `docker info` calls Architecture) → the OCI platform. */
const OCI_PLATFORM: Record<string, string> = {
  x86_64: 'linux/amd64',
  aarch64: 'linux/arm64',
  arm64: 'linux/arm64',
  armv7l: 'linux/arm/v7',
  armv6l: 'linux/arm/v6',
  i686: 'linux/386',
  i386: 'linux/386',
  ppc64le: 'linux/ppc64le',
  s390x: 'linux/s390x',
  riscv64: 'linux/riscv64',
};

/** The OCI platform of `docker info`'s OSType and Architecture (`linux`, `x86_64` → `linux/amd64`). */
export function infoPlatform(osType: string, architecture: string): string {
  const p = OCI_PLATFORM[architecture];
  return p ? p.replace(/^linux/, osType || 'linux') : `${osType || 'linux'}/${architecture}`;
}

/**
 * Whether this machine runs `platform` under emulation: a binfmt_misc handler `qemu-<uname -m>`
 * registered and enabled (as `tools/engine/up.sh` registers Debian's qemu-user-static).
 */
export function localEmulation(platform: string, binfmtDir = '/proc/sys/fs/binfmt_misc'): boolean {
  const file = `${binfmtDir}/qemu-${unameMachine(platform)}`;
  return existsSync(file) && readFileSync(file, 'utf8').split('\n')[0] === 'enabled';
}

/** An engine on this machine (its binfmt_misc is this machine's): a unix socket, or TCP to the loopback. */
function onThisMachine(host: string): boolean {
  return host.startsWith('unix://') || /^(tcp|http|https):\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:|\/|$)/.test(host);
}

/** Options of {@link openEngines}. */
export interface OpenEnginesOptions {
  /** The run's BuildKit client (the same CLI builds on every engine); absent: the classic builder. */
  buildkit?: BuildkitClient;
  /** The engines' credentials for the stack's registry. */
  auth: AuthConfig;
  /** Receives one line per engine (its platform, version, native or emulated), as each answers. */
  onEngine?: (line: string) => void;
}

/**
 * Opens and checks each engine (see the module comment), all at once.
 *
 * @returns per platform, its engine
 * @throws EngineError naming the address when an engine does not answer within
 *   {@link PING_TIMEOUT_MS}; InputError when one is known not to run its platform (`judgeEngine`)
 */
export async function openEngines(assignments: readonly EngineAssignment[], opts: OpenEnginesOptions): Promise<Map<string, PlatformEngine>> {
  const opened = await Promise.all(
    assignments.map(async (a) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const docker: Docker = new (require('dockerode') as typeof Docker)(parseEngineTarget(a.host).options);
      let answer: { OSType?: string; Architecture?: string; ServerVersion?: string };
      try {
        answer = (await (docker as unknown as { info(o: object): Promise<unknown> }).info({ abortSignal: AbortSignal.timeout(PING_TIMEOUT_MS) })) as typeof answer;
      } catch (e) {
        throw new EngineError(
          `the engine named for ${a.platform} (${a.from} ${a.platform}=${a.host}) does not answer (${(e as Error).message}); nothing was built\n` +
            `  fix: start that engine or correct its address (unix:///path/docker.sock, tcp://host:2375, ssh://user@host, as DOCKER_HOST takes it), or leave ${a.platform} out of ${a.from} to build it on the run's engine`,
        );
      }
      const platform = infoPlatform(answer.OSType ?? 'linux', answer.Architecture ?? '');
      const info: EngineInfo = { platform, version: answer.ServerVersion ?? 'unknown' };
      if (platform !== a.platform && onThisMachine(a.host)) info.emulates = localEmulation(a.platform);
      const line = judgeEngine(a, info);
      opts.onEngine?.(line);
      const builder = opts.buildkit ? new BuildkitBuilder(opts.buildkit, opts.auth, { ...process.env, DOCKER_HOST: a.host }) : undefined;
      return [a.platform, { engine: lazyDockerEngine(docker, builder), own: platform, host: a.host }] as const;
    }),
  );
  return new Map(opened);
}
