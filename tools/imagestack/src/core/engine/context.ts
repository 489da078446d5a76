/**
 * The build context as a tar stream, honouring `.dockerignore` the way the Docker CLI does
 * (patterns per https://docs.docker.com/build/concepts/context/#dockerignore-files, matched
 * by `@balena/dockerignore`, a port of the engine's own matcher). The Dockerfile and the
 * `.dockerignore` are always sent. Streamed file by file: memory does not grow with the
 * context size.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import * as tar from 'tar-fs';

/**
 * Packs `contextDir` as a tar stream.
 *
 * @param contextDir absolute path of the build context
 * @param dockerfile the Dockerfile's path relative to the context (always included)
 * @returns a readable tar stream (uncompressed)
 */
export function packContext(contextDir: string, dockerfile = 'Dockerfile'): Readable {
  const ignoreFile = path.join(contextDir, '.dockerignore');
  const ig = dockerignore({ ignorecase: false });
  if (existsSync(ignoreFile)) ig.add(readFileSync(ignoreFile, 'utf8'));
  const keep = new Set([path.normalize(dockerfile), '.dockerignore']);
  return tar.pack(contextDir, {
    ignore: (name: string) => {
      const rel = path.relative(contextDir, name).split(path.sep).join('/');
      if (rel === '' || keep.has(rel)) return false;
      return ig.ignores(rel);
    },
  }) as unknown as Readable;
}
