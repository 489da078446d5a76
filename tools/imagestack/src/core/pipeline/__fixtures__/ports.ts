/**
 * Test fixtures: small recording fakes of the ports (`core/ports.ts`) and a hand-made stack
 * and plan, for the pipeline's unit tests. The real engine and registry are exercised by the
 * integration tests (`tools/imagestack/test/pipeline.test.ts`, `gates.test.ts`, …); these
 * fakes only record what the pipeline asked for, in order.
 *
 * Over 300 lines: one fake per port, kept together so that every pipeline test shares one
 * journal and one set of fakes (the per-platform pushes of issue 14 added `saveImage`/`pushImage`).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Stack, StackImage } from '../../graph/types';
import { tagArgName } from '../../graph/types';
import type { Plan, PlanEntry } from '../../plan/types';
import type { AuthConfig, BuildRequest, ContainerEngine, ImageEngine, LocalImage } from '../../ports';
import type { StepLog } from '../../engine/log';
import type { Descriptor } from '../../registry/types';
import type { PushedImage } from '../../registry/push-image';
import { EngineError } from '../../errors';
import { parseReference } from '../../reference/reference';
import type { RunContext, RunRegistry } from '../context';
import { selectEntries, type SelectOptions } from '../select';
import { GateFailure, type Gate, type PipelineEvent } from '../types';

export const REGISTRY = 'reg.test:5000';
export const NAMESPACE = 'ns';
export const VERSION = '1';

/** One line per thing that happened, across the fakes, in order (e.g. `build mid`, `gate checks mid`, `push mid`). */
export type Journal = string[];

/**
 * A stack of the given images (name → its stack parents; no parents: `FROM debian:bookworm`),
 * one version `1`. Stands for what `readStack` makes of a specs.yml and its Dockerfiles.
 */
export function fakeStack(graph: Record<string, string[]>): Stack {
  const root = mkdtempSync(path.join(tmpdir(), 'imagestack-pipeline-unit-'));
  const names = Object.keys(graph);
  const images = new Map<string, StackImage>();
  for (const name of names) {
    const parents = graph[name];
    images.set(name, {
      name,
      spec: { name, context: `images/${name}`, dockerfile: 'Dockerfile', args: {}, versionArgs: {}, skip: [], inputs: [], line: 1, raw: {} } as StackImage['spec'],
      dockerfile: `images/${name}/Dockerfile`,
      parents: parents.map((p, i) => ({ image: p, instruction: 'FROM' as const, line: i + 1, tagArg: tagArgName(p), args: [{ name: tagArgName(p), value: 'tag' as const }], aliases: [] })),
      externalBases: parents.length ? [] : [{ reference: 'debian:bookworm', raw: 'debian:bookworm', line: 1 }],
      finalBase: parents.length ? { image: parents[parents.length - 1] } : { reference: 'debian:bookworm', raw: 'debian:bookworm' },
    });
  }
  const ancestors = (name: string): string[] => {
    const out = new Set<string>();
    const visit = (n: string) => graph[n].forEach((p) => (visit(p), out.add(p)));
    visit(name);
    return names.filter((n) => out.has(n));
  };
  const specs = { file: path.join(root, 'specs.yml'), root, registry: REGISTRY, namespace: NAMESPACE, inputs: [], versions: [{ name: VERSION, args: {}, line: 1 }], images: [...images.values()].map((i) => i.spec), raw: {} };
  return {
    specs: specs as unknown as Stack['specs'],
    images,
    order: names,
    waves: new Map(names.map((n) => [n, ancestors(n).length])),
    ancestors,
    descendants: (name) => names.filter((n) => ancestors(n).includes(name)),
  };
}

