/**
 * Building one image with the engine's build endpoint (`POST /build`, Engine API v1.41)
 * through dockerode: the context is streamed as a tar, the log goes to a {@link StepLog},
 * and the step in progress (`Step 3/7 : RUN …`) is reported as it changes.
 */
import type Docker from 'dockerode';
import { EngineError } from '../errors';
import { packContext } from './context';
import type { BuildRequest } from '../ports';
import { readProgress } from './stream';

export type { BuildRequest } from '../ports';

/**
 * Builds the image and tags it `req.reference`.
 *
 * @returns the image ID (`sha256:…`)
 * @throws EngineError with the last lines of the log when the build fails or is aborted
 */
export async function buildImage(docker: Docker, req: BuildRequest): Promise<{ imageId: string }> {
  const context = packContext(req.contextDir, req.dockerfile, req.labels, req.exclude);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
      t: req.reference,
      dockerfile: req.dockerfile,
      buildargs: req.buildArgs,
      rm: true,
      forcerm: true, // remove intermediate containers even when a step fails (promise 7)
      pull: false,
      ...(req.noCache ? { nocache: true } : {}),
      ...(req.platform ? { platform: req.platform } : {}),
      abortSignal: req.signal,
    } as Docker.ImageBuildOptions);
  } catch (e) {
    throw new EngineError(`build of ${req.reference} could not start: ${(e as Error).message}`, req.log.tail());
  }
  const onAbort = () => (stream as unknown as { destroy(): void }).destroy();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  const made = new StepImages();
  try {
    await readProgress(stream as never, (m) => {
      if (m.stream) {
        req.log.write(m.stream);
        made.read(m.stream);
        const step = /^Step \d+\/\d+ : .*/.exec(m.stream.trim());
        if (step) req.onStep?.(step[0]);
      } else if (m.status) {
        req.log.line(`${m.id ? `${m.id}: ` : ''}${m.status}`);
      }
      if (m.error) req.log.line(`error: ${m.errorDetail?.message ?? m.error}`);
    });
  } catch (e) {
    const why = req.signal?.aborted ? 'was cancelled' : `failed: ${(e as Error).message}`;
    // A cancelled build's step images are throwaway; a failed build's stay as the cache of the retry.
    if (req.signal?.aborted) await removeStepImages(docker, made.created, req.log);
    throw new EngineError(`build of ${req.reference} ${why}`, req.log.tail());
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
  }
  // The image this build made (`Successfully built <id>`), not whatever the reference names
  // now: a concurrent run may have tagged its own build of the same reference meanwhile.
  const imageId = ((await docker.getImage(made.final ?? req.reference).inspect()) as { Id: string }).Id;
  return { imageId };
}

/**
 * The step images of a classic-builder log (`Step n/m : …`, ` ---> Running in <container>`,
 * ` ---> <image>`): `created` are the ones this build committed (a step that ran a
 * container), never a cached step's or the base image's; `final` is `Successfully built <id>`.
 */
class StepImages {
  readonly created: string[] = [];
  final?: string;
  #ran = false;
  read(text: string): void {
    for (const line of text.split('\n')) {
      if (/^Step \d+\/\d+ : /.test(line)) this.#ran = false;
      else if (/^ ---> Running in [0-9a-f]+/.test(line)) this.#ran = true;
      const id = /^ ---> ([0-9a-f]{12,64})\s*$/.exec(line)?.[1];
      if (id && this.#ran) this.created.push(id);
      const done = /^Successfully built ([0-9a-f]{12,64})/.exec(line)?.[1];
      if (done) this.final = done;
    }
  }
}

/**
 * Removes the step images a cancelled build committed (newest first, untagged ones only,
 * keeping their parents: DESIGN.md promise 7, "no throwaway image left behind"). The engine
 * stops the step's container a moment after the build's connection closed, and an image
 * under a container cannot be removed: each removal is retried for up to `waitMs` (ms).
 * One still in use then (a concurrent build's cache, a container) stays, and the log says so.
 */
async function removeStepImages(docker: Docker, ids: readonly string[], log: BuildRequest['log'], waitMs = 15_000): Promise<void> {
  const until = Date.now() + waitMs;
  for (const id of [...ids].reverse()) {
    for (;;) {
      try {
        const info = (await docker.getImage(id).inspect()) as { RepoTags?: string[] };
        if ((info.RepoTags ?? []).some((t) => t !== '<none>:<none>')) break;
        await docker.getImage(id).remove({ noprune: true });
        log.line(`removed step image ${id} of the cancelled build`);
        break;
      } catch (e) {
        const status = (e as { statusCode?: number }).statusCode;
        if (status === 404) break;
        if (status !== 409 || Date.now() > until) {
          log.line(`could not remove step image ${id} of the cancelled build: ${(e as Error).message}`);
          break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
}
