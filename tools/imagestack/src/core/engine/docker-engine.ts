/**
 * The Docker engine as the core's {@link ImageEngine} port: dockerode (Engine API v1.41), the
 * classic builder (`engine/build.ts`), pushes and pulls with retries (`engine/push.ts`). Its
 * `containers` is the dockerode client itself (it has the {@link ContainerEngine} shape).
 *
 * A second builder (BuildKit, per-platform builds) plugs in by giving the constructor another
 * {@link ImageBuilder}: inspect, pull and push stay the engine's.
 */
import type Docker from 'dockerode';
import type { AuthConfig, BuildRequest, ContainerEngine, ImageBuilder, ImageEngine, LocalImage } from '../ports';
import { buildImage } from './build';
import type { StepLog } from './log';
import { ensureLocal, inspectLocal, pushImage } from './push';

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

  /** See {@link ImageEngine.inspectImage}. */
  async inspectImage(reference: string): Promise<LocalImage | undefined> {
    const info = await inspectLocal(this.#docker, reference);
    if (!info) return undefined;
    return { id: info.Id, size: info.Size as number | undefined, labels: info.Config?.Labels ?? {}, repoDigests: info.RepoDigests ?? [] };
  }

  /** See {@link ImageEngine.ensureLocal}. */
  ensureLocal(reference: string, auth: AuthConfig, log: StepLog): Promise<boolean> {
    return ensureLocal(this.#docker, reference, auth, log);
  }

  /** See {@link ImageEngine.push}. */
  push(reference: string, auth: AuthConfig, log: StepLog): Promise<{ digest: string; size?: number }> {
    return pushImage(this.#docker, reference, auth, log);
  }
}

/**
 * A {@link DockerEngine} whose dockerode client (and the code it loads: ssh2, gRPC, about
 * half of what the CLI would load) is created on first use, so a run that builds nothing
 * starts fast.
 *
 * @param docker the client to use (default: `new Docker()`, which reads DOCKER_HOST)
 */
export function lazyDockerEngine(docker?: Docker): ImageEngine {
  let engine: DockerEngine | undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const get = (): DockerEngine => (engine ??= new DockerEngine(docker ?? new (require('dockerode') as typeof Docker)()));
  return {
    get containers() {
      return get().containers;
    },
    build: (req) => get().build(req),
    inspectImage: (reference) => get().inspectImage(reference),
    ensureLocal: (reference, auth, log) => get().ensureLocal(reference, auth, log),
    push: (reference, auth, log) => get().push(reference, auth, log),
  };
}
