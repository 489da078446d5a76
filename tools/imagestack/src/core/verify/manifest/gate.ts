/**
 * The `manifest` gate: makes the package manifest of the built image (DESIGN.md
 * "package manifest"), compares its package lists with the previous tag of the same
 * image and version, writes `<outputDir>/manifests/<image>/<tag>.md` and `.json`, and
 * hands the manifest on to the checks gate (`ctx.outputs.manifest`).
 *
 * Commands: the built-in ones (os-release, dpkg, pip), then `defaults.manifest.commands`
 * and the image's `manifest.commands` from specs.yml (see `spec.ts`), all in ONE container
 * of the image (no network) with the manifest time limit. A command that fails is
 * recorded; the gate fails only when os-release or dpkg fails (no package manifest
 * without them), or when the specs.yml settings are invalid.
 *
 * The previous tag (`previous.ts`) is found from git and the registry; its package lists
 * come from `<outputDir>/manifests/<image>/<previous tag>.json` when that file exists
 * (a manifest written earlier into the same folder), else from pulling the previous image
 * and running the dpkg and pip commands in it (the pulled image is removed afterwards and
 * its lists are saved as that file). A failure there is recorded in the diff, never fatal.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { EngineError } from '../../errors';
import type { ContainerEngine } from '../../ports';
import { readProgress } from '../../engine/stream';
import { GateFailure, type Gate, type GateContext, type GateItem, type GateReport } from '../../pipeline/types';
import { dockerAuthConfig, redact, resolveCredentials } from '../../registry';
import { indexPlatformDigests } from '../../pipeline/platforms/index-digests';
import { platformSuffix } from '../../pipeline/platforms/names';
import { parseReference } from '../../reference/reference';
import { tagReference } from '../../reference/repository';
import { nodeKey } from '../../tags/tag';
import { effectiveTaggers, taggerCommands, TAGGER_COMMAND_PREFIX } from '../../tags/taggers';
import { STACK_CHECK_COMMAND_PREFIX, stackCheckCommands } from '../stack-checks/spec';
import { runCommands, type CommandResult } from '../run-commands';
import { collectPackages } from './collect';
import { countChanges, diffPackages } from './diff';
import { layersFromHistory, type HistoryEntry } from './layers';
import { BUILT_IN_COMMANDS, parseDpkgList, parseOsRelease, parsePipList, type Packages } from './packages';
import { findPreviousTag } from './previous';
import { renderManifestMarkdown } from './render';
import { MANIFEST_FORMAT, type ManifestCommandOutput, type ManifestDiff, type PackageManifest, type PreviousTag } from './types';

/** Built-in commands whose failure fails the gate. */
const REQUIRED_BUILT_INS = new Set(['os-release', 'dpkg']);

/** Time limit for listing the previous image's packages (ms). */
const PREVIOUS_TIMEOUT_MS = 120_000;

/** Options of {@link createManifestGate}. */
export interface ManifestGateOptions {
  /** Compare with the previous tag (default true). */
  diff?: boolean;
}

/**
 * Creates the `manifest` gate (see the module comment).
 *
 * The report: `summary` like "412 dpkg and 35 pip packages, 6 commands; 1 change since
 * 2026.1-abc1234"; one item per command (`ok` = exit 0, `found` = "exit N"); `files` =
 * `{ markdown, json }` (absolute paths).
 *
 * @throws GateFailure when os-release or dpkg fails in the image (the files are written
 *   first; the settings were validated when specs.yml was loaded); EngineError when the
 *   engine fails or the run is cancelled
 */
export function createManifestGate(opts: ManifestGateOptions = {}): Gate {
  return { step: 'manifest', run: (ctx) => runManifestGate(ctx, opts) };
}

/** The output as recorded: stdout then stderr, trailing newlines removed, credentials redacted. */
export function combinedOutput(r: Pick<CommandResult, 'stdout' | 'stderr'>): string {
  const out = r.stdout.replace(/\n+$/, '');
  const err = r.stderr.replace(/\n+$/, '');
  return redact(out && err ? `${out}\n${err}` : out || err);
}

