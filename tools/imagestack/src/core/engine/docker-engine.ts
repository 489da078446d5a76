/**
 * The Docker engine as the core's {@link ImageEngine} port: dockerode (Engine API v1.41), the
 * classic builder (`engine/build.ts`), pushes and pulls with retries (`engine/push.ts`). Its
 * `containers` is the dockerode client itself (it has the {@link ContainerEngine} shape).
 *
 * The BuildKit builder (`engine/buildkit/builder.ts`, chosen by `engine/buildkit/detect.ts`)
 * plugs in by giving the constructor that {@link ImageBuilder}: inspect, pull and push stay the
 * engine's.
 */
import type Docker from 'dockerode';
import type { AuthConfig, BuildRequest, ContainerEngine, ImageBuilder, ImageEngine, LocalImage } from '../ports';
import { buildImage } from './build';
import type { StepLog } from './log';
import { ensureLocal, inspectLocal, pushImage } from './push';
import { CancelledError, EngineError } from '../errors';
import { formatReference, parseReference } from '../reference/reference';

/** How long {@link DockerEngine.ping} waits for the engine's answer, in ms. */
export const PING_TIMEOUT_MS = 10_000;

/** {@link ImageEngine} over one dockerode client. */
export class DockerEngine implements ImageEngine {
  readonly #docker: Docker;
  readonly #builder: ImageBuilder;

  /**
   * @param docker the engine client (`new Docker()` reads DOCKER_HOST)
   * @param builder what builds images (default: the engine's classic builder, `POST /build`)
   */
  constructor(docker: Docker, builder?: ImageBuilder) {
    this.#docker = docker;
    this.#builder = builder ?? { build: (req) => buildImage(docker, req) };
  }

  /** The dockerode client, as the gates' container port. */
  get containers(): ContainerEngine {
    return this.#docker;
  }

  /** See {@link ImageBuilder.build}. */
  build(req: BuildRequest): Promise<{ imageId: string }> {
    return this.#builder.build(req);
  }

  /** See {@link ImageEngine.ping}. */
  async ping(): Promise<void> {
    try {
      await this.#docker.ping({ abortSignal: AbortSignal.timeout(PING_TIMEOUT_MS) } as never);
    } catch (e) {
      throw new EngineError(
        `the Docker engine does not answer at ${engineAddress(this.#docker)} (${(e as Error).message}); nothing was built\n` +
          '  fix: start the engine (npm run setup, or bash tools/engine/up.sh; then source /var/lib/imagestack/env), or set DOCKER_HOST to the engine that should build',
      );
    }
  }

