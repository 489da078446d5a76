/**
 * The I/O shell of the site: reads the plan of the current commit, the registry (tags,
 * image manifests, image configs with the labels the pipeline writes), the run output
 * folder (`report.json`, `runs/*.json`, `manifests/<image>/<tag>.json`) and the promotion
 * history, then calls the pure {@link assembleSiteModel}. Nothing is kept outside git, the
 * registry and the run outputs (DESIGN.md promise 1).
 *
 * A problem with one tag or one file becomes a warning on the site, not a failure; only
 * what the plan needs (specs.yml, git, a reachable registry) stops the command.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { remoteUrl } from '../git/git';
import { makePlan } from '../plan/make-plan';
import { RegistryClient, indexPlatforms, isIndexMediaType, redact } from '../registry';
import type { Promotion } from '../release/types';
import type { RunReport } from '../report/report';
import { RUNS_FOLDER } from '../report/report';
import { mapLimit } from '../util/concurrency';
import type { PackageManifest } from '../verify/manifest/types';
import { assembleSiteModel, type RegistryTag, type SiteInputs } from './assemble';
import type { SiteModel } from './model';
import { repositoryOf } from '../reference/repository';
import { baseCreatedLookup, type BaseClient, type BaseCreated } from '../audit/base';
import { addBaseAges, quickBaseClients } from '../plan/base-age';
import { splitPin } from '../dockerfile/pins';
import { hostPlatform } from '../pipeline/platforms/names';

/**
 * Reads one version's promotion history, newest first. The contract of
 * `core/release/history.ts` `readPromotions`.
 */
export type ReadPromotions = (client: RegistryClient, namespace: string, version: string) => Promise<Promotion[]>;

/** Options of {@link collectSite}. */
export interface CollectOptions {
  specsFile: string;
  registry?: string;
  namespace?: string;
  /** Run output folder (default `<root>/dist/imagestack`). */
  runDir?: string;
  client?: RegistryClient;
  /** The promotion history reader; without one the promotions page says that none could be read. */
  readPromotions?: ReadPromotions;
  /** Parallel registry requests (default 8). */
  concurrency?: number;
  /** The time written on the pages (default now). */
  now?: Date;
  /** The client of an external base's registry, for the base images' ages (default: core/plan/base-age.ts `quickBaseClients`). */
  baseClientFor?: (registry: string) => BaseClient;
}

/** A file to copy into the site: absolute source, site-relative destination. */
export interface SiteCopy {
  from: string;
  to: string;
}

/**
 * Collects everything and assembles the model.
 *
 * @returns the model and the package manifest files to copy into the site
 * @throws InputError / GitError / RegistryError from planning (bad specs.yml, unknown
 *   HEAD, registry unreachable)
 */
export async function collectSite(opts: CollectOptions): Promise<{ model: SiteModel; copies: SiteCopy[] }> {
  const specsFile = path.resolve(opts.specsFile);
  const { plan, stack } = await makePlan({ specsFile, registry: opts.registry, namespace: opts.namespace, client: opts.client });
  const specs = stack.specs;
  const client = opts.client ?? new RegistryClient({ registry: specs.registry });
  const warnings: string[] = [];
  const runDir = path.resolve(opts.runDir ?? path.join(specs.root, 'dist', 'imagestack'));
  const source = specs.source ?? (await remoteUrl(specs.root).catch(() => undefined));

  // One look-up per external base image (name and digest) for the whole site: the plan's bases and the tags' base labels.
  const baseClientFor = opts.baseClientFor ?? quickBaseClients();
  const createdOf = baseCreatedLookup(baseClientFor);
  const [registryTags, runs, manifests, promotions] = await Promise.all([
    readRegistryTags(client, specs.namespace, stack.order, specs.versions.map((v) => v.name), opts.concurrency ?? 8, warnings),
    readRuns(runDir, warnings),
    readManifests(runDir, stack.order, warnings),
    readAllPromotions(client, specs.namespace, specs.versions.map((v) => v.name), opts.readPromotions),
    addBaseAges(plan, { clientFor: baseClientFor, createdOf }),
  ]);
  const externalFinal = stack.order.filter((name) => !('image' in stack.images.get(name)!.finalBase));
  const baseCreated = await readBaseCreated(externalFinal, registryTags, createdOf, warnings);

  const inputs: SiteInputs = {
    generatedAt: (opts.now ?? new Date()).toISOString(),
    registry: specs.registry,
    namespace: specs.namespace,
    ...(source ? { source: redact(source) } : {}),
    versions: specs.versions.map((v) => v.name),
    images: stack.order.map((name) => {
      const img = stack.images.get(name)!;
      return {
        name,
        dockerfile: img.dockerfile,
        parents: img.parents.map((p) => ({ image: p.image, instruction: p.instruction })),
        externalBases: img.externalBases.map((b) => b.reference),
        ...('image' in img.finalBase ? { finalParent: img.finalBase.image } : { finalBase: splitPin(img.finalBase.reference).reference }),
      };
    }),
    plan,
    registryTags,
    ...(runs.last ? { lastRun: runs.last } : {}),
    runs: runs.all,
    manifests: manifests.byTag,
    enginePlatform: hostPlatform(),
    promotions: promotions.byVersion,
    ...(existsSync(runDir) ? { runDir } : {}),
    ...(promotions.note ? { promotionsNote: promotions.note } : {}),
    baseCreated,
    warnings,
  };
  return { model: assembleSiteModel(inputs), copies: manifests.copies };
}