async function runManifestGate(ctx: GateContext, opts: ManifestGateOptions): Promise<GateReport> {
  const { entry, docker } = ctx;
  const key = nodeKey(entry.image, entry.version);
  const spec = ctx.stack.images.get(entry.image)!.spec.manifest; // validated when specs.yml was loaded
  const commands = [...BUILT_IN_COMMANDS, ...spec.commands];
  const builtIns = new Set(BUILT_IN_COMMANDS.map((c) => c.name));
  // The taggers' commands run in the same container, after the manifest's; their output is
  // handed on (ctx.outputs.taggerResults), not written into the package manifest.
  const taggers = taggerCommands(effectiveTaggers(ctx.stack, entry.image));
  // So do the stack checks' file reads and commands; their output goes into the manifest JSON (`stackCheckOutputs`).
  const stackChecks = stackCheckCommands(ctx.stack.specs.stackChecks ?? [], entry.image);
  const dir = path.join(ctx.outputDir, 'manifests', entry.image);
  await mkdir(dir, { recursive: true });

  ctx.log(`manifest: running ${commands.length} commands in one container of ${entry.reference} (time limit ${spec.timeoutSeconds} s)`);
  const [ran, prev] = await Promise.allSettled([
    runCommands(docker, ctx.imageId, [...commands, ...taggers, ...stackChecks], { timeoutMs: spec.timeoutSeconds * 1000, signal: ctx.signal }),
    opts.diff === false ? Promise.resolve(undefined) : previousPackages(ctx, dir),
  ]);
  if (ran.status === 'rejected') throw ran.reason;
  const { durationMs, timedOut } = ran.value;
  const results = ran.value.results.filter((r) => !r.name.startsWith(TAGGER_COMMAND_PREFIX) && !r.name.startsWith(STACK_CHECK_COMMAND_PREFIX));
  const stackCheckOutputs = Object.fromEntries(
    ran.value.results.filter((r) => r.name.startsWith(STACK_CHECK_COMMAND_PREFIX)).map((r) => [r.name.slice(STACK_CHECK_COMMAND_PREFIX.length), redact(r.stdout)]),
  );
  ctx.outputs.taggerResults = new Map(ran.value.results.filter((r) => r.name.startsWith(TAGGER_COMMAND_PREFIX)).map((r) => [r.name.slice(TAGGER_COMMAND_PREFIX.length), r]));
  if (timedOut) ctx.log(`manifest: the commands were stopped at the time limit (${spec.timeoutSeconds} s)`);

  const image = docker.getImage(ctx.imageId);
  const [info, history] = await Promise.all([
    image.inspect() as Promise<{ Created?: string; Size?: number }>,
    image.history() as Promise<HistoryEntry[]>,
  ]);

  const byName = new Map(results.map((r) => [r.name, r]));
  const pip = parsePipList(byName.get('pip')?.stdout ?? '');
  const packages: Packages = { dpkg: parseDpkgList(byName.get('dpkg')?.stdout ?? ''), pip: pip.packages };
  const outputs: Record<string, ManifestCommandOutput> = {};
  for (const c of commands) {
    const r = byName.get(c.name)!;
    outputs[c.name] = {
      description: c.description,
      command: c.command,
      output: combinedOutput(r),
      exitCode: r.exitCode,
      ...(builtIns.has(c.name) ? { builtIn: true } : {}),
      ...(r.timedOut ? { timedOut: true } : {}),
    };
  }

  let diff: ManifestDiff;
  if (opts.diff === false) diff = { previous: null, reason: 'comparison turned off' };
  else if (prev.status === 'rejected') diff = { previous: null, reason: `the previous tag could not be read: ${redact((prev.reason as Error).message)}` };
  else if ('reason' in prev.value!) diff = { previous: null, reason: prev.value.reason };
  else diff = { previous: prev.value!.previous, ...diffPackages(prev.value!.packages, packages) };
  ctx.log(diff.previous ? `manifest: ${countChanges(diff)} package changes since ${diff.previous.tag}` : `manifest: no comparison: ${diff.reason}`);

  const manifest: PackageManifest = {
    format: MANIFEST_FORMAT,
    image: entry.image,
    version: entry.version,
    tag: entry.tag,
    reference: entry.reference,
    imageId: ctx.imageId,
    sourceCommit: entry.sourceCommit,
    dirty: entry.dirty,
    created: info.Created ?? '',
    size: info.Size ?? 0,
    os: parseOsRelease(byName.get('os-release')?.stdout ?? ''),
    layers: layersFromHistory(history),
    commands: outputs,
    packages,
    pipSource: pip.source,
    diff,
    ...(stackChecks.length ? { stackCheckOutputs } : {}),
  };
  const files = { markdown: path.join(dir, `${entry.tag}.md`), json: path.join(dir, `${entry.tag}.json`) };
  await writeFile(files.json, `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(files.markdown, renderManifestMarkdown(manifest));
  ctx.outputs.manifest = manifest;
  ctx.log(`manifest: wrote ${files.markdown} and ${files.json}`);

  const items: GateItem[] = results.map((r) => ({
    name: r.name,
    ok: r.exitCode === 0,
    found: r.timedOut ? `stopped at the time limit (${spec.timeoutSeconds} s)` : `exit ${r.exitCode}`,
  }));
  items.forEach((i) => i.ok || ctx.log(`manifest: command "${i.name}" ${i.found}`));
  const dpkgN = Object.keys(packages.dpkg).length;
  const pipN = Object.keys(packages.pip).length;
  const changes = diff.previous ? `${countChanges(diff)} package change${countChanges(diff) === 1 ? '' : 's'} since ${diff.previous.tag}` : 'no previous tag';
  const summary = `${dpkgN} dpkg and ${pipN} pip packages, ${commands.length} commands in ${(durationMs / 1000).toFixed(1)} s; ${changes}`;

  const broken = results.filter((r) => REQUIRED_BUILT_INS.has(r.name) && r.exitCode !== 0);
  if (broken.length) {
    const report: GateReport = { ok: false, summary: `built-in manifest command failed: ${broken.map((b) => b.name).join(', ')}`, items, files };
    const why = broken.map((b) => `"${b.name}" (${b.command}) ${b.timedOut ? 'was stopped at the time limit' : `exited ${b.exitCode}`}`);
    const tail = broken.flatMap((b) => combinedOutput(b).split('\n').slice(-10));
    throw new GateFailure(`${key}: manifest: built-in command ${why.join('; ')}; an image needs /etc/os-release and dpkg for a package manifest`, report, tail);
  }
  return { ok: true, summary, items, files };
}

/** The previous tag and its package lists, or why there is no comparison. */
async function previousPackages(ctx: GateContext, dir: string): Promise<{ previous: PreviousTag; packages: Packages } | { reason: string }> {
  const { entry, docker } = ctx;
  // The plan's repository is qualified (`<registry>/<namespace>/<image>`): the registry API takes the path, the engine the host.
  const parsed = parseReference(entry.repository);
  if (!parsed) return { reason: `${entry.repository} is not a repository the registry API can be asked about` };
  const { registry: registryHost, path: repository } = parsed;
  const found = await findPreviousTag({
    client: ctx.client,
    repository,
    version: entry.version,
    tag: entry.tag,
    sourceCommit: entry.sourceCommit,
    root: ctx.stack.specs.root,
    log: ctx.log,
  });
  if (found.tag === undefined) return { reason: found.reason };
  const previous: PreviousTag = { tag: found.tag, reference: tagReference(entry.repository, found.tag), sourceCommit: found.sourceCommit };
  ctx.log(`manifest: previous tag ${previous.reference} (source commit ${previous.sourceCommit.slice(0, 12)})`);

  // Another platform's image is compared with the previous tag's image of that platform: its
  // package lists file (`<tag>-linux-arm64.json`), else its image manifest pulled by digest.
  const cacheFile = path.join(dir, `${found.tag}${ctx.platform ? platformSuffix(ctx.platform) : ''}.json`);
  const cached = await readCachedPackages(cacheFile, found.sourceCommit);
  if (cached) {
    ctx.log(`manifest: package lists of ${found.tag}${ctx.platform ? ` (${ctx.platform})` : ''} read from ${cacheFile}`);
    return { previous, packages: cached };
  }
  let source = previous.reference;
  if (ctx.platform) {
    const digest = (await indexPlatformDigests(ctx.client, repository, found.tag)).get(ctx.platform);
    if (!digest) return { reason: `the previous tag ${found.tag} has no ${ctx.platform} image to compare with` };
    source = `${entry.repository}@${digest}`;
    ctx.log(`manifest: the previous tag's ${ctx.platform} image is ${source}`);
  }
  const pulled = await pullIfMissing(docker, source, registryHost, ctx);
  try {
    const { packages, pipSource } = await collectPackages(docker, source, { timeoutMs: PREVIOUS_TIMEOUT_MS, signal: ctx.signal });
    const saved = {
      format: MANIFEST_FORMAT,
      packagesOnly: true,
      image: entry.image,
      version: entry.version,
      tag: found.tag,
      reference: source,
      imageId: found.configDigest,
      sourceCommit: found.sourceCommit,
      packages,
      pipSource,
    };
    await writeFile(cacheFile, `${JSON.stringify(saved, null, 2)}\n`, { flag: 'wx' }).catch(() => undefined);
    return { previous, packages };
  } finally {
    if (pulled) await docker.getImage(source).remove().catch(() => undefined);
  }
}