  /** See {@link ImageEngine.removeUntagged}. */
  async removeUntagged(imageId: string): Promise<boolean> {
    const info = await inspectLocal(this.#docker, imageId);
    if (!info || (info.RepoTags ?? []).some((t) => t !== '<none>:<none>')) return false;
    try {
      await this.#docker.getImage(imageId).remove({ noprune: false });
      return true;
    } catch {
      return false; // used by a container or a child image: it stays
    }
  }

  /** See {@link ImageEngine.inspectImage}. */
  async inspectImage(reference: string): Promise<LocalImage | undefined> {
    const info = await inspectLocal(this.#docker, reference);
    if (!info) return undefined;
    const parent = (info as { Parent?: string }).Parent || undefined;
    const layers = info.RootFS?.Layers;
    return { id: info.Id, size: info.Size as number | undefined, labels: info.Config?.Labels ?? {}, repoDigests: info.RepoDigests ?? [], parent, ...(layers?.length ? { layers } : {}) };
  }

  /** See {@link ImageEngine.tagImage}. */
  async tagImage(source: string, reference: string): Promise<void> {
    const ref = parseReference(reference);
    if (!ref?.tag) throw new EngineError(`cannot tag ${source} as ${reference}: not a reference with a tag`);
    try {
      await this.#docker.getImage(source).tag({ repo: formatReference({ registry: ref.registry, path: ref.path }), tag: ref.tag });
    } catch (e) {
      throw new EngineError(`cannot tag ${source} as ${reference}: ${(e as Error).message}`);
    }
  }

  /** See {@link ImageEngine.untagImage}. */
  async untagImage(reference: string): Promise<void> {
    try {
      await this.#docker.getImage(reference).remove({ noprune: true });
    } catch {
      // already gone, or in use by a container: the tag stays, nothing else is touched
    }
  }

  /**
   * See {@link ImageEngine.saveImage}: `GET /images/{name}/get` (Engine API v1.41 "ImageGet"),
   * with the signal given to the request (dockerode's `Image.get` takes none).
   */
  async saveImage(image: string, signal?: AbortSignal): Promise<NodeJS.ReadableStream> {
    if (signal?.aborted) throw new CancelledError(`saving ${image}`);
    try {
      return await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
        this.#docker.modem.dial(
          { path: `/images/${image}/get`, method: 'GET', isStream: true, abortSignal: signal, statusCodes: { 200: true, 404: 'no such image', 500: 'server error' } } as never,
          (err: unknown, stream: unknown) => (err ? reject(err) : resolve(stream as NodeJS.ReadableStream)),
        );
      });
    } catch (e) {
      if (signal?.aborted) throw new CancelledError(`saving ${image}`);
      const status = (e as { statusCode?: number }).statusCode;
      throw new EngineError(
        status === 404
          ? `cannot save ${image}: the engine has no such image\n  fix: build or pull it first`
          : `cannot save ${image} (docker save): ${(e as Error).message}`,
      );
    }
  }

  /** See {@link ImageEngine.ensureLocal}. */
  ensureLocal(reference: string, auth: AuthConfig, log: StepLog, signal?: AbortSignal): Promise<boolean> {
    return ensureLocal(this.#docker, reference, auth, log, signal);
  }

  /** See {@link ImageEngine.push}. */
  push(reference: string, auth: AuthConfig, log: StepLog, signal?: AbortSignal): Promise<{ digest: string; size?: number }> {
    return pushImage(this.#docker, reference, auth, log, 4, signal);
  }
}

/**
 * A {@link DockerEngine} whose dockerode client (and the code it loads: ssh2, gRPC, about
 * half of what the CLI would load) is created on first use, so a run that builds nothing
 * starts fast.
 *
 * @param docker the client to use (default: `new Docker()`, which reads DOCKER_HOST)
 * @param builder what builds images (default: the engine's classic builder; BuildKit:
 *   `engine/buildkit/builder.ts`)
 */
export function lazyDockerEngine(docker?: Docker, builder?: ImageBuilder): ImageEngine {
  let engine: DockerEngine | undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const get = (): DockerEngine => (engine ??= new DockerEngine(docker ?? new (require('dockerode') as typeof Docker)(), builder));
  return {
    get containers() {
      return get().containers;
    },
    build: (req) => get().build(req),
    ping: () => get().ping(),
    removeUntagged: (imageId) => get().removeUntagged(imageId),
    tagImage: (source, reference) => get().tagImage(source, reference),
    untagImage: (reference) => get().untagImage(reference),
    inspectImage: (reference) => get().inspectImage(reference),
    ensureLocal: (reference, auth, log, signal) => get().ensureLocal(reference, auth, log, signal),
    push: (reference, auth, log, signal) => get().push(reference, auth, log, signal),
    saveImage: (image, signal) => get().saveImage(image, signal),
  };
}

/** Where a dockerode client connects: `DOCKER_HOST=…` when set, else the socket path or `host:port` it uses. */
function engineAddress(docker: Docker): string {
  const m = docker.modem as unknown as { socketPath?: string; host?: string; port?: string | number; protocol?: string };
  const where = m.socketPath ? `unix://${m.socketPath}` : `${m.protocol ?? 'http'}://${m.host}:${m.port ?? ''}`;
  return process.env.DOCKER_HOST ? `${where} (DOCKER_HOST=${process.env.DOCKER_HOST})` : `${where} (DOCKER_HOST is not set)`;
}
