/**
 * Reading the tar archives the engine returns from `GET /containers/{id}/archive` (Go's
 * archive/tar: ustar headers, PAX extended headers, GNU long names) with `tar-stream`,
 * which handles those formats and checks header checksums. From a Buffer; no I/O.
 */
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';

/** One archive entry. */
export interface TarEntry {
  /** Path as stored (PAX `path` / GNU long name / ustar prefix + name). */
  name: string;
  /** `file`, `directory`, `symlink`, `hardlink` or `other`. */
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  /** Link target, for links (`''` otherwise). */
  linkname: string;
  /** Content (regular files only; empty otherwise). */
  data: Buffer;
}

const TYPES: Record<string, TarEntry['type']> = { file: 'file', 'contiguous-file': 'file', directory: 'directory', symlink: 'symlink', link: 'hardlink' };

/**
 * Every entry of a tar archive, in order.
 * @throws Error when the archive is truncated or a header is corrupt (its checksum does not match)
 */
export async function readTar(buf: Buffer): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const ex = extract();
  Readable.from([buf]).pipe(ex);
  try {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const type = TYPES[entry.header.type ?? ''] ?? 'other';
      entries.push({ name: entry.header.name, type, linkname: entry.header.linkname ?? '', data: type === 'file' ? Buffer.concat(chunks) : Buffer.alloc(0) });
    }
  } catch (e) {
    const message = (e as Error).message;
    if (/invalid tar header/i.test(message)) throw new Error(`tar header checksum mismatch or corrupt header: ${message}`);
    throw new Error(/unexpected end of data/i.test(message) ? 'tar archive is truncated' : `tar archive is unreadable: ${message}`);
  }
  return entries;
}
