/**
 * The ports: what the core needs from the outside world, as small interfaces (the shape of
 * radiofrance/dib's `pkg/types`: the core depends on an interface, the real client is one
 * implementation, a unit test passes a small recording fake).
 *
 * - {@link ImageEngine}: the engine's image side as the pipeline uses it (inspect, build,
 *   pull, push). `core/engine/docker-engine.ts` ({@link DockerEngine}) implements it with
 *   dockerode and the classic builder.
 * - {@link ContainerEngine}: the engine's container side as the gates use it (create a
 *   container, start/wait/kill/remove it, copy files in and out, read its output), in
 *   dockerode's own shape so that a dockerode `Docker` is one implementation as it is.
 * - {@link RegistryReader} / {@link RegistryWriter} / {@link RegistryCredentials}: the
 *   registry operations, each a `Pick` of {@link RegistryClient} (as `ci/markers.ts` does).
 * - {@link Clock}: the wall clock and a monotonic clock, for created labels, forced tags
 *   and step durations.
 * - The workspace root is the folder of specs.yml (`Specs.root`), and the caller's working
 *   directory a plain path passed in (`RunOptions.cwd`): the core never reads `process.cwd()`.
 *
 * Where a second builder plugs in: a BuildKit builder (or per-platform builds) is another
 * implementation of {@link ImageBuilder} (`build`), combined with the same inspect/pull/push
 * into an {@link ImageEngine}; the scheduler and the per-image steps (`core/pipeline/`) only
 * see the port and need no change.
 */
import type { Readable, Writable } from 'node:stream';
import type { StepLog } from './engine/log';
import type { RegistryClient } from './registry/client';

/** Engine auth config (`X-Registry-Auth`), as made by `dockerAuthConfig`; undefined: none. */
export type AuthConfig = { username?: string; password?: string; serveraddress: string; identitytoken?: string } | undefined;

/** What the engine knows of a local image. */
export interface LocalImage {
  /** Image ID (`sha256:…`, the digest of the image's config): never a registry digest. */
  id: string;
  /** Size in bytes. */
  size?: number;
  /** The image's labels (`Config.Labels`). */
  labels: Record<string, string>;
  /** `<qualified repository>@<registry digest>` for each registry it was pushed to or pulled from. */
  repoDigests: string[];
  /**
   * Image ID of the local image it was built on (`Parent`: the classic builder's image of the
   * step before the last); undefined for pulled and loaded images and BuildKit's.
   */
  parent?: string;
  /**
   * The image's layers, bottom first: the diff IDs of its config's `rootfs` (`RootFS.Layers`;
   * OCI image-spec "config.md", `rootfs.diff_ids`). Two images that differ only in their
   * configuration (labels) have the same list.
   */
  layers?: string[];
}

/** What to build: one image, tagged with one reference. */
export interface BuildRequest {
  /** Absolute path of the build context. */
  contextDir: string;
  /** Dockerfile path relative to the context. */
  dockerfile: string;
  /** Folders relative to the context that are not sent: the contexts of variants inside it (graph/contexts.ts). */
  exclude?: readonly string[];
  /** The reference to tag the result with, `<registry>/<namespace>/<image>:<tag>`. */
  reference: string;
  buildArgs: Record<string, string>;
  /** Labels of the image (set by one `LABEL` appended to the Dockerfile sent, see packContext). */
  labels: Record<string, string>;
  log: StepLog;
  /** Called with the current step, e.g. `Step 3/7 : RUN apt-get update`. */
  onStep?: (step: string) => void;
  /** Aborting closes the connection; the engine cancels the build and removes its containers. */
  signal?: AbortSignal;
  /**
   * Build secrets (BuildKit only), each an id and the source of its value: an environment
   * variable of this process or an absolute file path. Never written into the image or a log.
   */
  secrets?: Array<{ id: string; env?: string; file?: string }>;
  /**
   * References whose layers the build may re-use as cache (BuildKit only, `--cache-from`;
   * images pushed with inline cache metadata): the image's previous tags and its parents' tags.
   */
  cacheFrom?: string[];
  /**
   * The platform to build for, `os/architecture[/variant]` (`linux/arm64`); absent: the engine's
   * own. The classic builder sends it as the Engine API's `platform` build parameter (v1.41
   * "ImageBuild"; API ≥ 1.38), a BuildKit builder as `--platform`. The image's config then says
   * the base's architecture: the base given in the build args must be that platform's image
   * (e.g. `repository@<digest of that platform's image manifest>`, or a per-platform local tag),
   * because the classic builder takes a local tag as it is, whatever its platform. A foreign
   * platform runs its `RUN` steps under QEMU emulation (tools/engine/up.sh --platforms).
   */
  platform?: string;
  /**
   * Build every step again, using no layer cache (default false): the classic builder sends
   * the Engine API's `nocache` build parameter (v1.41 "ImageBuild"), a BuildKit builder
   * `--no-cache` (and no `--cache-from`). `refresh --packages` rebuilds root images so, to see
   * the OS packages an unchanged Dockerfile installs today.
   */
  noCache?: boolean;
}

