/**
 * `refresh --packages` (issue 15): OS and Python package updates that came without a new base
 * digest. The root images (every parent outside the stack) are rebuilt without layer cache,
 * forced (under `<tag>.force-<time>`: their tag is unchanged) and never pushed, and each
 * rebuilt image's package lists (dpkg, pip; `verify/manifest/collect.ts`) are compared with
 * those of the image the current tag names in the registry (pulled for the comparison, then
 * removed). The rebuilt images are removed afterwards. Reports only: nothing is pushed,
 * written or committed.
 */
import { lazyDockerEngine } from '../engine/docker-engine';
import type { Stack } from '../graph/types';
import { runPipeline, type RunOptions } from '../pipeline/run';
import type { Gate, GateContext } from '../pipeline/types';
import { parseReference } from '../reference/reference';
import { nodeKey } from '../tags/tag';
import { collectPackages } from '../verify/manifest/collect';
import { diffPackages, type PackagesDiff } from '../verify/manifest/diff';
import { pullIfMissing } from '../verify/manifest/gate';
import type { PackageUpdate, RootPackages } from './types';

/** Time limit of the package commands in one image (ms). */
const COLLECT_TIMEOUT_MS = 120_000;

/** The stack's root images: those whose parents are all outside the stack, in stack order. */
export function rootImages(stack: Stack): string[] {
  return stack.order.filter((n) => stack.images.get(n)!.parents.length === 0);
}

/**
 * The package updates of a diff, as the report lists them: dpkg then pip, each by name;
 * `from` null for a package the rebuild adds, `to` null for one it no longer has. Pure.
 */
export function packageUpdates(d: PackagesDiff): PackageUpdate[] {
  const out: PackageUpdate[] = [];
  for (const list of ['dpkg', 'pip'] as const) {
    const l = d[list];
    const rows = [
      ...l.changed.map((c) => ({ list, name: c.name, from: c.from, to: c.to })),
      ...l.added.map((a) => ({ list, name: a.name, from: null, to: a.version })),
      ...l.removed.map((r) => ({ list, name: r.name, from: r.version, to: null })),
    ];
    out.push(...rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
  }
  return out;
}

/** The current tag of a forced entry: its reference without the `.force-<time>` suffix (pipeline/select.ts). */
export function currentReference(forced: string): string {
  return forced.replace(/\.force-[0-9TZ]+$/, '');
}

/**
 * The gate of the no-cache rebuild: compares the rebuilt image's package lists with the
 * current tag's, and records the outcome in `found` (by `<image>@<version>`). It never fails
 * the image: a tag that is not in the registry, or a comparison that fails, is recorded.
 */
export function packagesGate(found: Map<string, RootPackages>): Gate {
  return {
    step: 'manifest',
    async run(ctx: GateContext) {
      const current = currentReference(ctx.entry.reference);
      const row: RootPackages = { image: ctx.entry.image, version: ctx.entry.version, current, status: 'current', updates: [] };
      found.set(nodeKey(row.image, row.version), row);
      const ref = parseReference(current)!;
      if (!(await ctx.client.headManifest(ref.path, ref.tag!))) {
        row.status = 'no-tag';
        return { ok: true, summary: `${current} is not in the registry: nothing to compare with` };
      }
      try {
        const rebuilt = await collectPackages(ctx.docker, ctx.imageId, { timeoutMs: COLLECT_TIMEOUT_MS, signal: ctx.signal });
        const pulled = await pullIfMissing(ctx.docker, current, ref.registry, ctx);
        try {
          const now = await collectPackages(ctx.docker, current, { timeoutMs: COLLECT_TIMEOUT_MS, signal: ctx.signal });
          row.updates = packageUpdates(diffPackages(now.packages, rebuilt.packages));
        } finally {
          if (pulled) await ctx.docker.getImage(current).remove().catch(() => undefined);
        }
      } catch (e) {
        row.status = 'error';
        row.error = (e as Error).message;
        return { ok: true, summary: `could not compare the packages: ${row.error}` };
      }
      if (row.updates.length) row.status = 'updates';
      return { ok: true, summary: row.updates.length ? `${row.updates.length} package(s) would change` : 'no package would change' };
    },
  };
}

/**
 * Rebuilds `images` (root images) without layer cache, forced and unpushed, and compares each
 * one's packages with its current tag's (see the module comment).
 *
 * @returns one row per image and version, stack order; a build that failed is a row with status `error`
 * @throws what {@link runPipeline} throws before anything is built
 */
export async function checkPackages(
  opts: Pick<RunOptions, 'specsFile' | 'registry' | 'namespace'> & { images: string[]; pipeline?: Omit<RunOptions, 'specsFile' | 'registry' | 'namespace' | 'images' | 'push' | 'pushDirty' | 'force' | 'base' | 'gates' | 'noCache'> },
): Promise<RootPackages[]> {
  if (!opts.images.length) return [];
  const found = new Map<string, RootPackages>();
  const engine = opts.pipeline?.engine ?? lazyDockerEngine(opts.pipeline?.docker);
  const run = await runPipeline({
    ...opts.pipeline,
    engine: opts.pipeline?.engine,
    specsFile: opts.specsFile,
    registry: opts.registry,
    namespace: opts.namespace,
    images: opts.images,
    withAncestors: false,
    force: true,
    noCache: true,
    push: false,
    gates: [packagesGate(found)],
  });
  const rows: RootPackages[] = [];
  for (const r of run.results.filter((x) => opts.images.includes(x.image))) {
    const row = found.get(nodeKey(r.image, r.version));
    rows.push(row ?? { image: r.image, version: r.version, current: currentReference(r.reference), status: 'error', updates: [], error: r.error ?? r.reason ?? `not rebuilt (${r.status})` });
    // The forced rebuild is throwaway (promise 7): its tag and image go.
    if (r.reference !== currentReference(r.reference)) {
      await engine.untagImage(r.reference);
      if (r.imageId) await engine.removeUntagged(r.imageId);
    }
  }
  return rows;
}
