/**
 * Reading files out of an image without running it: a created (never started)
 * container, `GET /containers/{id}/archive?path=…` (what `docker cp` does), the tar
 * parsed in memory, the container removed. Symbolic links are followed inside the image.
 */
import * as posix from 'node:path/posix';
import { EngineError } from '../../errors';
import type { ContainerEngine, EngineContainer } from '../../ports';
import { withCreatedContainer } from '../container';
import { readTar } from './tar';

/** Largest file read (bytes); a larger one is an error. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** Symbolic links followed at most per file. */
const MAX_LINKS = 16;

/** The outcome for one path: its content, or why there is none. */
export type ReadFileResult = { ok: true; data: Buffer } | { ok: false; reason: string };

async function archiveOf(container: EngineContainer, file: string): Promise<Buffer | undefined> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await container.getArchive({ path: file })) as unknown as NodeJS.ReadableStream;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw new EngineError(`reading ${file} from a container failed: ${(e as Error).message}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FILE_BYTES + 64 * 1024) throw new EngineError(`${file} is larger than ${MAX_FILE_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Reads one path through an existing container, following symbolic links. */
async function readOne(container: EngineContainer, file: string): Promise<ReadFileResult> {
  let current = posix.normalize(file);
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    const tar = await archiveOf(container, current);
    if (!tar) return { ok: false, reason: hops ? `no such file: ${current} (link target of ${file})` : `no such file: ${file}` };
    const entry = (await readTar(tar))[0];
    if (!entry) return { ok: false, reason: `the engine returned an empty archive for ${current}` };
    if (entry.type === 'file') return { ok: true, data: entry.data };
    if (entry.type === 'directory') return { ok: false, reason: `${current} is a directory` };
    if (entry.type === 'symlink') {
      current = posix.resolve(posix.dirname(current), entry.linkname);
      continue;
    }
    return { ok: false, reason: `${current} is not a regular file` };
  }
  return { ok: false, reason: `too many levels of symbolic links at ${file}` };
}

/**
 * Reads files from `image` (an image ID or reference in the engine), all through one
 * created container that is removed afterwards.
 *
 * @param files absolute paths in the image
 * @returns per path: the content, or the reason it could not be read (missing, directory…)
 * @throws EngineError when the engine fails (no such image, archive endpoint error), or
 *   when `signal` aborts
 */
export async function readFilesFromImage(
  docker: ContainerEngine,
  image: string,
  files: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, ReadFileResult>> {
  const out = new Map<string, ReadFileResult>();
  if (files.length === 0) return out;
  return withCreatedContainer(
    docker,
    image,
    async (container) => {
      for (const f of files) {
        if (signal?.aborted) throw new EngineError(`reading files from ${image} was cancelled`);
        if (!out.has(f)) out.set(f, await readOne(container, f));
      }
      return out;
    },
    { signal },
  );
}