/** A plan of the stack: images in `inRegistry` are `skip`, the others `build`. Stands for `makePlan`'s output. */
export function fakePlan(stack: Stack, inRegistry: readonly string[] = []): Plan {
  const images: PlanEntry[] = stack.order.map((image) => {
    const repository = `${REGISTRY}/${NAMESPACE}/${image}`;
    const tag = `${VERSION}-abc1234`;
    const skip = inRegistry.includes(image);
    return {
      image,
      version: VERSION,
      repository,
      tag,
      reference: `${repository}:${tag}`,
      sourceCommit: 'a'.repeat(40),
      dirty: false,
      context: stack.images.get(image)!.spec.context,
      dockerfile: stack.images.get(image)!.dockerfile,
      parents: stack.images.get(image)!.parents.map((p) => p.image),
      wave: stack.waves.get(image)!,
      action: skip ? 'skip' : 'build',
      reason: skip ? 'tag already in the registry' : 'tag missing in the registry',
      bases: stack.images.get(image)!.parents.length ? [] : [{ reference: 'debian:bookworm', digest: null }],
      platforms: [],
    };
  });
  return { head: 'a'.repeat(40), dirty: false, mode: 'registry', images };
}

const digestOf = (s: string) => `sha256:${Buffer.from(s).toString('hex').padEnd(64, '0').slice(0, 64)}`;

/** Stands for the registry (`RegistryClient`): manifests by `<repository>:<tag>`, with a hook to make a tag appear. */
export class FakeRegistry implements RunRegistry {
  readonly registry = REGISTRY;
  readonly manifests = new Map<string, Descriptor>();
  /** Called on every `headManifest`, before answering (a test adds a tag "pushed by another runner" here). */
  onHead?: (repository: string, tag: string) => void;
  constructor(readonly journal: Journal) {}
  async credentials() {
    return undefined;
  }
  async headManifest(repository: string, tag: string): Promise<Descriptor | undefined> {
    this.onHead?.(repository, tag);
    this.journal.push(`head ${repository}:${tag}`);
    return this.manifests.get(`${repository}:${tag}`);
  }
  async getManifest(repository: string, tag: string): Promise<{ descriptor: Descriptor; bytes: Buffer }> {
    const d = this.manifests.get(`${repository}:${tag}`);
    if (!d) throw new Error('manifest unknown');
    return { descriptor: d, bytes: this.bytes.get(`${repository}:${tag}`) ?? Buffer.from('{}') };
  }
  async putManifest(repository: string, tag: string, bytes: Buffer, mediaType: string): Promise<Descriptor> {
    const d = { mediaType, digest: digestOf(`${repository}:${tag}`), size: bytes.length };
    if (mediaType.includes('list') || mediaType.includes('index')) this.journal.push(`putindex ${repository.slice(NAMESPACE.length + 1)}`);
    this.manifests.set(`${repository}:${tag}`, d);
    this.bytes.set(`${repository}:${tag}`, bytes);
    return d;
  }
  async listTags(repository: string): Promise<string[]> {
    return [...this.manifests.keys()].filter((k) => k.startsWith(`${repository}:`)).map((k) => k.slice(repository.length + 1));
  }
  getImageConfig(): never {
    throw new Error('not used by the pipeline');
  }
  /**
   * Stands for `RegistryClient.pushImage`: reads the fake archive {@link FakeEngine.saveImage}
   * makes (the local reference and its platform), stores an image manifest under its digest (no
   * tag) and records `pushimage <repository without namespace> <platform>`.
   */
  async pushImage(repository: string, archive: NodeJS.ReadableStream): Promise<PushedImage> {
    let text = '';
    for await (const chunk of archive) text += chunk.toString();
    const { reference, platform } = JSON.parse(text) as { reference: string; platform: string };
    this.journal.push(`pushimage ${repository.slice(NAMESPACE.length + 1)} ${platform}`);
    const digest = `sha256:${createHash('sha256').update(`manifest ${reference}`).digest('hex')}`;
    const descriptor = { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest, size: 500 };
    this.manifests.set(`${repository}:${digest}`, descriptor);
    return { descriptor, platform, layers: { sent: 1, present: 0, mounted: 0, bytesSent: 100 } };
  }
  /** The bytes put under `<repository>:<tag>` by `putManifest` (an image index), for assertions. */
  readonly bytes = new Map<string, Buffer>();
  /** Stores a tag as if pushed. */
  add(repository: string, tag: string): Descriptor {
    const d = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(`${repository}:${tag}`), size: 2 };
    this.manifests.set(`${repository}:${tag}`, d);
    return d;
  }
}

/**
 * Stands for the Docker engine (`DockerEngine`): local images by reference; builds record
 * their build args; pulls copy from the {@link FakeRegistry}; pushes store into it.
 */
