/**
 * Measure 5, build overhead: what imagestack adds to the engine's own build, and whether it
 * streams the build context.
 *
 *   - one ordinary image (a small context copied in, then a `RUN` of fixed work: 2 s of
 *     sleep and 32 MB written), built by `imagestack build --no-push` and by `docker build`
 *     of the same context on the same engine (classic builder for both: `DOCKER_BUILDKIT=0`,
 *     which is what the engine's `POST /build` that imagestack calls runs);
 *   - a 200 MB context of 20,000 files (19,990 of 1–8 KB, 10 of 11 MB), sent whole to the
 *     engine (which unpacks it) but only two of its files copied into the image, so the time
 *     is the context's transfer rather than a 200 MB layer commit; built the same two ways,
 *     with the peak RSS of the imagestack process.
 *
 * Equal cache state: every build gets a fresh nonce in a `RUN` before the work, so neither
 * side is ever answered from the builder's cache; the two alternate (and take turns going
 * first) so that load on the machine and the engine's clean-up of the previous build hit both
 * alike.
 *
 * imagestack's figure for the goal is its `build` step as it records it in report.json
 * (packing and streaming the context, POST /build, reading the log, tagging, and the one
 * `LABEL` step it appends for the OCI labels), against `docker build`'s wall time (which
 * also includes starting the docker CLI). The whole CLI run — planning from git, the build,
 * the package-manifest container — is reported beside it for reference.
 *
 * The big context is git-ignored in the workspace (only its Dockerfile is committed, so the
 * tag is a commit's tag): imagestack packs the folder from disk as it would any context.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { runNode } from '../lib/proc.mjs';
import { must, removeImages } from './support/proc.mjs';
import { commitAll, git } from './support/sleep-stack.mjs';
import { median, round } from '../lib/context.mjs';

export const name = 'build-overhead';
export const order = 5;

const GOAL = 1.05;
const MB = 1024 * 1024;

export async function run(ctx) {
  const registry = ctx.env.IMAGESTACK_REGISTRY ?? '127.0.0.1:5000';
  const prefix = `bench-build-${randomBytes(3).toString('hex')}`;
  const dockerEnv = { ...ctx.env, DOCKER_BUILDKIT: '0' };
  const ws = path.join(ctx.tmp, 'ws');
  mkdirSync(ws, { recursive: true });
  git(ws, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(ws, '.gitignore'), 'out/\nimages/big/data/\n');
  writeFileSync(
    path.join(ws, 'specs.yml'),
    `# build-overhead benchmark (tools/bench/measures/build-overhead.mjs)\nregistry: ${registry}\nnamespace: ${prefix}\nversions:\n  "bench": {}\nimages:\n  small: {}\n  big: {}\n`,
  );

  // The small context: 40 source files of 1–16 KB.
  const small = path.join(ws, 'images/small');
  mkdirSync(path.join(small, 'src'), { recursive: true });
  for (let i = 0; i < 40; i++) writeFileSync(path.join(small, 'src', `f${i}.txt`), randomBytes(1024 * (1 + (i % 16))).toString('base64'));
  // The big context: 20,000 files, 200 MB (git-ignored; see above).
  const big = path.join(ws, 'images/big');
  const contextBytes = writeBigContext(path.join(big, 'data'), ctx.quick);
  const setDockerfiles = (nonce, label = '') => {
    writeFileSync(path.join(small, 'Dockerfile'), `FROM debian:bookworm-slim\nCOPY src /src\nRUN echo ${nonce} > /nonce && sleep 2 && head -c 33554432 /dev/urandom > /blob\n${label}`);
    // Only two files are copied into the image: the time is the context's transfer, not a 200 MB layer commit.
    writeFileSync(path.join(big, 'Dockerfile'), `FROM debian:bookworm-slim\nRUN echo ${nonce} > /nonce\nCOPY data/large0.bin data/d0/f0.bin /data/\n`);
  };

  let serial = 0;
  const samples = { small: { docker: [], labelled: [], step: [], cli: [], rss: [] }, big: { docker: [], step: [], cli: [], rss: [] } };
  const docker = async (image, labelled = false) => {
    const nonce = `${prefix}-${++serial}`;
    setDockerfiles(nonce, labelled ? `${LABEL_LINE}\n` : '');
    const r = await must('docker', ['build', '-q', '-t', `${registry}/${prefix}/${image}:docker-${serial}`, path.join(ws, 'images', image)], { env: dockerEnv });
    samples[image][labelled ? 'labelled' : 'docker'].push(r.ms);
  };
  const imagestack = async (image) => {
    const nonce = `${prefix}-${++serial}`;
    setDockerfiles(nonce);
    commitAll(ws, nonce);
    const out = path.join(ws, 'out', String(serial));
    // The classic builder, as the docker side (BuildKit is imagestack's default where the engine
    // has it: its context transfer sends only the files the COPY steps name, so the big row would
    // no longer time the context's transfer).
    const r = await runNode([ctx.cli, 'build', '--no-push', '--builder', 'classic', '--output', out, image], { cwd: ws, env: { ...ctx.env, IMAGESTACK_NAMESPACE: prefix } });
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    const entry = report.images.find((i) => i.image === image);
    if (entry?.durations?.build === undefined) throw new Error(`imagestack did not build ${image}:\n${r.stdout.slice(-1500)}`);
    samples[image].step.push(entry.durations.build);
    samples[image].cli.push(r.ms);
    samples[image].rss.push(r.rssBytes);
  };

  try {
    const pairs = { small: ctx.quick ? 1 : 3, big: ctx.quick ? 1 : 2 };
    for (const image of ['small', 'big']) {
      for (let i = 0; i < pairs[image]; i++) {
        // Alternate who goes first: the engine may still be cleaning up after the previous build.
        if (i % 2 === 0) {
          await docker(image);
          await imagestack(image);
        } else {
          await imagestack(image);
          await docker(image);
        }
        if (image === 'small') await docker(image, true);
        await removeImages(ctx.env, `${registry}/${prefix}/`);
      }
      const s = samples[image];
      ctx.log(
        `${image}: docker build ${fmt(median(s.docker))}, imagestack build step ${fmt(median(s.step))} ` +
          `(${(median(s.step) / median(s.docker)).toFixed(3)}×), whole CLI run ${fmt(median(s.cli))}, peak RSS ${(median(s.rss) / MB).toFixed(0)} MB`,
      );
    }

    const rows = [];
    const label = { small: 'one image (small context, RUN of 2 s + 32 MB)', big: `${(contextBytes / MB).toFixed(0)} MB context, ${FILES(ctx.quick)} files` };
    for (const image of ['small', 'big']) {
      const s = samples[image];
      const ratio = median(s.step) / median(s.docker);
      rows.push({
        name: 'build-overhead',
        metric: `${label[image]} — imagestack build step (report.json) vs docker build, same context, no cache`,
        unit: 'ms',
        value: Math.round(median(s.step)),
        min: Math.round(Math.min(...s.step)),
        max: Math.round(Math.max(...s.step)),
        runs: s.step.length,
        baseline: Math.round(median(s.docker)),
        baselineName: 'docker build (classic builder)',
        ratio: round(ratio),
        goal: `≤ ${GOAL}`,
        met: ratio <= GOAL,
      });
      rows.push({
        name: 'build-overhead',
        metric: `${label[image]}, whole CLI run — imagestack build --no-push wall (plan + build + package manifest) vs docker build`,
        unit: 'ms',
        value: Math.round(median(s.cli)),
        min: Math.round(Math.min(...s.cli)),
        max: Math.round(Math.max(...s.cli)),
        runs: s.cli.length,
        baseline: Math.round(median(s.docker)),
        baselineName: 'docker build (classic builder)',
        ratio: round(median(s.cli) / median(s.docker)),
        goal: null,
        met: null,
      });
    }
    // Where the difference goes: docker build of the same Dockerfile with the one LABEL step imagestack appends.
    const l = samples.small.labelled;
    rows.push({
      name: 'build-overhead',
      metric: `${label.small}, docker build with imagestack's LABEL step — docker build of the same Dockerfile + one LABEL instruction with 9 labels (what imagestack sends) vs plain docker build`,
      unit: 'ms',
      value: Math.round(median(l)),
      min: Math.round(Math.min(...l)),
      max: Math.round(Math.max(...l)),
      runs: l.length,
      baseline: Math.round(median(samples.small.docker)),
      baselineName: 'docker build (classic builder)',
      ratio: round(median(l) / median(samples.small.docker)),
      goal: null,
      met: null,
    });
    // Streamed, not buffered: buffering would add the whole context (≥ 100%) to the peak RSS.
    // What a streamed pack adds is garbage awaiting collection: small files are read whole
    // (one buffer each), and V8 frees those buffers in batches. It does not grow with the
    // context: packing alone peaks at 113 MB for 461 MB of large files, 150 MB for 20,000
    // small files (100 MB). The threshold, 50% of the context, separates the two cases; it
    // was 25% before core/engine/context.ts read small files whole (+37 MB peak).
    const grow = median(samples.big.rss) - median(samples.small.rss);
    rows.push({
      name: 'build-overhead',
      metric: `peak RSS with the ${(contextBytes / MB).toFixed(0)} MB context — peak RSS of the imagestack process (getrusage maxRSS)`,
      unit: 'MB',
      value: round(median(samples.big.rss) / MB, 1),
      min: round(Math.min(...samples.big.rss) / MB, 1),
      max: round(Math.max(...samples.big.rss) / MB, 1),
      runs: samples.big.rss.length,
      baseline: round(median(samples.small.rss) / MB, 1),
      baselineName: 'peak RSS building the small image',
      ratio: round(median(samples.big.rss) / median(samples.small.rss)),
      goal: `grows by < 50% of the context (${((0.5 * contextBytes) / MB).toFixed(0)} MB)`,
      met: grow < 0.5 * contextBytes,
    });
    return rows;
  } finally {
    await removeImages(ctx.env, `${registry}/${prefix}/`);
    rmSync(path.join(big, 'data'), { recursive: true, force: true }); // 200 MB: not left in the temp folder
  }
}

/** A LABEL instruction shaped like the one imagestack appends (context.ts labelInstruction: OCI annotations). */
const LABEL_LINE = `LABEL ${[
  ['org.opencontainers.image.title', 'small'],
  ['org.opencontainers.image.revision', '0123456789abcdef0123456789abcdef01234567'],
  ['org.opencontainers.image.created', '2026-11-21T07:00:00.000Z'],
  ['org.opencontainers.image.version', 'bench-0123456'],
  ['org.opencontainers.image.base.name', 'debian:bookworm-slim'],
  ['org.opencontainers.image.base.digest', 'sha256:0000000000000000000000000000000000000000000000000000000000000000'],
  ['org.opencontainers.image.source', 'https://example.invalid/bench'],
  ['io.imagestack.image', 'small'],
  ['io.imagestack.version', 'bench'],
]
  .map(([k, v]) => `"${k}"="${v}"`)
  .join(' ')}`;

const FILES = (quick) => (quick ? 5_000 : 20_000);

/**
 * Writes the big context: `FILES − 10` small files (1–8 KB, in 100 folders) and 10 large
 * ones, about 200 MB in all (50 MB in a quick run). Contents are random (incompressible).
 *
 * @returns the total size in bytes
 */
function writeBigContext(dir, quick) {
  const files = FILES(quick);
  const large = quick ? 4 * MB : 11 * MB;
  let total = 0;
  for (let i = 0; i < files - 10; i++) {
    const sub = path.join(dir, `d${i % 100}`);
    if (i < 100) mkdirSync(sub, { recursive: true });
    const size = 1024 * (1 + (i % 8));
    writeFileSync(path.join(sub, `f${i}.bin`), randomBytes(size));
    total += size;
  }
  for (let i = 0; i < 10; i++) {
    writeFileSync(path.join(dir, `large${i}.bin`), randomBytes(large));
    total += large;
  }
  return total;
}



const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
