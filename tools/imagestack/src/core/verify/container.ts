/**
 * Running commands in throwaway containers of an image, for the verification gates
 * (package manifest, checks). Every container is labelled {@link RUN_LABEL}` = 1`, runs
 * with no network, and is removed (forced) whatever happens: success, non-zero exit,
 * timeout, engine error or abort (DESIGN.md promise 7).
 *
 * - {@link runInContainer}: one `sh -c <command>` in a fresh container; stdout, stderr, exit code.
 * - `runCommands` (./run-commands.ts): several commands in ONE container, on top of this.
 * - {@link withCreatedContainer}: a created, never started container (for `getArchive`).
 */
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { EngineError } from '../errors';
import type { ContainerEngine, ContainerSpec, EngineContainer } from '../ports';

/** Label set on every container imagestack starts, so leftovers can be counted and pruned. */
export const RUN_LABEL = 'io.imagestack.run';

/** Default time limit of one container run (ms). */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** Default cap of the bytes kept per stream (stdout, stderr): 4 MiB; the rest is dropped. */
export const DEFAULT_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

/** Options of {@link runInContainer} and of `runCommands` (./run-commands.ts). */
export interface ContainerRunOptions {
  /** Kill the container after this many ms (default {@link DEFAULT_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Aborting kills and removes the container; the call then rejects with an EngineError. */
  signal?: AbortSignal;
  /** Bytes kept per stream (default {@link DEFAULT_MAX_OUTPUT_BYTES}); `truncated` tells when more came. */
  maxOutputBytes?: number;
  /** User to run as (`uid[:gid]` or name); default: the image's `USER`. */
  user?: string;
  /** Extra environment, `NAME=value` each. */
  env?: string[];
  /** Extra labels (the {@link RUN_LABEL} label is always set). */
  labels?: Record<string, string>;
}

/** What one container run produced. */
export interface ContainerRunResult {
  /** Standard output, UTF-8 decoded (at most `maxOutputBytes` bytes). */
  stdout: string;
  /** Standard error, UTF-8 decoded (at most `maxOutputBytes` bytes). */
  stderr: string;
  /** The container's exit status (137 when it was killed at the time limit). */
  exitCode: number;
  /** True when the time limit killed the container. */
  timedOut: boolean;
  /** True when stdout or stderr was longer than `maxOutputBytes`. */
  truncated: boolean;
  /** Wall time from create to logs read, in ms. */
  durationMs: number;
}

/** The EngineError thrown when `signal` aborts a run. */
function cancelled(image: string): EngineError {
  return new EngineError(`run in a container of ${image} was cancelled`);
}

/** A sink that keeps the first `max` bytes written to it. */
class Capture extends Writable {
  readonly chunks: Buffer[] = [];
  size = 0;
  truncated = false;
  constructor(readonly max: number) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    const room = this.max - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room > 0) {
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.chunks.push(Buffer.from(part));
      this.size += part.length;
    }
    done();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function statusOf(e: unknown): number | undefined {
  return (e as { statusCode?: number }).statusCode;
}

/**
 * Removes a container (forced, with its anonymous volumes). "No such container" (404) and
 * "removal already in progress" (409) count as done; other failures are retried twice.
 *
 * @throws EngineError when the engine refuses three times
 */
export async function removeContainer(container: EngineContainer): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await container.remove({ force: true, v: true });
      return;
    } catch (e) {
      const status = statusOf(e);
      if (status === 404 || status === 409) return;
      if (attempt >= 3) throw new EngineError(`could not remove container ${container.id.slice(0, 12)}: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
  }
}

function createOptions(image: string, cmd: string[], opts: ContainerRunOptions): ContainerSpec {
  return {
    Image: image,
    Cmd: cmd,
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(opts.user !== undefined ? { User: opts.user } : {}),
    ...(opts.env?.length ? { Env: opts.env } : {}),
    Labels: { ...(opts.labels ?? {}), [RUN_LABEL]: '1' },
    HostConfig: { AutoRemove: false, NetworkMode: 'none' },
  };
}

/**
 * Creates a container of `image` (never started; command `true`), passes it to `fn`, and
 * removes it afterwards, also when `fn` throws. For reading files with `getArchive`.
 *
 * @throws EngineError when the container cannot be created (e.g. no such image) or removed
 */
export async function withCreatedContainer<T>(
  docker: ContainerEngine,
  image: string,
  fn: (container: EngineContainer) => Promise<T>,
  opts: Pick<ContainerRunOptions, 'labels' | 'signal'> = {},
): Promise<T> {
  if (opts.signal?.aborted) throw cancelled(image);
  let container: EngineContainer | undefined;
  try {
    try {
      container = await docker.createContainer(createOptions(image, ['true'], opts));
    } catch (e) {
      throw new EngineError(`could not create a container of ${image}: ${(e as Error).message}`);
    }
    if (opts.signal?.aborted) throw cancelled(image);
    return await fn(container);
  } finally {
    if (container) await removeContainer(container);
  }
}

/**
 * Runs `sh -c <command>` in a fresh container of `image` (no network, the image's
 * entrypoint, user and working directory) and collects its output and exit code. The
 * container is killed at the time limit and always removed.
 *
 * @param image an image ID (`sha256:…`) or reference present in the engine
 * @returns the output; a non-zero exit or a timeout is a result, not an error
 * @throws EngineError when the engine fails (no such image, create/start refused), or
 *   when `opts.signal` aborts (the container is killed and removed first)
 */
export async function runInContainer(
  docker: ContainerEngine,
  image: string,
  command: string,
  opts: ContainerRunOptions = {},
): Promise<ContainerRunResult> {
  const { signal } = opts;
  if (signal?.aborted) throw cancelled(image);
  const t0 = performance.now();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const max = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  let container: EngineContainer | undefined;
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const kill = () => {
    void container?.kill().catch(() => undefined);
  };
  try {
    try {
      container = await docker.createContainer(createOptions(image, ['sh', '-c', command], opts));
    } catch (e) {
      throw new EngineError(`could not create a container of ${image}: ${(e as Error).message}`);
    }
    if (signal?.aborted) throw cancelled(image);
    signal?.addEventListener('abort', kill, { once: true });
    try {
      await container.start();
    } catch (e) {
      if (signal?.aborted) throw cancelled(image);
      throw new EngineError(`could not start a container of ${image}: ${(e as Error).message}`);
    }
    // An abort that came while start() was in flight found nothing running to kill.
    if (signal?.aborted) kill();
    timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    let exitCode: number;
    try {
      exitCode = (await container.wait()).StatusCode;
    } catch (e) {
      if (signal?.aborted) throw cancelled(image);
      throw new EngineError(`waiting for a container of ${image} failed: ${(e as Error).message}`);
    }
    clearTimeout(timer);
    if (signal?.aborted) throw cancelled(image);
    const out = new Capture(max);
    const err = new Capture(max);
    try {
      const logs = await container.logs({ follow: true, stdout: true, stderr: true });
      docker.modem.demuxStream(logs, out, err);
      await finished(logs as never);
    } catch (e) {
      throw new EngineError(`reading the output of a container of ${image} failed: ${(e as Error).message}`);
    }
    return {
      stdout: out.text(),
      stderr: err.text(),
      exitCode,
      timedOut,
      truncated: out.truncated || err.truncated,
      durationMs: Math.round(performance.now() - t0),
    };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', kill);
    if (container) await removeContainer(container);
  }
}
