/**
 * Generated workspaces, cached by (N, M, seed, generator version) so repeated bench runs
 * reuse them. Cache folder: $IMAGESTACK_BENCH_CACHE, default <os tmpdir>/imagestack-bench-cache.
 * Each entry is `<cache>/n<N>-m<M>-s<seed>-g<version>/` with `repo/` (the git repository)
 * and `meta.json` (`{ images, commits, seed, head, counts, stats, dag: [{name, parents}] }`),
 * written last, so an entry without meta.json is incomplete and is made again.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dagStats, parentsOf } from './dag.mjs';
import { GENERATOR_VERSION, generateRepo } from './generate.mjs';

/** The cache folder (see the module comment). */
export function cacheDir() {
  return process.env.IMAGESTACK_BENCH_CACHE || path.join(os.tmpdir(), 'imagestack-bench-cache');
}

/**
 * A generated workspace for (images, commits, seed): from the cache, or generated now.
 * @param {{ images: number, commits: number, seed?: number, log?: (msg: string) => void }} o
 * @returns {{ repo: string, meta: object, cached: boolean, ms: number }} repo = absolute path
 *   of the working tree; ms = generation time (0 when cached)
 */
export function generatedWorkspace({ images, commits, seed = 1, log = () => {} }) {
  const dir = path.join(cacheDir(), `n${images}-m${commits}-s${seed}-g${GENERATOR_VERSION}`);
  const metaFile = path.join(dir, 'meta.json');
  if (existsSync(metaFile)) return { repo: path.join(dir, 'repo'), meta: JSON.parse(readFileSync(metaFile, 'utf8')), cached: true, ms: 0 };
  log(`generating ${images} images × ${commits} commits (seed ${seed}) into ${dir}`);
  const t0 = performance.now();
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const { dag, counts, head } = generateRepo({ images, commits, seed, out: path.join(tmp, 'repo') });
  const meta = {
    images,
    commits,
    seed,
    generatorVersion: GENERATOR_VERSION,
    head,
    counts,
    stats: dagStats(dag),
    dag: dag.map((img) => ({ name: img.name, parents: parentsOf(img).map((p) => dag[p].name) })),
  };
  writeFileSync(path.join(tmp, 'meta.json'), `${JSON.stringify(meta)}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  const ms = performance.now() - t0;
  log(`generated ${images} × ${commits} in ${(ms / 1000).toFixed(1)} s`);
  return { repo: path.join(dir, 'repo'), meta, cached: false, ms };
}