/** Package lists from a manifest JSON file of the same source commit, or `undefined`. */
async function readCachedPackages(file: string, sourceCommit: string): Promise<Packages | undefined> {
  try {
    const m = JSON.parse(await readFile(file, 'utf8')) as Partial<PackageManifest>;
    if (m.format !== MANIFEST_FORMAT || m.sourceCommit !== sourceCommit) return undefined;
    const p = m.packages;
    if (!p || typeof p.dpkg !== 'object' || typeof p.pip !== 'object') return undefined;
    return { dpkg: p.dpkg, pip: p.pip };
  } catch {
    return undefined;
  }
}

/**
 * Pulls `reference` unless the engine has it (with the stack registry's credentials; also used by `refresh --packages`).
 * @returns true when it was pulled (the caller removes it afterwards)
 * @throws EngineError when the pull fails or is cancelled
 */
export async function pullIfMissing(docker: ContainerEngine, reference: string, registry: string, ctx: GateContext): Promise<boolean> {
  try {
    await docker.getImage(reference).inspect();
    return false;
  } catch {
    /* not local */
  }
  ctx.log(`manifest: pulling ${reference} for the comparison`);
  // The run's client has the stack registry's credentials already (a credential helper runs once per run).
  const creds = ctx.client?.registry === registry ? await ctx.client.credentials() : await resolveCredentials(registry);
  const auth = dockerAuthConfig(registry, creds);
  try {
    const stream = (await docker.pull(reference, { authconfig: auth, abortSignal: ctx.signal } as never)) as NodeJS.ReadableStream;
    const onAbort = () => (stream as unknown as { destroy(): void }).destroy();
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await readProgress(stream as never, () => undefined);
    } finally {
      ctx.signal?.removeEventListener('abort', onAbort);
    }
  } catch (e) {
    // A partly pulled image may be tagged already: remove it (promise 7).
    await docker.getImage(reference).remove().catch(() => undefined);
    throw new EngineError(ctx.signal?.aborted ? `pull of ${reference} was cancelled` : `pull of ${reference} failed: ${redact((e as Error).message)}`);
  }
  return true;
}
