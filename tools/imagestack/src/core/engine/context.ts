/**
 * The build context as a tar stream, honouring `.dockerignore` the way the Docker CLI does
 * (patterns per https://docs.docker.com/build/concepts/context/#dockerignore-files, matched
 * by `@balena/dockerignore`, a port of the engine's own matcher). The Dockerfile and the
 * `.dockerignore` are always sent. Streamed file by file: memory does not grow with the
 * context size.
 *
 * Labels are appended to the Dockerfile sent (one `LABEL` instruction) instead of being
 * passed as the build's `labels` option, which the classic builder turns into one step per
 * label (about 0.3 s each). It stays the build's last step: the image before it is the same in
 * every version built from the same inputs, and children are built on that one
 * (pipeline/steps/layers.ts), so per-version labels do not break cache sharing.
 *
 * For contexts of many files, tar-fs alone costs about 3× the CPU of the Docker CLI's own
 * sender (20,000 files, 200 MB: ~9 s against ~3.5 s; tools/bench/measures/build-overhead.mjs):
 * four thread-pool round trips per file (lstat, open, read, close), one file after the other,
 * and one socket write per tar header and per file. {@link contextFs} makes the metadata calls
 * synchronous and reads small files whole, and the stream is written in 256 KiB pieces.
 */
import * as fs from 'node:fs';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pipeline, Readable, Transform } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import * as tar from 'tar-fs';
import { EngineError } from '../errors';

/**
 * Packs `contextDir` as a tar stream.
 *
 * @param contextDir absolute path of the build context
 * @param dockerfile the Dockerfile's path relative to the context (always included)
 * @param labels labels appended to the Dockerfile as one `LABEL` instruction (final stage)
 * @param exclude folders relative to the context that are not sent (the contexts of variants
 *   inside this one, see graph/contexts.ts), `/`-separated
 * @returns a readable tar stream (uncompressed)
 */
export function packContext(
  contextDir: string,
  dockerfile = 'Dockerfile',
  labels: Record<string, string> = {},
  exclude: readonly string[] = [],
): Readable {
  const ignored = contextFilter(contextDir, dockerfile, exclude);
  const dockerfileName = path.normalize(dockerfile).split(path.sep).join('/');
  const entries = Object.entries(labels);
  const rewritten = entries.length
    ? Buffer.from(`${readFileSync(path.join(contextDir, dockerfile), 'utf8').replace(/\s*$/, '\n')}${labelInstruction(labels)}\n`)
    : undefined;
  const packed = tar.pack(contextDir, {
    fs: contextFs,
    ignore: ignored,
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
  } as tar.PackOptions) as unknown as Readable;
  const out = coalesce(PIECE);
  pipeline(packed, out, () => undefined); // an error of the pack destroys `out` with it
  return out;
}

/**
 * The context's `.dockerignore` and the `exclude` folders as a predicate on absolute paths:
 * true for a path the engine is not sent. The Dockerfile and the `.dockerignore` are never
 * ignored. An ignored folder is not walked into (as tar-fs and the Docker CLI do).
 */
function contextFilter(contextDir: string, dockerfile: string, exclude: readonly string[] = []): (name: string) => boolean {
  const ignoreFile = path.join(contextDir, '.dockerignore');
  const ig = dockerignore({ ignorecase: false });
  if (existsSync(ignoreFile)) ig.add(readFileSync(ignoreFile, 'utf8'));
  const keep = new Set([path.normalize(dockerfile).split(path.sep).join('/'), '.dockerignore']);
  return (name: string) => {
    const rel = path.relative(contextDir, name).split(path.sep).join('/');
    if (rel === '' || keep.has(rel)) return false;
    if (exclude.some((x) => rel === x || rel.startsWith(`${x}/`))) return true;
    return ig.ignores(rel);
  };
}

/** What a file is when it is one a build context cannot hold (a tar of the context cannot carry it), else undefined. */
export function specialKind(st: fs.Stats | fs.Dirent): string | undefined {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isCharacterDevice()) return 'a character device';
  return undefined;
}

/** A special file found in a build context by {@link specialFiles}. */
export interface SpecialFile {
  /** Path relative to the context, `/`-separated. */
  path: string;
  /** What it is, e.g. `a FIFO (named pipe)` (see {@link specialKind}). */
  kind: string;
}

