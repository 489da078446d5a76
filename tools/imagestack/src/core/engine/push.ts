/**
 * Pushing and pulling one reference through the engine (`POST /images/{name}/push`,
 * `POST /images/create`), with retries and exponential backoff on failures that look
 * transient (network, 5xx, 429).
 */
import type Docker from 'dockerode';
import { CancelledError, EngineError } from '../errors';
import { formatReference, parseReference } from '../reference/reference';
import type { AuthConfig } from '../ports';
import type { StepLog } from './log';
import { readProgress } from './stream';

export type { AuthConfig } from '../ports';

const TRANSIENT = /\b(5\d\d|429|timeout|timed out|connection reset|connection refused|EOF|unexpected EOF|temporar|TLS handshake|i\/o timeout|broken pipe)\b/i;

const AUTH_REFUSAL = /\b(denied|unauthorized|authentication required|no basic auth credentials|insufficient_scope)\b/i;

/**
 * What to do when the engine reports that the registry refused it (`denied: requested access
 * to the resource is denied`, `unauthorized: authentication required`, …): which credentials
 * the engine was given (the account name only) and how to give others. `''` for other errors.
 */
export function authAdvice(message: string, repository: string, auth: AuthConfig, action: 'push' | 'pull'): string {
  if (!AUTH_REFUSAL.test(message)) return '';
  // The registry as the engine reads it (Docker's rule, core/reference): a first component that looks like a host, else Docker Hub.
  const parsed = parseReference(repository);
  const registry = parsed?.registry ?? 'docker.io';
  const name = parsed?.path ?? repository;
  const how = `set IMAGESTACK_REGISTRY_USERNAME/PASSWORD or docker login ${registry}`;
  if (!auth) return ` (the engine had no credentials for ${registry}: ${how})`;
  const who = auth.username ? `account ${auth.username}` : 'the token given';
  return ` (the registry refused the ${action} with ${who}: check that it may ${action} ${name}, or ${how})`;
}

/**
 * Splits a reference into its repository (with the registry host, as written when the
 * reference names one) and its tag (`latest` when it names none), with {@link parseReference}.
 *
 * @throws EngineError when `reference` is not a valid reference
 */
export function splitTag(reference: string): { repository: string; tag: string } {
  const ref = parseReference(reference);
  if (!ref) throw new EngineError(`not a valid image reference: ${reference}`);
  return { repository: formatReference({ registry: ref.registry, path: ref.path }), tag: ref.tag ?? 'latest' };
}

/**
 * Pushes `reference` (`repo:tag`, present in the engine) to its registry.
 *
 * @param attempts total tries for transient failures (default 4), backoff 1 s, 2 s, 4 s
 * @returns the manifest digest and size (bytes) the engine reported
 * @throws EngineError with the log tail when the push fails for good
 */
export async function pushImage(
  docker: Docker,
  reference: string,
  auth: AuthConfig,
  log: StepLog,
  attempts = 4,
  signal?: AbortSignal,
): Promise<{ digest: string; size?: number }> {
  const { repository, tag } = splitTag(reference);
  for (let attempt = 1; ; attempt++) {
    try {
      if (signal?.aborted) throw new CancelledError();
      const stream = (await docker.getImage(repository).push({ tag, authconfig: auth, abortSignal: signal } as never)) as unknown as NodeJS.ReadableStream;
      const aux = await untilAborted(stream, signal, () =>
        readProgress(stream as never, (m) => {
          if (m.status && !m.progress) log.line(`${m.id ? `${m.id}: ` : ''}${m.status}`);
          if (m.error) log.line(`error: ${m.errorDetail?.message ?? m.error}`);
        }),
      );
      const result = aux.find((a) => typeof a.Digest === 'string');
      if (!result) throw new Error('the engine reported no digest for the push');
      return { digest: result.Digest as string, size: result.Size as number | undefined };
    } catch (e) {
      const message = signal?.aborted ? 'cancelled' : (e as Error).message;
      if (attempt >= attempts || signal?.aborted || !TRANSIENT.test(message)) {
        throw new EngineError(`push of ${reference} failed: ${message}${authAdvice(message, repository, auth, 'push')}`, log.tail());
      }
      const delay = 1000 * 2 ** (attempt - 1);
      log.line(`push failed (${message}); retry ${attempt}/${attempts - 1} in ${delay} ms`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/**
 * Makes sure `reference` is in the engine, pulling it when it is not.
 *
 * @returns true when it had to be pulled
 * @throws EngineError when the pull fails
 */
export async function ensureLocal(docker: Docker, reference: string, auth: AuthConfig, log: StepLog, signal?: AbortSignal): Promise<boolean> {
  try {
    await docker.getImage(reference).inspect();
    return false;
  } catch {
    /* not local: pull */
  }
  log.line(`pulling ${reference}`);
  try {
    if (signal?.aborted) throw new CancelledError();
    const stream = (await docker.pull(reference, { authconfig: auth, abortSignal: signal } as never)) as unknown as NodeJS.ReadableStream;
    await untilAborted(stream, signal, () =>
      readProgress(stream as never, (m) => {
        if (m.status && !m.progress) log.line(`${m.id ? `${m.id}: ` : ''}${m.status}`);
      }),
    );
    return true;
  } catch (e) {
    const message = signal?.aborted ? 'cancelled' : (e as Error).message;
    throw new EngineError(`pull of ${reference} failed: ${message}${authAdvice(message, splitTag(reference).repository, auth, 'pull')}`, log.tail());
  }
}

/**
 * Runs `read` (which reads `stream` to its end); aborting `signal` destroys the stream, so
 * `read` rejects at once instead of waiting for an engine that waits for a stalled registry.
 */
async function untilAborted<T>(stream: NodeJS.ReadableStream, signal: AbortSignal | undefined, read: () => Promise<T>): Promise<T> {
  const onAbort = () => (stream as unknown as { destroy(e?: Error): void }).destroy(new CancelledError());
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await read();
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The image's local metadata, or undefined when the engine does not have it. */
export async function inspectLocal(docker: Docker, reference: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(reference).inspect();
  } catch {
    return undefined;
  }
}
