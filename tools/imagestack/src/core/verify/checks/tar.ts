/**
 * A small reader for the tar archives the engine returns from
 * `GET /containers/{id}/archive` (Go's archive/tar: ustar headers, PAX extended headers,
 * GNU long names). Reads entries from a Buffer; no I/O. Enough for one file at a time.
 */

/** One archive entry. */
export interface TarEntry {
  /** Path as stored (PAX `path` / GNU long name / ustar prefix + name). */
  name: string;
  /** `file`, `directory`, `symlink`, `hardlink` or `other`. */
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  /** Link target, for links. */
  linkname: string;
  /** Content (regular files only). */
  data: Buffer;
}

const BLOCK = 512;

function str(buf: Buffer, start: number, len: number): string {
  const raw = buf.subarray(start, start + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8');
}

/** A numeric header field: octal text, or GNU base-256 when the high bit of the first byte is set. */
function num(buf: Buffer, start: number, len: number): number {
  const f = buf.subarray(start, start + len);
  if (f[0] & 0x80) {
    let v = f[0] & 0x7f;
    for (let i = 1; i < f.length; i++) v = v * 256 + f[i];
    return v;
  }
  const t = str(buf, start, len).trim();
  return t === '' ? 0 : parseInt(t, 8);
}

/** PAX records: `<len> <key>=<value>\n` each. */
function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp < 0) break;
    const len = Number(data.toString('utf8', pos, sp));
    if (!Number.isSafeInteger(len) || len <= 0) break;
    const record = data.toString('utf8', sp + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}

/**
 * Every entry of a tar archive, in order.
 * @throws Error when the archive is truncated or a header checksum is wrong
 */
export function readTar(buf: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let pos = 0;
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  while (pos + BLOCK <= buf.length) {
    const h = buf.subarray(pos, pos + BLOCK);
    if (h.every((b) => b === 0)) break;
    const stored = num(h, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
    if (sum !== stored) throw new Error(`tar header checksum mismatch at offset ${pos}`);
    const size = num(h, 124, 12);
    const flag = String.fromCharCode(h[156] || 0x30);
    const dataStart = pos + BLOCK;
    if (dataStart + size > buf.length) throw new Error('tar archive is truncated');
    const data = buf.subarray(dataStart, dataStart + size);
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'x') {
      pax = { ...pax, ...parsePax(data) };
      continue;
    }
    if (flag === 'g') continue;
    if (flag === 'L') {
      longName = str(data, 0, data.length);
      continue;
    }
    if (flag === 'K') {
      longLink = str(data, 0, data.length);
      continue;
    }
    const magic = str(h, 257, 6);
    const prefix = magic.startsWith('ustar') ? str(h, 345, 155) : '';
    const plain = str(h, 0, 100);
    const name = pax.path ?? longName ?? (prefix ? `${prefix}/${plain}` : plain);
    const linkname = pax.linkpath ?? longLink ?? str(h, 157, 100);
    const type = flag === '0' || flag === '7' ? 'file' : flag === '5' ? 'directory' : flag === '2' ? 'symlink' : flag === '1' ? 'hardlink' : 'other';
    entries.push({ name, type, linkname, data: type === 'file' ? Buffer.from(data) : Buffer.alloc(0) });
    pax = {};
    longName = undefined;
    longLink = undefined;
  }
  return entries;
}