/** Builds images. The classic builder (`engine/build.ts`) is one; BuildKit (`engine/buildkit/builder.ts`) another. */
export interface ImageBuilder {
  /**
   * Builds the image and tags it `req.reference`.
   * @returns the image ID (`sha256:…`)
   * @throws EngineError with the log tail when the build fails or is aborted
   */
  build(req: BuildRequest): Promise<{ imageId: string }>;
}

/** The engine's image side, as the pipeline uses it. */
export interface ImageEngine extends ImageBuilder {
  /**
   * Checks that the engine answers (`GET /_ping`), before a run starts any image.
   * @throws EngineError naming the address tried (DOCKER_HOST or the socket path) and the fix
   */
  ping(): Promise<void>;
  /** The local image under `reference` (a reference or an image ID), or undefined when there is none. */
  inspectImage(reference: string): Promise<LocalImage | undefined>;
  /**
   * Makes sure `reference` is local, pulling it when it is not.
   * @param signal aborting ends the pull request at once (the engine then stops the pull)
   * @returns true when it had to be pulled
   * @throws EngineError when the pull fails or is aborted
   */
  ensureLocal(reference: string, auth: AuthConfig, log: StepLog, signal?: AbortSignal): Promise<boolean>;
  /**
   * Pushes `reference` (local) to its registry.
   * @param signal aborting ends the push request at once (the engine then stops the push), with no retry
   * @returns the registry digest of the image manifest and its size in bytes
   * @throws EngineError with the log tail when the push fails for good or is aborted
   */
  push(reference: string, auth: AuthConfig, log: StepLog, signal?: AbortSignal): Promise<{ digest: string; size?: number }>;
  /**
   * Removes the image `imageId` (an image ID this run built) when no tag names it any more
   * (a build that lost its tag to a concurrent run's build), with the untagged step images
   * under it that nothing else uses (as `docker rmi` does); an image with a tag is kept.
   * Never throws: an image that cannot be removed (tagged, used by a container or a child) stays.
   * @returns true when it was removed
   */
  removeUntagged(imageId: string): Promise<boolean>;
  /**
   * Tags the local image `source` (an image ID or a reference) also as `reference`
   * (`<repository>:<tag>`), as `docker tag` does, moving the tag if it named another image.
   * Used for build-time tags only: the unlabelled parent a child builds on
   * (`steps/layers.ts`), and a parent the Dockerfile spells another way (`references:` in
   * specs.yml, `steps/aliases.ts`), found by the build without a pull.
   * @throws EngineError when the engine refuses (no such image, a bad reference)
   */
  tagImage(source: string, reference: string): Promise<void>;
  /**
   * Removes the tag `reference`, never another tag nor an image a child image or another tag
   * still keeps (`docker rmi --no-prune`). Never throws: a tag already gone is fine.
   */
  untagImage(reference: string): Promise<void>;
  /**
   * The image `image` (an image ID or a reference) as `docker save` makes it (Engine API v1.41
   * "ImageGet"): an uncompressed tar holding `manifest.json`, the image config JSON and each
   * layer's `layer.tar`, streamed (never held in memory). Read by `RegistryClient.pushImage`.
   * @param signal aborting ends the request and the stream with an error
   * @throws EngineError when the engine has no such image or refuses
   */
  saveImage(image: string, signal?: AbortSignal): Promise<NodeJS.ReadableStream>;
  /** The container side, handed to the gates. */
  readonly containers: ContainerEngine;
}

