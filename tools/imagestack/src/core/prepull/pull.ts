/**
 * Pre-pulling on one engine: for each image, in plan order (parents first, so shared
 * layers are fetched once), check presence by digest, else pull `repository@digest` and
 * tag it `repository:tag`. Pulling by digest means every engine gets the same content even
 * if the tag moves meanwhile; the local tag makes `docker run repository:tag` use it.
 * Engine API: `GET /_ping`, `GET /images/{name}/json`, `POST /images/create`,
 * `POST /images/{name}/tag` (Engine API v1.41).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import Docker from 'dockerode';
import { CancelledError } from '../errors';
import type { AuthConfig } from '../engine/push';
import type { ProgressMessage } from '../engine/stream';
import { readProgress } from '../engine/stream';
import type { ResolvedImage } from '../resolve/resolve';
import { formatAge } from '../util/duration';
import type { EngineTarget } from './engine-host';
import { formatPlatform } from '../platform/platform';
import type { PrepullEvent, PullResult } from './types';

/** Options of {@link prepullEngine}. */
export interface EngineOptions {
  /** Registry credentials for the engine (`X-Registry-Auth`), from `dockerAuthConfig`. */
  auth: AuthConfig;
  /** Time allowed for the whole engine, ms; what is not done by then fails as "timed out". */
  timeoutMs: number;
  /** Aborting cancels the pulls under way (the engine stops a pull when its request closes). */
  signal?: AbortSignal;
  onEvent?: (e: PrepullEvent) => void;
  /** The client to use (default: a new dockerode client from `target.options`). */
  docker?: Docker;
  /**
   * The platform to pull of a multi-platform tag, `os/architecture[/variant]`; absent: the
   * engine's own (the engine picks it from the index). A local image of another platform
   * under the digest is not "present".
   */
  platform?: string;
}

/** Rejects as soon as `signal` aborts, with the abort reason. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function message(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim();
}

/** Id of `ref` in the engine, or undefined when it has none (or, with `platform`, none of that platform). */
async function localId(docker: Docker, ref: string, signal: AbortSignal, platform?: string): Promise<string | undefined> {
  try {
    const info = (await abortable(docker.getImage(ref).inspect(), signal)) as { Id: string; Os?: string; Architecture?: string; Variant?: string };
    if (platform && formatPlatform({ os: info.Os ?? '', architecture: info.Architecture ?? '', variant: info.Variant }) !== platform) return undefined;
    return info.Id;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

/**
 * Pre-pulls `images` on one engine. Never throws: an unreachable engine, a failed pull or
 * the timeout become `failed` results with the reason, so one node never stops the others.
 *
 * @returns one result per image, in the order given
 */
export async function prepullEngine(target: EngineTarget, images: readonly ResolvedImage[], opts: EngineOptions): Promise<PullResult[]> {
  const emit = opts.onEvent ?? (() => {});
  const controller = new AbortController();
  const timeout = new Error(`timed out after ${formatAge(opts.timeoutMs)}`);
  const timer = setTimeout(() => controller.abort(timeout), opts.timeoutMs);
  const onCancel = () => controller.abort(new CancelledError());
  opts.signal?.addEventListener('abort', onCancel, { once: true });
  const signal = controller.signal;
  // Our own agent, destroyed on timeout or cancel: that ends every request under way on this
  // engine (dockerode cannot abort an inspect), so a frozen daemon leaves no open socket
  // behind. (Over ssh, docker-modem uses its own agent: a frozen node there is given up on
  // at the timeout, but its connection stays until the ssh layer drops it.)
  const agent = target.options.protocol === 'https' ? new https.Agent() : new http.Agent();
  const onAbort = () => agent.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  const docker = opts.docker ?? new Docker({ ...target.options, agent } as Docker.DockerOptions);
  const results: PullResult[] = [];
  const fail = (img: ResolvedImage, reason: string, ms = 0): PullResult => ({
    engine: target.name,
    image: img.image,
    version: img.version,
    tag: img.tag,
    reference: img.reference,
    status: 'failed',
    reason,
    bytes: 0,
    ms,
  });
  try {
    try {
      await abortable(docker.ping(), signal);
      emit({ type: 'engine', engine: target.name, state: 'up' });
    } catch (e) {
      const reason = signal.aborted ? message(signal.reason) : `engine unreachable: ${message(e)}`;
      emit({ type: 'engine', engine: target.name, state: 'down', detail: reason });
      for (const img of images) {
        const r = fail(img, reason);
        results.push(r);
        emit({ type: 'done', engine: target.name, result: r });
      }
      return results;
    }
    for (const [i, img] of images.entries()) {
      const t0 = Date.now();
      emit({ type: 'start', engine: target.name, image: img, index: i + 1, total: images.length });
      let r: PullResult;
      try {
        r = await pullOne(docker, target.name, img, opts.auth, opts.platform, signal, (bytes) =>
          emit({ type: 'progress', engine: target.name, image: img, bytes, elapsedMs: Date.now() - t0 }),
        );
      } catch (e) {
        r = fail(img, signal.aborted ? message(signal.reason) : message(e), Date.now() - t0);
      }
      results.push(r);
      emit({ type: 'done', engine: target.name, result: r });
    }
    return results;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onCancel);
    signal.removeEventListener('abort', onAbort);
    agent.destroy();
  }
}

async function pullOne(
  docker: Docker,
  engine: string,
  img: ResolvedImage,
  auth: AuthConfig,
  platform: string | undefined,
  signal: AbortSignal,
  onBytes: (bytes: number) => void,
): Promise<PullResult> {
  const t0 = Date.now();
  const byDigest = `${img.repository}@${img.digest}`;
  const byTag = `${img.repository}:${img.tag}`;
  let id = await localId(docker, byDigest, signal, platform);
  let bytes = 0;
  const status = id ? 'present' : 'pulled';
  if (!id) {
    const stream = (await abortable(docker.pull(byDigest, { authconfig: auth, abortSignal: signal, ...(platform ? { platform } : {}) } as never), signal)) as NodeJS.ReadableStream;
    // Bytes per layer: the largest `current` seen while downloading, the total once complete.
    const layers = new Map<string, { current: number; total: number }>();
    let last = 0;
    const onMessage = (m: ProgressMessage & { progressDetail?: { current?: number; total?: number } }) => {
      if (!m.id) return;
      const l = layers.get(m.id) ?? { current: 0, total: 0 };
      if (m.status === 'Downloading' && m.progressDetail?.current) {
        l.current = Math.max(l.current, m.progressDetail.current);
        l.total = m.progressDetail.total ?? l.total;
      } else if (m.status === 'Download complete') {
        l.current = Math.max(l.current, l.total);
      }
      layers.set(m.id, l);
      bytes = [...layers.values()].reduce((a, b) => a + b.current, 0);
      if (Date.now() - last > 500) {
        last = Date.now();
        onBytes(bytes);
      }
    };
    await abortable(readProgress(stream as never, onMessage), signal).catch((e) => {
      (stream as unknown as { destroy?: () => void }).destroy?.();
      throw e;
    });
    id = await localId(docker, byDigest, signal, platform);
    if (!id) throw new Error(`the engine reported the pull done but has no ${byDigest}${platform ? ` for ${platform}` : ''}`);
  }
  // The tag for people and `docker run`: point it at the pulled content (moving it if it named older content).
  if ((await localId(docker, byTag, signal)) !== id) {
    await abortable(docker.getImage(byDigest).tag({ repo: img.repository, tag: img.tag }), signal);
  }
  return { engine, image: img.image, version: img.version, tag: img.tag, reference: img.reference, status, bytes, ms: Date.now() - t0 };
}
