/**
 * Measure 4, promote: moving `<version>-stable` to one commit's tags for the whole example
 * stack (every image of the newest version in specs.yml), three ways, through a counting
 * proxy in front of the registry (time, and bytes on the wire each way):
 *
 *   - `imagestack promote --version V --commit SHA`: a retag in the registry (manifest GET
 *     and PUT, no layers);
 *   - `docker pull` + `docker tag` + `docker push` per image, on a cold engine (a second
 *     dockerd with an empty data root, support/cold-engine.mjs), so the pull really
 *     downloads every layer, as on a fresh CI runner; a tag that is an image index (the
 *     example's multi-platform bash and bash-assert) the way Docker's CLI moves one: each
 *     platform's image pulled by digest, tagged and pushed, then `docker manifest create` +
 *     `docker manifest push` of the stable tag over them;
 *   - `skopeo copy --all docker://…:<tag> docker://…:<V>-stable` per image (Debian's skopeo,
 *     installed by this measure when missing; `--all`: an index with every platform's image).
 *
 * Goals: promote at least 20× faster than pull/tag/push; bytes sent at most 2× the image
 * manifests' own size — read as the request bodies imagestack sends (manifests PUT, the
 * promotion record) against the manifests of the stable tags it moved (`<V>-stable` and, for
 * the newest version, the global `stable`: 2 per image); the bytes on the wire with request
 * lines and headers are a second row, without a goal. Every run starts from a fresh copy of the stack's tags in a new
 * namespace (blobs mounted across repositories, untimed), so no method finds the stable
 * tag already moved.
 *
 * Until `imagestack promote` exists in this checkout, its rows say "promote not available"
 * (met: null) and only the baselines are measured.
 */
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startColdEngine } from './support/cold-engine.mjs';
import { startCountingProxy } from './support/counting-proxy.mjs';
import { must, quiet, run as exec } from './support/proc.mjs';
import { copyImage, manifestDigest, platformDigests } from './support/registry-copy.mjs';
import { median, round } from '../lib/context.mjs';

export const name = 'promote';
export const order = 4;

const DOCKER = 'docker pull + tag + push';
/** A plan entry built for several platforms: its tag is an image index. */
const isIndex = (e) => (e.platforms ?? []).length > 0;

const SPEEDUP_GOAL = 20;
const BYTES_GOAL = 2;

