/**
 * The test folder as a tar stream for `PUT /containers/{id}/archive` (Docker Engine API
 * v1.41, "Extract an archive of files or folders to a directory in a container"),
 * extracted at `/`. Entries are rooted at the mount path (`imagestack/test/…`), so the
 * parent folders are created with the modes and owner given here.
 *
 * Ownership and modes are set in the headers, not taken from the host: by default every
 * entry is owned by root (0:0), folders are 0755 and files 0644 (0755 when any execute
 * bit is set on the host), so any user can read the tests and none but root can change
 * them. Names are written as PAX `path` records when they are not plain ASCII or longer
 * than ustar allows, so spaces, quotes and non-ASCII names arrive intact. Symbolic links
 * are kept as links; sockets, FIFOs and devices are left out. Streamed file by file.
 */
import { createReadStream, lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { TEST_MOUNT } from './settings';

/** Options of {@link packTestFolder}. */
export interface PackTestFolderOptions {
  /** Absolute path inside the container to place the folder at (default `/imagestack/test`). */
  mount?: string;
  /** Owner uid of every entry (default 0). */
  uid?: number;
  /** Owner gid of every entry (default 0). */
  gid?: number;
}

/** A header as `pack.entry` takes it: `name` and any other field. */
type HeaderArgument = Partial<tar.Header> & Pick<tar.Header, 'name'>;

/** One entry to pack: path relative to the folder (`/`-separated, `''` for the folder itself). */
interface Item {
  rel: string;
  abs: string;
  stat: Stats;
}

/** Lists `folder` depth first, names sorted (byte order), parents before children. */
function walk(folder: string): Item[] {
  const out: Item[] = [];
  const visit = (abs: string, rel: string) => {
    const names = readdirSync(abs).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const childAbs = path.join(abs, name);
      const childRel = rel ? `${rel}/${name}` : name;
      const stat = lstatSync(childAbs);
      out.push({ rel: childRel, abs: childAbs, stat });
      if (stat.isDirectory()) visit(childAbs, childRel);
    }
  };
  visit(folder, '');
  return out;
}

/**
 * Packs `folder` (and the folders of the mount path) as an uncompressed tar stream.
 *
 * @param folder absolute path of the test folder on this machine
 * @returns a readable tar stream; it errors (is destroyed) when a file cannot be read
 * @throws when `folder` cannot be listed (ENOENT, EACCES), before anything is streamed
 */
export function packTestFolder(folder: string, opts: PackTestFolderOptions = {}): Readable {
  const mount = path.posix.normalize(opts.mount ?? TEST_MOUNT).replace(/^\/+|\/+$/g, '');
  if (!mount || mount === '.' || mount.startsWith('..')) throw new Error(`mount path must be a folder below /, got ${opts.mount}`);
  const uid = opts.uid ?? 0;
  const gid = opts.gid ?? 0;
  const items = walk(folder);
  const pack = tar.pack();
  const mtime = new Date();

  const add = async (header: tar.Header | HeaderArgument, file?: string): Promise<void> => {
    let failed: Error | undefined;
    const written = new Promise<void>((resolve, reject) => {
      const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
      if (!file) return;
      sink.on('error', (err: Error) => (failed = err));
      void (async () => {
        try {
          for await (const chunk of createReadStream(file)) {
            if (failed) throw failed;
            if (!sink.write(chunk as Buffer)) await new Promise<void>((r) => sink.once('drain', () => r()));
          }
          sink.end(undefined);
        } catch (err) {
          sink.destroy(err as Error);
          reject(err);
        }
      })();
    });
    await written;
  };

  void (async () => {
    try {
      const parts = mount.split('/');
      for (let i = 1; i <= parts.length; i++) {
        await add({ name: `${parts.slice(0, i).join('/')}/`, type: 'directory', mode: 0o755, uid, gid, mtime });
      }
      for (const { rel, abs, stat } of items) {
        const name = `${mount}/${rel}`;
        const common = { uid, gid, mtime: stat.mtime };
        if (stat.isDirectory()) {
          await add({ ...common, name: `${name}/`, type: 'directory', mode: 0o755 });
        } else if (stat.isSymbolicLink()) {
          await add({ ...common, name, type: 'symlink', linkname: readlinkSync(abs), mode: 0o777 });
        } else if (stat.isFile()) {
          const mode = stat.mode & 0o111 ? 0o755 : 0o644;
          await add({ ...common, name, type: 'file', mode, size: stat.size }, abs);
        }
      }
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  // A Node.js Readable (tar-stream's own streams are streamx streams), for dockerode.
  return Readable.from(pack);
}
