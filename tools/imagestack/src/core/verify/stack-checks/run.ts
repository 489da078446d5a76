/**
 * The stack-checks stage of a run (after every image of the run finished): per version of
 * the plan, once every image of that version has passed its own gates in this run or is in
 * the registry already, the stack checks are evaluated over the package manifests of the
 * version's images (this run's, or earlier ones in the same output folder:
 * `<outputDir>/manifests/<image>/<tag>.json`), and the outcome is recorded in the registry
 * (`record.ts`) for `promote` when every image of the version was read.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { NodeResult } from '../../pipeline/types';
import type { Plan } from '../../plan/types';
import type { RegistryWriter } from '../../ports';
import type { PackageManifest } from '../manifest/types';
import { evaluateStackCheck, type StackCheckImage, type StackCheckResult } from './evaluate';
import { writeStackCheckRecord } from './record';
import type { StackCheckSpec } from './spec';

/** Options of {@link runStackChecks}. */
export interface StackChecksOptions {
  checks: readonly StackCheckSpec[];
  plan: Plan;
  results: readonly NodeResult[];
  outputDir: string;
  namespace: string;
  /** Where to record outcomes (undefined: not recorded, e.g. `--no-push`). */
  record?: Pick<RegistryWriter, 'putManifest'>;
  log?: (line: string) => void;
}

async function readManifest(outputDir: string, image: string, tag: string): Promise<PackageManifest | undefined> {
  try {
    return JSON.parse(await readFile(path.join(outputDir, 'manifests', image, `${tag}.json`), 'utf8')) as PackageManifest;
  } catch {
    return undefined;
  }
}

/**
 * Runs the stack checks of every version the run worked on.
 *
 * @returns one result per check and version; a version with an image that did not pass its
 *   gates (failed, blocked, cancelled) gets a failed result per check saying so ("not run")
 * @throws RegistryError when recording fails
 */
export async function runStackChecks(opts: StackChecksOptions): Promise<StackCheckResult[]> {
  if (!opts.checks.length) return [];
  const out: StackCheckResult[] = [];
  const versions = [...new Set(opts.results.map((r) => r.version))];
  for (const version of versions) {
    const entries = opts.plan.images.filter((e) => e.version === version);
    const byImage = new Map(opts.results.filter((r) => r.version === version).map((r) => [r.image, r]));
    const notPassed = entries.filter((e) => ['failed', 'blocked', 'cancelled'].includes(byImage.get(e.image)?.status ?? ''));
    if (notPassed.length) {
      for (const c of opts.checks) {
        out.push({ name: c.name, version, ok: false, values: {}, message: `stack check "${c.name}" (${version}) not run: ${notPassed.map((e) => e.image).join(', ')} did not pass ${notPassed.length === 1 ? 'its' : 'their'} own gates` });
      }
      continue;
    }
    const images: StackCheckImage[] = [];
    const unread: string[] = [];
    for (const e of entries) {
      const tag = byImage.get(e.image)?.tag ?? e.tag;
      const m = await readManifest(opts.outputDir, e.image, tag);
      if (!m) {
        unread.push(e.image);
        continue;
      }
      images.push({ image: e.image, tag, packages: m.packages, os: m.os ?? {}, outputs: m.stackCheckOutputs ?? {} });
    }
    const results = opts.checks.map((c) => evaluateStackCheck(c, version, images, unread.filter((i) => !c.images || c.images.includes(i))));
    for (const r of results) opts.log?.(r.message);
    out.push(...results);
    // Recorded only when every image was read: a partial pass (a CI matrix job) must never hide a failure.
    if (opts.record && !unread.length && !entries.some((e) => e.dirty)) {
      await writeStackCheckRecord(opts.record, opts.namespace, version, entries.map((e) => ({ image: e.image, tag: e.tag })), results);
    }
  }
  return out;
}
