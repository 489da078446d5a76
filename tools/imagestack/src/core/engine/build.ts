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
  const context = packContext(req.contextDir, req.dockerfile, req.labels);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
      t: req.reference,
      dockerfile: req.dockerfile,
      buildargs: req.buildArgs,
      rm: true,
      forcerm: true, // remove intermediate containers even when a step fails (promise 7)
      pull: false,
      abortSignal: req.signal,
    } as Docker.ImageBuildOptions);
  } catch (e) {
    throw new EngineError(`build of ${req.reference} could not start: ${(e as Error).message}`, req.log.tail());
  }
  const onAbort = () => (stream as unknown as { destroy(): void }).destroy();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await readProgress(stream as never, (m) => {
      if (m.stream) {
        req.log.write(m.stream);
        const step = /^Step \d+\/\d+ : .*/.exec(m.stream.trim());
        if (step) req.onStep?.(step[0]);
      } else if (m.status) {
        req.log.line(`${m.id ? `${m.id}: ` : ''}${m.status}`);
      }
      if (m.error) req.log.line(`error: ${m.errorDetail?.message ?? m.error}`);
    });
  } catch (e) {
    const why = req.signal?.aborted ? 'was cancelled' : `failed: ${(e as Error).message}`;
    throw new EngineError(`build of ${req.reference} ${why}`, req.log.tail());
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
  }
  // The classic builder reports one aux ID per stage; the image is the one now tagged.
  const imageId = ((await docker.getImage(req.reference).inspect()) as { Id: string }).Id;
  return { imageId };
}