export class FakeEngine implements ImageEngine {
  readonly local = new Map<string, LocalImage>();
  /** Images whose build fails (`<image>`, or `<image> <platform>` for one platform only). */
  readonly failBuild = new Set<string>();
  readonly builds: BuildRequest[] = [];
  /** True: the engine does not answer (every call fails as dockerode does on a missing socket). */
  unreachable = false;
  /** `tag <reference>` / `untag <reference>`, in order (kept out of the journal). */
  readonly tags: string[] = [];
  /** Called after each build, before it returns (a test makes a concurrent run re-tag the reference here). */
  onBuilt?: (req: BuildRequest, imageId: string) => void;
  constructor(
    readonly journal: Journal,
    readonly registry: FakeRegistry,
    readonly containers: ContainerEngine = undefined as never,
  ) {}
  #check(): void {
    if (this.unreachable) throw new EngineError('connect ENOENT /var/run/docker.sock');
  }
  async ping(): Promise<void> {
    this.journal.push('ping');
    if (this.unreachable) throw new EngineError('the Docker engine does not answer at unix:///var/run/docker.sock (connect ENOENT /var/run/docker.sock)');
  }
  /** Removes `imageId` when no reference names it (the engine's `DELETE /images/{id}` without force, on an untagged image). */
  async removeUntagged(imageId: string): Promise<boolean> {
    if ([...this.local.values()].some((i) => i.id === imageId)) return false;
    this.journal.push(`remove ${imageId}`);
    return true;
  }
  async inspectImage(reference: string): Promise<LocalImage | undefined> {
    this.#check();
    return this.local.get(reference) ?? [...this.local.values()].find((i) => i.id === reference);
  }
  /**
   * Names the local image `source` (a local reference, or an image ID) `reference` too (the
   * engine's `POST /images/{name}/tag`). Every tag and untag is recorded in `tags`; those of a
   * named image (the aliases of `references:`, steps/aliases.ts) also in the journal, those of
   * an image ID (the unlabelled parents of steps/layers.ts) not, so the journals older tests
   * assert stay as they were.
   */
  async tagImage(source: string, reference: string): Promise<void> {
    this.#check();
    const image = this.local.get(source) ?? [...this.local.values()].find((i) => i.id === source);
    if (!image) throw new EngineError(`cannot tag ${source} as ${reference}: no such image`);
    this.tags.push(`tag ${reference}`);
    if (this.local.has(source)) {
      this.journal.push(`tag ${reference}`);
      this.#named.add(reference);
    }
    this.local.set(reference, image);
  }
  /** Removes the name `reference` (the engine's `DELETE /images/{name}` on a second tag). */
  async untagImage(reference: string): Promise<void> {
    this.tags.push(`untag ${reference}`);
    if (this.local.delete(reference) && this.#named.delete(reference)) this.journal.push(`untag ${reference}`);
  }
  /** Tags made from a named image (see {@link tagImage}). */
  readonly #named = new Set<string>();
  async build(req: BuildRequest): Promise<{ imageId: string }> {
    this.#check();
    const image = req.labels['io.imagestack.image'];
    this.journal.push(req.platform ? `build ${image} ${req.platform}` : `build ${image}`);
    this.builds.push(req);
    if (this.failBuild.has(image) || this.failBuild.has(`${image} ${req.platform}`)) throw new EngineError(`build of ${req.reference} failed: RUN exited 1`, ['RUN exited 1']);
    // A platform's build gets an ID of its own (digestOf keeps only the first 32 characters).
    const id = req.platform ? `sha256:${createHash('sha256').update(`id ${req.platform} ${req.reference}`).digest('hex')}` : digestOf(`id ${req.reference}`);
    this.local.set(req.reference, { id, size: 1000, labels: req.labels, repoDigests: [] });
    if (req.platform) this.platforms.set(id, req.platform);
    this.onBuilt?.(req, id);
    return { imageId: id };
  }
  async ensureLocal(reference: string, _auth: AuthConfig, _log: StepLog, _signal?: AbortSignal): Promise<boolean> {
    this.#check();
    if (this.local.has(reference)) return false;
    const [repo, tag] = splitForFake(reference);
    if (!this.registry.manifests.has(`${repo}:${tag}`)) throw new EngineError(`pull of ${reference} failed: manifest unknown`);
    // By digest (one platform's image of an index): the digest the fake registry gave it says its reference.
    this.journal.push(`pull ${reference}`);
    this.local.set(reference, { id: digestOf(`pulled ${reference}`), labels: {}, repoDigests: [] });
    return true;
  }
  /** The platform of each image built for one (`BuildRequest.platform`), by image ID. */
  readonly platforms = new Map<string, string>();
  /** Stands for `docker save`: an archive naming the local reference and the image's platform (read by {@link FakeRegistry.pushImage}). */
  async saveImage(image: string): Promise<NodeJS.ReadableStream> {
    this.#check();
    const local = this.local.get(image) ?? [...this.local.values()].find((i) => i.id === image);
    if (!local) throw new EngineError(`no such image: ${image}`);
    return Readable.from([JSON.stringify({ reference: image, platform: this.platforms.get(local.id) ?? 'linux/amd64' })]);
  }
  async push(reference: string): Promise<{ digest: string }> {
    this.#check();
    const [repo, tag] = splitForFake(reference);
    this.journal.push(`push ${repo.slice(NAMESPACE.length + 1)}`);
    return { digest: this.registry.add(repo, tag).digest };
  }
}

