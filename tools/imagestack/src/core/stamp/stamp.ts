/**
 * `imagestack stamp`, the I/O shell: resolve one commit's tags to digests (HEAD per tag),
 * then write the lock file and the stamped copies of the JSON files that specs.yml's
 * `stamp:` names, all into the output folder. Nothing is written until every tag has been
 * found and every file stamped in memory; the source tree is only read.
 *
 * Output layout: `<out>/imagestack.lock.json` and `<out>/<version>/<file>` (the file's
 * path relative to the workspace root), one copy per version.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import type { RegistryClient } from '../registry';
import { resolveImages, type ResolvedImage } from '../resolve/resolve';
import { formatLock, makeLock, referenceIn, type LockFile } from './lock';
import { replaceAt } from './pointer';

/** Options of {@link stamp}. */
export interface StampOptions {
  specsFile: string;
  /** Commit whose plan names the tags (default `HEAD`). */
  commit?: string;
  /** Only these versions (default: every version). */
  versions?: string[];
  /** Output folder (default `<root>/dist/imagestack/stamp`). */
  outDir?: string;
  registry?: string;
  namespace?: string;
  client?: RegistryClient;
}

/** One stamped place. */
export interface StampedValue {
  /** Source file, relative to the workspace root. */
  file: string;
  version: string;
  pointer: string;
  image: string;
  /** The copy written (absolute path). */
  output: string;
  /** The value written. */
  value: string;
}

/** What {@link stamp} wrote. */
export interface StampResult {
  commit: string;
  outDir: string;
  /** Absolute path of the lock file. */
  lockFile: string;
  lock: LockFile;
  images: ResolvedImage[];
  stamped: StampedValue[];
}

/** The indentation of a JSON text (its first indented line), default two spaces. */
function indentOf(text: string): string | number {
  const m = /\n([ \t]+)\S/.exec(text);
  return m ? m[1] : 2;
}

/**
 * Writes the lock file and the stamped copies for a commit.
 *
 * @throws InputError listing every tag of the commit missing from the registry (nothing
 *   written), or when the output folder is the workspace root or contains it
 * @throws GitError, RegistryError as {@link resolveImages}
 */
export async function stamp(opts: StampOptions): Promise<StampResult> {
  const { specs, commit, images } = await resolveImages({
    specsFile: opts.specsFile,
    target: { commit: opts.commit ?? 'HEAD' },
    versions: opts.versions,
    registry: opts.registry,
    namespace: opts.namespace,
    client: opts.client,
  });
  const outDir = path.resolve(opts.outDir ?? path.join(specs.root, 'dist/imagestack/stamp'));
  const rel = path.relative(outDir, specs.root);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
    throw new InputError({ file: `--out ${opts.outDir ?? outDir}`, message: 'the output folder is the workspace or contains it: stamping would write over the source tree', fix: 'give a folder outside the sources, e.g. dist/stamp' });
  }
  const lock = makeLock(commit!, specs.registry, specs.namespace, images);
  const byKey = new Map(images.map((i) => [`${i.image}\0${i.version}`, i]));

  // Stamp everything in memory first: copies keyed by output path.
  const copies = new Map<string, { doc: unknown; text: string }>();
  const stamped: StampedValue[] = [];
  for (const s of specs.stamp) {
    const versions = (s.version ? [s.version] : specs.versions.map((v) => v.name)).filter((v) => !opts.versions?.length || opts.versions.includes(v));
    for (const version of versions) {
      const image = byKey.get(`${s.image}\0${version}`);
      if (!image) continue; // the image skips this version (a named version was checked at load)
      const output = path.join(outDir, version, s.file);
      let copy = copies.get(output);
      if (!copy) {
        const text = readFileSync(path.join(specs.root, s.file), 'utf8');
        copy = { doc: JSON.parse(text), text };
        copies.set(output, copy);
      }
      const value = referenceIn(image, s.form);
      copy.doc = replaceAt(copy.doc, s.tokens, value);
      stamped.push({ file: s.file, version, pointer: s.pointer, image: s.image, output, value });
    }
  }

  mkdirSync(outDir, { recursive: true });
  const lockFile = path.join(outDir, 'imagestack.lock.json');
  writeFileSync(lockFile, formatLock(lock));
  for (const [output, { doc, text }] of copies) {
    mkdirSync(path.dirname(output), { recursive: true });
    writeFileSync(output, `${JSON.stringify(doc, null, indentOf(text))}${text.endsWith('\n') ? '\n' : ''}`);
  }
  return { commit: commit!, outDir, lockFile, lock, images, stamped };
}