export async function run(ctx) {
  const registry = ctx.env.IMAGESTACK_REGISTRY ?? '127.0.0.1:5000';
  const env = { ...ctx.env, IMAGESTACK_REGISTRY: registry };
  delete env.IMAGESTACK_NAMESPACE;
  const cli = (args, e = env) => must(process.execPath, [ctx.cli, ...args], { cwd: ctx.repoRoot, env: e });

  // The stack at HEAD: the newest version's images, in the registry (built first if not).
  let plan = JSON.parse((await cli(['plan', '--json'])).stdout);
  const versions = [...new Set(plan.images.map((e) => e.version))];
  const newest = versions.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).pop();
  if (plan.images.some((e) => e.version === newest && e.action === 'build')) {
    ctx.log(`the example stack's ${newest} images are not all in ${registry}: building and pushing them first (untimed)`);
    await cli(['build', '--version', newest, '--output', path.join(ctx.tmp, 'first-run')]);
    plan = JSON.parse((await cli(['plan', '--json'])).stdout);
  }
  const entries = plan.images.filter((e) => e.version === newest);
  const sourceNs = plan.images[0].repository.split('/').slice(1, -1).join('/');
  const stable = `${newest}-stable`;

  const promoteHelp = await exec(process.execPath, [ctx.cli, 'promote', '--help'], { cwd: ctx.repoRoot, env });
  // An unknown command's --help falls back to the program's help (exit 0): look for its usage line.
  const promoteAvailable = promoteHelp.code === 0 && /Usage: imagestack promote/.test(promoteHelp.stdout);
  if (!promoteAvailable) ctx.log('imagestack promote is not available in this checkout: measuring the baselines only');

  const sockDir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-bench-sock-'));
  const proxy = await startCountingProxy(registry, { socketPath: path.join(sockDir, 'registry.sock') });
  const prefix = `bench-promote-${randomBytes(3).toString('hex')}`;
  let serial = 0;
  let manifestBytes = 0;
  /** A fresh namespace holding the stack's tags (and no stable tag); returns it. */
  const fresh = async () => {
    const ns = `${prefix}-${++serial}`;
    manifestBytes = 0;
    for (const e of entries) manifestBytes += (await copyImage(registry, `${sourceNs}/${e.image}`, e.tag, `${ns}/${e.image}`)).size;
    return ns;
  };
  /**
   * Every image's stable tag points at its source tag's digest; for an index moved with Docker's
   * CLI (its `docker manifest create` writes an index of its own), at an index naming the same
   * image manifest for each platform.
   */
  const verify = async (ns, method) => {
    for (const e of entries) {
      const want = await manifestDigest(registry, `${ns}/${e.image}`, e.tag);
      const got = await manifestDigest(registry, `${ns}/${e.image}`, stable);
      if (got && got !== want && method === DOCKER && isIndex(e)) {
        const [a, b] = await Promise.all([platformDigests(registry, `${ns}/${e.image}`, e.tag), platformDigests(registry, `${ns}/${e.image}`, stable)]);
        if (JSON.stringify(a) === JSON.stringify(b)) continue;
      }
      if (!got || got !== want) throw new Error(`${method}: ${ns}/${e.image}:${stable} is ${got ?? 'missing'}, expected ${want}`);
    }
  };
  const at = (ns, image, tag) => `${proxy.address}/${ns}/${image}:${tag}`;

  const results = {}; // method → { ms: [], sent: [], received: [], note? }
  const measure = async (method, runs, fn) => {
    const r = (results[method] = { ms: [], sent: [], received: [], bodies: [], moved: [], tagsMoved: 0 });
    for (let i = 0; i < runs; i++) {
      const ns = await fresh();
      proxy.reset();
      const t0 = performance.now();
      await fn(ns);
      r.ms.push(performance.now() - t0);
      const s = proxy.stats();
      r.sent.push(s.bytesSent);
      r.received.push(s.bytesReceived);
      r.requests = s.requests.length;
      r.bodies.push(s.bodySent);
      // The manifests the method had to send: the bodies of its manifest PUTs to stable tags.
      const moves = s.requests.filter((q) => q.method === 'PUT' && /\/manifests\/[^/]*stable$/.test(q.path));
      r.moved.push(moves.reduce((n, q) => n + q.bodyBytes, 0));
      r.tagsMoved = moves.length;
      await verify(ns, method);
    }
    ctx.log(
      `${method}: ${fmt(median(r.ms))} (${runs} run${runs > 1 ? 's' : ''}), sent ${kb(median(r.sent))}, received ${kb(median(r.received))}, ${r.requests} requests`,
    );
  };

  try {
    const runs = ctx.quick ? 1 : 3;
    if (promoteAvailable) {
      try {
        await measure('imagestack promote', runs, (ns) =>
          cli(['promote', '--version', newest, '--commit', plan.head], { ...env, IMAGESTACK_REGISTRY: proxy.address, IMAGESTACK_NAMESPACE: ns }),
        );
      } catch (e) {
        results['imagestack promote'] = { failed: String(e.message).split('\n').slice(0, 12).join('\n') };
        ctx.log(`imagestack promote failed: ${results['imagestack promote'].failed}`);
      }
    }

    if (!quiet('bash', ['-c', 'command -v skopeo'])) {
      ctx.log("installing Debian's skopeo (apt-get)");
      const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      const first = await exec('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'skopeo'], { env: aptEnv });
      if (first.code !== 0) {
        await must('apt-get', ['update', '-qq'], { env: aptEnv });
        await must('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'skopeo'], { env: aptEnv });
      }
    }
    await measure('skopeo copy', runs, async (ns) => {
      for (const e of entries) {
        await must('skopeo', ['copy', '-q', '--all', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${at(ns, e.image, e.tag)}`, `docker://${at(ns, e.image, stable)}`]);
      }
    });

    // docker pull + tag + push on a cold engine (one run: it downloads every layer).
    const engine = await startColdEngine(path.join(sockDir, 'engine'), { registryPort: proxy.port, socketPath: path.join(sockDir, 'registry.sock'), env: ctx.env });
    try {
      await measure(DOCKER, 1, async (ns) => {
        for (const e of entries) {
          if (isIndex(e)) {
            const refs = [];
            for (const [platform, digest] of Object.entries(await platformDigests(registry, `${ns}/${e.image}`, e.tag))) {
              const ref = at(ns, e.image, `${stable}-${platform.replace(/\//g, '-')}`);
              await must('docker', ['pull', '-q', `${proxy.address}/${ns}/${e.image}@${digest}`], { env: engine.env });
              await must('docker', ['tag', `${proxy.address}/${ns}/${e.image}@${digest}`, ref], { env: engine.env });
              await must('docker', ['push', '-q', ref], { env: engine.env });
              refs.push(ref);
            }
            await must('docker', ['manifest', 'create', '--insecure', at(ns, e.image, stable), ...refs], { env: engine.env });
            await must('docker', ['manifest', 'push', '--insecure', '--purge', at(ns, e.image, stable)], { env: engine.env });
            continue;
          }
          await must('docker', ['pull', '-q', at(ns, e.image, e.tag)], { env: engine.env });
          await must('docker', ['tag', at(ns, e.image, e.tag), at(ns, e.image, stable)], { env: engine.env });
          await must('docker', ['push', '-q', at(ns, e.image, stable)], { env: engine.env });
        }
      });
    } finally {
      await engine.stop();
    }
    return rows(results, { manifestBytes, images: entries.length, version: newest, promoteAvailable });
  } finally {
    await proxy.close();
    await exec('rm', ['-rf', sockDir]);
  }
}

function rows(results, { manifestBytes, images, version, promoteAvailable }) {
  const pull = results['docker pull + tag + push'];
  const skopeo = results['skopeo copy'];
  const promote = results['imagestack promote'];
  const what = `${images} images of ${version}`;
  const out = [];
  const note = !promoteAvailable ? 'promote not available' : promote?.failed ? `promote failed: ${promote.failed}` : undefined;
  const ok = promote && !promote.failed;
  for (const [base, baseName] of [
    [pull, 'docker pull + tag + push (cold engine)'],
    [skopeo, 'skopeo copy'],
  ]) {
    const speedup = ok ? median(base.ms) / median(promote.ms) : null;
    out.push({
      name: 'promote',
      metric: `imagestack promote vs ${baseName} — time to move ${version}-stable for ${what}; ratio = how many times faster`,
      unit: 'ms',
      value: ok ? Math.round(median(promote.ms)) : null,
      min: ok ? Math.round(Math.min(...promote.ms)) : null,
      max: ok ? Math.round(Math.max(...promote.ms)) : null,
      runs: ok ? promote.ms.length : 0,
      baseline: Math.round(median(base.ms)),
      baselineName: `${baseName} (${base.ms.length} run${base.ms.length > 1 ? 's' : ''}, ${Math.round(Math.min(...base.ms))}–${Math.round(Math.max(...base.ms))} ms)`,
      ratio: speedup === null ? null : round(speedup, 1),
      goal: base === pull ? `≥ ${SPEEDUP_GOAL}× faster` : null,
      met: base === pull && ok ? speedup >= SPEEDUP_GOAL : null,
      ...(note ? { note } : {}),
    });
  }
  const moved = ok ? median(promote.moved) : null;
  out.push({
    name: 'promote',
    metric: `bytes sent by imagestack promote — request bodies sent to the registry (counting proxy) for ${what}, ${ok ? promote.tagsMoved : '?'} stable tags moved, record included`,
    unit: 'bytes',
    value: ok ? median(promote.bodies) : null,
    min: ok ? Math.min(...promote.bodies) : null,
    max: ok ? Math.max(...promote.bodies) : null,
    runs: ok ? promote.bodies.length : 0,
    baseline: moved,
    baselineName: `the image manifests moved, their own size (${ok ? promote.tagsMoved : '?'} tags; ${manifestBytes} bytes per set of ${images})`,
    ratio: ok ? round(median(promote.bodies) / moved, 2) : null,
    goal: `≤ ${BYTES_GOAL}× the manifests`,
    met: ok ? median(promote.bodies) / moved <= BYTES_GOAL : null,
    ...(note ? { note } : {}),
  });
  out.push({
    name: 'promote',
    metric: `bytes on the wire, imagestack promote — sent incl. request lines and headers (received ${ok ? median(promote.received) : '?'}) for ${what}, ${ok ? promote.requests : '?'} requests`,
    unit: 'bytes',
    value: ok ? median(promote.sent) : null,
    min: ok ? Math.min(...promote.sent) : null,
    max: ok ? Math.max(...promote.sent) : null,
    runs: ok ? promote.sent.length : 0,
    baseline: moved,
    baselineName: 'the image manifests moved, their own size',
    ratio: ok ? round(median(promote.sent) / moved, 2) : null,
    goal: null,
    met: null,
    ...(ok ? { received: median(promote.received) } : {}),
    ...(note ? { note } : {}),
  });
  for (const [r, label] of [
    [pull, 'docker pull + tag + push (cold engine)'],
    [skopeo, 'skopeo copy'],
  ]) {
    out.push({
      name: 'promote',
      metric: `bytes on the wire, ${label} — bytes sent + received (sent ${median(r.sent)}, received ${median(r.received)}) for ${what}`,
      unit: 'bytes',
      value: median(r.sent) + median(r.received),
      min: null,
      max: null,
      runs: r.ms.length,
      baseline: manifestBytes,
      baselineName: "the image manifests' own size",
      ratio: round((median(r.sent) + median(r.received)) / manifestBytes, 1),
      goal: null,
      met: null,
    });
  }
  return out;
}



const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
const kb = (b) => `${(b / 1024).toFixed(1)} KiB`;