/** Options of {@link ContainerEngine.createContainer} (Engine API v1.41 "ContainerCreate", the fields used). */
export interface ContainerSpec {
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  User?: string;
  Env?: string[];
  Labels?: Record<string, string>;
  Tty?: boolean;
  OpenStdin?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  NetworkDisabled?: boolean;
  HostConfig?: Record<string, unknown>;
}

/** One container, in dockerode's shape (`Docker.Container` is one). */
export interface EngineContainer {
  readonly id: string;
  start(): Promise<unknown>;
  /** Resolves when the container stops, with its exit status. */
  wait(): Promise<{ StatusCode: number }>;
  kill(): Promise<unknown>;
  /** `force` kills it first when running; `v` removes its anonymous volumes. */
  remove(opts: { force: boolean; v: boolean }): Promise<unknown>;
  inspect(): Promise<{ State?: { OOMKilled?: boolean } }>;
  /** The multiplexed stdout/stderr stream (see {@link ContainerEngine.modem}). */
  logs(opts: { follow: true; stdout: boolean; stderr: boolean }): Promise<NodeJS.ReadableStream>;
  attach(opts: { stream: boolean; stdout: boolean; stderr: boolean }): Promise<NodeJS.ReadWriteStream>;
  /** Extracts a tar at `opts.path` in the container. */
  putArchive(tar: Readable | NodeJS.ReadableStream, opts: { path: string }): Promise<unknown>;
  /** A tar of `opts.path` (rejects with `statusCode` 404 when there is no such path). */
  getArchive(opts: { path: string }): Promise<NodeJS.ReadableStream>;
}

/** The engine's container side (and the few image calls the gates make), in dockerode's shape (`Docker` is one). */
export interface ContainerEngine {
  createContainer(spec: ContainerSpec): Promise<EngineContainer>;
  /**
   * Containers matching `opts.filters` (Engine API v1.41 "ContainerList", e.g.
   * `{ ancestor: ['sha256:…'] }`: made from that image or an image built on it); `all`
   * includes stopped ones. `Created` is in seconds since the epoch.
   */
  listContainers(opts: { all?: boolean; filters?: Record<string, string[]> }): Promise<Array<{ Id: string; Created: number; Labels?: Record<string, string> }>>;
  /** A container by ID, for removal (`force` kills it first; `v` removes its anonymous volumes). */
  getContainer(id: string): { remove(opts: { force: boolean; v: boolean }): Promise<unknown> };
  getImage(reference: string): {
    /** Engine API "ImageInspect": `Os`/`Architecture`/`Variant` are the image config's platform (`Variant` absent on older engines). */
    inspect(): Promise<{ Id: string; Created?: string; Size?: number; Config?: { User?: string }; Os?: string; Architecture?: string; Variant?: string }>;
    history(): Promise<unknown[]>;
    remove(): Promise<unknown>;
  };
  /** Pulls `reference`; resolves with the engine's JSON-lines progress stream. */
  pull(reference: string, opts: Record<string, unknown>): Promise<NodeJS.ReadableStream>;
  modem: {
    /** Splits a multiplexed container stream (8-byte frame headers) into stdout and stderr. */
    demuxStream(stream: NodeJS.ReadableStream, stdout: Writable | NodeJS.WritableStream, stderr: Writable | NodeJS.WritableStream): void;
  };
}

/** Registry reads: tags, image manifests, image configs. */
export type RegistryReader = Pick<RegistryClient, 'registry' | 'headManifest' | 'getManifest' | 'listTags' | 'getImageConfig'>;

/**
 * Registry writes: image manifests, tags, and the blobs of small records (promotion history);
 * pushes of whole images under a tag go through the engine ({@link ImageEngine.push}); one
 * platform's image of a multi-platform image is pushed by digest, without a tag, by `pushImage`
 * (from {@link ImageEngine.saveImage}'s archive).
 */
export type RegistryWriter = Pick<RegistryClient, 'putManifest' | 'deleteTag' | 'pushBlob' | 'pushImage'>;

/** The credentials the run resolved for its registry (handed to the engine for pulls and pushes). */
export type RegistryCredentials = Pick<RegistryClient, 'registry' | 'credentials'>;

/** Time. */
export interface Clock {
  /** The wall clock. */
  now(): Date;
  /** A monotonic clock in ms, for durations. */
  monotonic(): number;
}

/** The real clocks: `Date` and `performance.now()`. */
export const systemClock: Clock = {
  now: () => new Date(),
  monotonic: () => performance.now(),
};