/**
 * The FIFOs, sockets and device files of a build context that {@link packContext} would
 * meet: the same walk with the same `.dockerignore` rules (ignored folders are not entered;
 * symbolic links are not followed). Synchronous; reads only directory entries. A context
 * folder that does not exist has none (the build reports it).
 *
 * @param contextDir absolute path of the build context
 * @param dockerfile the Dockerfile's path relative to the context
 * @param exclude folders relative to the context that are not sent (as for {@link packContext})
 * @returns the special files in walk order
 */
export function specialFiles(contextDir: string, dockerfile = 'Dockerfile', exclude: readonly string[] = []): SpecialFile[] {
  const ignored = contextFilter(contextDir, dockerfile, exclude);
  const found: SpecialFile[] = [];
  const queue = [contextDir];
  while (queue.length) {
    const dir = queue.shift()!;
    let list: fs.Dirent[];
    try {
      list = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
      throw e;
    }
    for (const d of list) {
      const abs = path.join(dir, d.name);
      if (ignored(abs)) continue;
      if (d.isDirectory()) queue.push(abs);
      const kind = specialKind(d);
      if (kind) found.push({ path: path.relative(contextDir, abs).split(path.sep).join('/'), kind });
    }
  }
  return found;
}

/** Bytes per piece written to the engine, and the largest file read in one call. */
const PIECE = 256 * 1024;

/**
 * The file-system calls tar-fs's `pack` makes (its `fs` option): `lstat`, `stat` and
 * `readdir` done synchronously (microseconds each; the callback still runs on the next
 * tick), files up to {@link PIECE} read whole in one call, larger ones streamed in pieces of
 * that size. Memory stays bounded: tar-fs asks for one file at a time and waits until the
 * pack stream has taken it, and the pack stream waits for the engine.
 */
const contextFs = {
  lstat: (p: string, cb: (err: Error | null, st?: fs.Stats) => void) => settle(() => notSpecial(p, fs.lstatSync(p)), cb),
  stat: (p: string, cb: (err: Error | null, st?: fs.Stats) => void) => settle(() => fs.statSync(p), cb),
  readdir: (p: string, cb: (err: Error | null, names?: string[]) => void) => settle(() => fs.readdirSync(p), cb),
  readlink: fs.readlink,
  createReadStream(p: string, opts: { start?: number; end?: number }): Readable {
    const size = opts?.end !== undefined ? opts.end - (opts.start ?? 0) + 1 : Infinity;
    if (size > PIECE) return fs.createReadStream(p, { ...opts, highWaterMark: PIECE });
    try {
      return Readable.from([fs.readFileSync(p)], { objectMode: false });
    } catch (e) {
      const failed = new Readable({ read() {} });
      process.nextTick(() => failed.destroy(e as Error));
      return failed;
    }
  },
};

/**
 * `st`, or an EngineError naming `p` when it is a FIFO, socket or device file (tar-fs would
 * fail with "unsupported type", or drop a socket silently). The pipeline refuses such
 * contexts before any build (pipeline/contexts.ts); this is the last line.
 */
function notSpecial(p: string, st: fs.Stats): fs.Stats {
  const kind = specialKind(st);
  if (kind) throw new EngineError(`${p} is ${kind}, which a build context cannot hold\n  fix: remove it, or add it to the context's .dockerignore`);
  return st;
}

/** Calls `cb(null, fn())` or `cb(error)` on the next tick (callback APIs must not call back synchronously). */
function settle<T>(fn: () => T, cb: (err: Error | null, value?: T) => void): void {
  let value: T;
  try {
    value = fn();
  } catch (e) {
    process.nextTick(cb, e as Error);
    return;
  }
  process.nextTick(cb, null, value);
}

/** A pass-through stream that joins small chunks into pieces of at least `size` bytes. */
function coalesce(size: number): Transform {
  let parts: Buffer[] = [];
  let length = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      parts.push(chunk);
      length += chunk.length;
      if (length < size) return done();
      const piece = Buffer.concat(parts, length);
      parts = [];
      length = 0;
      done(null, piece);
    },
    flush(done) {
      done(null, length ? Buffer.concat(parts, length) : undefined);
    },
  });
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