/** A reference → repository (no host), tag. */
function splitForFake(reference: string): [string, string] {
  const ref = parseReference(reference)!;
  return [ref.path, (ref.tag ?? ref.digest)!];
}

/**
 * A gate that records `gate <step> <image>` (`gate <step> <image> linux-arm64` for a foreign
 * platform's image of a multi-platform entry, whose tag ends so) and fails for the images named
 * (`<image>`, or `<image> linux-arm64` for that platform only). Stands for the manifest/checks/test gates.
 */
export function recordingGate(step: Gate['step'], journal: Journal, failFor: readonly string[] = []): Gate {
  return {
    step,
    async run(ctx) {
      const platform = /-(linux-[a-z0-9-]+)$/.exec(ctx.entry.tag)?.[1];
      const name = platform ? `${ctx.entry.image} ${platform}` : ctx.entry.image;
      journal.push(`gate ${step} ${name}`);
      if (failFor.includes(ctx.entry.image) || failFor.includes(name)) throw new GateFailure(`${step} of ${ctx.entry.image} failed`, { ok: false, summary: 'failed' }, ['it failed']);
      return { ok: true, summary: 'passed' };
    },
  };
}

/** A run over the fakes: what `runPipeline` assembles from real ports. */
export function fakeRun(
  stack: Stack,
  plan: Plan,
  ports: { engine: ImageEngine; registry: RunRegistry },
  opts: Partial<RunContext['options']> & Partial<Omit<SelectOptions, 'now'>> = {},
): { run: RunContext; toBuild: string[]; events: PipelineEvent[] } {
  const selection = selectEntries(plan, stack, { ...opts, now: new Date(0) });
  const events: PipelineEvent[] = [];
  const run: RunContext = {
    stack,
    entries: selection.entries,
    needed: selection.needed,
    engine: ports.engine,
    registry: ports.registry,
    auth: undefined,
    clock: { now: () => new Date(0), monotonic: () => 0 },
    outputDir: path.join(stack.specs.root, 'dist'),
    commitDate: async () => new Date(0).toISOString(),
    enginePlatform: 'linux/amd64',
    options: { build: true, push: true, pushDirty: false, force: false, gates: [], ...opts },
    emit: (e) => events.push(e),
    built: new Map(),
  };
  return { run, toBuild: selection.toBuild, events };
}

/**
 * A stack of `graph`, its plan, and the recording fakes over one journal; images in
 * `inRegistry` have their tag in the fake registry (and are `skip` in the plan).
 */
export function fakeSetup(graph: Record<string, string[]>, inRegistry: string[] = []) {
  const journal: Journal = [];
  const stack = fakeStack(graph);
  const plan = fakePlan(stack, inRegistry);
  const registry = new FakeRegistry(journal);
  for (const image of inRegistry) registry.add(`${NAMESPACE}/${image}`, `${VERSION}-abc1234`);
  const engine = new FakeEngine(journal, registry);
  return { journal, stack, plan, registry, engine };
}
