/**
 * `imagestack refresh`, the scheduled job (issue 15): find the external bases whose tag now
 * points at another digest than the pin (or that are unpinned), build and gate the images on
 * them with the new pins WITHOUT pushing (the pipeline with `push: false`), and only when all
 * pass, rewrite the pins (and, asked, commit them) so that the normal pipeline gives the
 * refreshed images new tags. A tag is never overwritten: the new pins are a new commit.
 *
 * On failure, every rewritten Dockerfile gets its exact bytes back and git is untouched.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { PinEdit } from '../dockerfile/pin-rewrite';
import { readStack } from '../graph/read-stack';
import type { Stack } from '../graph/types';
import { runPipeline, type RunOptions, type RunResult } from '../pipeline/run';
import { RegistryClient } from '../registry';
import { loadSpecs } from '../specs/load';
import { compareBases, currentDigests, stackBases } from './bases';
import { assertUnchanged, commitPins } from './commit';
import { commitMessage } from './message';
import { checkPackages, rootImages } from './packages';
import { absolute, planRewrites } from './rewrite';
import type { RefreshFailure, RefreshReport } from './types';

/** Options of {@link runRefresh}. */
export interface RefreshOptions {
  /** Path of specs.yml (the working tree is what is refreshed). */
  specsFile: string;
  registry?: string;
  namespace?: string;
  /** List what would change; build and write nothing. */
  dryRun?: boolean;
  /** Commit the new pins (one commit). */
  commit?: boolean;
  /**
   * Also rebuild the root images not on a changed base without layer cache (never pushed) and
   * report the packages that changed since their current tags (`./packages.ts`; not with `dryRun`).
   */
  packages?: boolean;
  /** With `commit`: commit on this branch, made (or reset) at HEAD. */
  branch?: string;
  /** The registry client for a base's registry (default: a new {@link RegistryClient} with that registry's credentials). */
  clientFor?: (registry: string) => Pick<RegistryClient, 'headManifest'>;
  /**
   * What the verification build passes to the pipeline besides the specs, the images and
   * `push: false`: the gates (package manifest, checks, tests), the reporter, the signal,
   * `parallel`, `outputDir`, the engine.
   */
  pipeline?: Omit<RunOptions, 'specsFile' | 'registry' | 'namespace' | 'images' | 'push' | 'pushDirty' | 'force' | 'base'>;
}

/**
 * Runs one refresh (see the module comment).
 *
 * @returns the report; `outcome` `failed` when a new base broke an image or a pin could not be
 *   rewritten (the caller exits non-zero)
 * @throws InputError for bad specs/Dockerfiles, or a Dockerfile to rewrite that has
 *   uncommitted changes; GitError; RegistryError / EngineError from the verification build's
 *   planning (the registry or the engine does not answer)
 */
export async function runRefresh(opts: RefreshOptions): Promise<RefreshReport> {
  const specs = await loadSpecs(opts.specsFile, { registry: opts.registry, namespace: opts.namespace });
  const stack = await readStack(specs);
  const uses = stackBases(stack);
  const clients = new Map<string, Pick<RegistryClient, 'headManifest'>>();
  const clientFor =
    opts.clientFor ??
    ((registry: string) => {
      if (!clients.has(registry)) clients.set(registry, new RegistryClient({ registry }));
      return clients.get(registry)!;
    });
  const bases = compareBases(uses, await currentDigests(uses.map((u) => u.reference), clientFor));
  const changes = bases
    .filter((b) => b.status === 'outdated' || b.status === 'unpinned')
    .map((b) => ({ reference: b.reference, from: b.pins.find((p) => p !== b.current) ?? null, to: b.current! }));
  const moves = movedImages(stack, bases.filter((b) => changes.some((c) => c.reference === b.reference)).flatMap((b) => b.images));
  const report: RefreshReport = { bases, changes, moves, files: [], problems: [], outcome: 'nothing-to-do' };
  if (opts.packages && !opts.dryRun) {
    const { gates: _gates, ...pipeline } = opts.pipeline ?? {};
    const images = rootImages(stack).filter((n) => !moves.includes(n));
    report.packages = await checkPackages({ specsFile: opts.specsFile, registry: opts.registry, namespace: opts.namespace, images, pipeline });
  }
  if (!changes.length) return report;

  const edits: PinEdit[] = changes.map((c) => ({ reference: c.reference, digest: c.to }));
  const rewrites = planRewrites(stack, edits, (f) => readFileSync(absolute(stack, f), 'utf8'));
  report.files = rewrites.files.map((f) => f.file);
  report.problems = rewrites.problems;
  if (opts.dryRun) return { ...report, outcome: 'dry-run' };
  if (rewrites.problems.length) return { ...report, outcome: 'failed' };
  await assertUnchanged(specs.root, report.files);

  for (const f of rewrites.files) writeFileSync(absolute(stack, f.file), f.after);
  let run: RunResult | undefined;
  try {
    run = await runPipeline({ ...opts.pipeline, specsFile: opts.specsFile, registry: opts.registry, namespace: opts.namespace, images: moves, push: false });
  } finally {
    if (!run?.ok) for (const f of rewrites.files) writeFileSync(absolute(stack, f.file), f.before);
  }
  report.verified = { ok: run.ok, built: run.results.filter((r) => r.status === 'built').length, failures: failures(run) };
  if (!run.ok) return { ...report, outcome: 'failed' };
  if (!opts.commit) return { ...report, outcome: 'rewritten' };
  report.commit = await commitPins(specs.root, report.files, commitMessage(report), opts.branch);
  return { ...report, outcome: 'committed' };
}

/** The images on the changed bases and all their descendants, in stack order. */
function movedImages(stack: Stack, onBase: readonly string[]): string[] {
  const moved = new Set<string>();
  for (const name of onBase) {
    moved.add(name);
    for (const d of stack.descendants(name)) moved.add(d);
  }
  return stack.order.filter((n) => moved.has(n));
}

/** The failed, blocked and cancelled images of a verification run, with their log tails. */
function failures(run: RunResult): RefreshFailure[] {
  return run.results
    .filter((r) => r.status === 'failed' || r.status === 'blocked' || r.status === 'cancelled')
    .map((r) => ({
      image: r.image,
      version: r.version,
      step: r.status === 'failed' ? (r.step ?? 'build') : r.status,
      error: r.error ?? r.reason,
      logTail: r.logTail ?? [],
    }));
}