/** Every `<version>-…` tag of every image, with digest, size, created and labels. */
async function readRegistryTags(
  client: RegistryClient,
  namespace: string,
  images: readonly string[],
  versions: readonly string[],
  concurrency: number,
  warnings: string[],
): Promise<Record<string, RegistryTag[]>> {
  const lists = await mapLimit(images, concurrency, async (image) => {
    try {
      return await client.listTags(repositoryOf(namespace, image));
    } catch (e) {
      warnings.push(`tags of ${repositoryOf(namespace, image)}: ${redact((e as Error).message)}`);
      return [];
    }
  });
  const work: Array<{ image: string; tag: string }> = [];
  images.forEach((image, i) => {
    for (const tag of lists[i]) if (versions.some((v) => tag.startsWith(`${v}-`))) work.push({ image, tag });
  });
  const out: Record<string, RegistryTag[]> = Object.fromEntries(images.map((i) => [i, []]));
  await mapLimit(work, concurrency, async ({ image, tag }) => {
    const repo = repositoryOf(namespace, image);
    try {
      if (tag.endsWith('-stable')) {
        const d = await client.headManifest(repo, tag);
        if (d) out[image].push({ tag, digest: d.digest, labels: {} });
        return;
      }
      const { descriptor, bytes } = await client.getManifest(repo, tag);
      const manifest = JSON.parse(bytes.toString('utf8')) as { config?: { digest?: string; size?: number }; layers?: Array<{ size?: number }> };
      let config: any;
      let size: number | undefined;
      const platforms = indexPlatforms(bytes, descriptor.mediaType);
      if (!isIndexMediaType(descriptor.mediaType) && typeof manifest.config?.digest === 'string') {
        config = JSON.parse((await client.getBlob(repo, manifest.config.digest)).toString('utf8'));
        size = (manifest.config.size ?? 0) + (manifest.layers ?? []).reduce((n, l) => n + (l.size ?? 0), 0);
      } else {
        config = (await client.getImageConfig(repo, tag)).config;
      }
      out[image].push({
        tag,
        digest: descriptor.digest,
        ...(size !== undefined ? { size } : {}),
        ...(typeof config?.created === 'string' ? { created: config.created } : {}),
        labels: (config?.config?.Labels ?? {}) as Record<string, string>,
        ...(platforms ? { platforms } : {}),
      });
    } catch (e) {
      warnings.push(`${repo}:${tag}: ${redact((e as Error).message)}`);
    }
  });
  for (const list of Object.values(out)) list.sort((a, b) => a.tag.localeCompare(b.tag));
  return out;
}

/**
 * When the external base image of each tag of `images` (those whose final stage is FROM an
 * external base) was created, by the tags' base labels, `<name>@<digest>` → ISO 8601; and the
 * plan's bases (already looked up through the same `createdOf`). A base whose registry does not
 * tell is one warning, and no date.
 */
