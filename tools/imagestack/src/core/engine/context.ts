/**
 * The build context as a tar stream, honouring `.dockerignore` the way the Docker CLI does
 * (patterns per https://docs.docker.com/build/concepts/context/#dockerignore-files, matched
 * by `@balena/dockerignore`, a port of the engine's own matcher). The Dockerfile and the
 * `.dockerignore` are always sent. Streamed file by file: memory does not grow with the
 * context size.
 *
 * Labels are appended to the Dockerfile sent (one `LABEL` instruction) instead of being
 * passed as the build's `labels` option, which the classic builder turns into one step per
 * label (about 0.3 s each).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import * as tar from 'tar-fs';

/**
 * Packs `contextDir` as a tar stream.
 *
 * @param contextDir absolute path of the build context
 * @param dockerfile the Dockerfile's path relative to the context (always included)
 * @param labels labels appended to the Dockerfile as one `LABEL` instruction (final stage)
 * @returns a readable tar stream (uncompressed)
 */
export function packContext(contextDir: string, dockerfile = 'Dockerfile', labels: Record<string, string> = {}): Readable {
  const ignoreFile = path.join(contextDir, '.dockerignore');
  const ig = dockerignore({ ignorecase: false });
  if (existsSync(ignoreFile)) ig.add(readFileSync(ignoreFile, 'utf8'));
  const dockerfileName = path.normalize(dockerfile).split(path.sep).join('/');
  const keep = new Set([dockerfileName, '.dockerignore']);
  const entries = Object.entries(labels);
  const rewritten = entries.length
    ? Buffer.from(`${readFileSync(path.join(contextDir, dockerfile), 'utf8').replace(/\s*$/, '\n')}${labelInstruction(labels)}\n`)
    : undefined;
  return tar.pack(contextDir, {
    ignore: (name: string) => {
      const rel = path.relative(contextDir, name).split(path.sep).join('/');
      if (rel === '' || keep.has(rel)) return false;
      return ig.ignores(rel);
    },
    map: (header: tar.Headers) => {
      if (rewritten && header.name === dockerfileName) header.size = rewritten.length;
      return header;
    },
    mapStream: (stream, header) => {
      if (!rewritten || header.name !== dockerfileName) return stream;
      stream.resume(); // drain the file's own content; the rewritten one is sent instead
      // tar-fs only pipes the returned stream: any Readable does (its typings say ReadStream).
      return Readable.from([rewritten]) as unknown as typeof stream;
    },
  }) as unknown as Readable;
}

/**
 * One `LABEL` instruction setting every label, keys and values double-quoted with `\\` and
 * `"` escaped (Dockerfile reference, "LABEL").
 */
export function labelInstruction(labels: Record<string, string>): string {
  const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, ' ')}"`;
  return `LABEL ${Object.entries(labels)
    .map(([k, v]) => `${q(k)}=${q(v)}`)
    .join(' ')}`;
}