async function readBaseCreated(
  images: readonly string[],
  registryTags: Record<string, RegistryTag[]>,
  createdOf: (name: string, digest: string) => Promise<BaseCreated>,
  warnings: string[],
): Promise<Record<string, string>> {
  const keys = new Map<string, { name: string; digest: string }>();
  for (const image of images) {
    for (const t of registryTags[image] ?? []) {
      const name = t.labels['org.opencontainers.image.base.name'];
      const digest = t.labels['org.opencontainers.image.base.digest'];
      if (name && digest && name !== 'scratch') keys.set(`${name}@${digest}`, { name, digest });
    }
  }
  const out: Record<string, string> = {};
  await Promise.all(
    [...keys].map(async ([key, { name, digest }]) => {
      const c = await createdOf(name, digest);
      if (c.created) out[key] = c.created;
      else warnings.push(`base image ${name}@${digest.slice(0, 19)}…: age unknown: ${redact((c.error ?? '').split('\n')[0])}`);
    }),
  );
  return out;
}

/** `report.json` (the last run) and every kept run report under `runs/`. */
async function readRuns(runDir: string, warnings: string[]): Promise<{ last?: RunReport; all: RunReport[] }> {
  const all: RunReport[] = [];
  let last: RunReport | undefined;
  const read = async (file: string): Promise<RunReport | undefined> => {
    try {
      const r = JSON.parse(await readFile(file, 'utf8')) as RunReport;
      if (typeof r.startedAt !== 'string' || !Array.isArray(r.images)) throw new Error('not a run report (no startedAt / images)');
      return r;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') warnings.push(`${file}: ${(e as Error).message}`);
      return undefined;
    }
  };
  last = await read(path.join(runDir, 'report.json'));
  if (last) all.push(last);
  const dir = path.join(runDir, RUNS_FOLDER);
  const files = existsSync(dir) ? (await readdir(dir)).filter((f) => f.endsWith('.json')).sort() : [];
  for (const f of files) {
    const r = await read(path.join(dir, f));
    if (r) all.push(r);
  }
  return { ...(last ? { last } : {}), all };
}

/** Full package manifests (`manifests/<image>/<tag>.json`, not the package-list caches). */
async function readManifests(
  runDir: string,
  images: readonly string[],
  warnings: string[],
): Promise<{ byTag: SiteInputs['manifests']; copies: SiteCopy[] }> {
  const byTag: SiteInputs['manifests'] = {};
  const copies: SiteCopy[] = [];
  for (const image of images) {
    const dir = path.join(runDir, 'manifests', image);
    if (!existsSync(dir)) continue;
    for (const f of (await readdir(dir)).filter((x) => x.endsWith('.json')).sort()) {
      const file = path.join(dir, f);
      try {
        const m = JSON.parse(await readFile(file, 'utf8')) as PackageManifest & { packagesOnly?: boolean };
        if (m.packagesOnly || typeof m.tag !== 'string' || !m.packages) continue;
        const base = f.slice(0, -'.json'.length);
        const files: { markdown?: string; json?: string } = { json: `manifests/${image}/${base}.json` };
        copies.push({ from: file, to: files.json! });
        if (existsSync(path.join(dir, `${base}.md`))) {
          files.markdown = `manifests/${image}/${base}.md`;
          copies.push({ from: path.join(dir, `${base}.md`), to: files.markdown });
        }
        byTag[`${image}/${m.tag}`] = { manifest: m, files };
      } catch (e) {
        warnings.push(`${file}: ${(e as Error).message}`);
      }
    }
  }
  return { byTag, copies };
}

async function readAllPromotions(
  client: RegistryClient,
  namespace: string,
  versions: readonly string[],
  reader: ReadPromotions | undefined,
): Promise<{ byVersion: Record<string, Promotion[]>; note?: string }> {
  if (!reader) return { byVersion: {}, note: 'This imagestack cannot read promotion history yet (imagestack promote is not installed).' };
  const byVersion: Record<string, Promotion[]> = {};
  const problems: string[] = [];
  for (const v of versions) {
    try {
      byVersion[v] = await reader(client, namespace, v);
    } catch (e) {
      problems.push(`${v}: ${redact((e as Error).message)}`);
    }
  }
  return { byVersion, ...(problems.length ? { note: `The promotion history could not be read: ${problems.join('; ')}` } : {}) };
}
