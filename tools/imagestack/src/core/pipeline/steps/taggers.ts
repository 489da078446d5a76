/**
 * The descriptive tags of an image (`tags/taggers.ts`, `tags/descriptive.ts`): after the
 * gates, the taggers' parts are made from the package manifest, the taggers' command results
 * (run in the manifest gate's container) and the source commit's date; after the push, each
 * immutable descriptive tag `<version>-<part>-<sha7>` is written by a registry retag of
 * `<version>-<sha7>`, only when absent (DESIGN.md promise 2). They are never written before
 * the gates passed (promise 4): this runs only after the push of the image's own tag.
 *
 * A tagger that gives no valid part (its command failed, its output is not a tag part, its
 * package is missing) is refused with its message in `NodeResult.taggerProblems`: no tag is
 * made from it, everything else (the image, its other tags, its children) goes on, and the
 * run ends non-zero.
 */
import type { StepLog } from '../../engine/log';
import type { PlanEntry } from '../../plan/types';
import { repositoryOf } from '../../reference/repository';
import { putManifestBytes } from '../../release/retag';
import { immutableDescriptiveTag } from '../../tags/descriptive';
import { SHA_LENGTH } from '../../tags/tag';
import { effectiveTaggers, taggerOutcomes } from '../../tags/taggers';
import type { RunContext } from '../context';
import type { DescriptiveTag, GateOutputs } from '../types';

/** The immutable descriptive tags of an image, before they are pushed, and the taggers' problems. */
export interface Described {
  tags: DescriptiveTag[];
  problems: string[];
}

/**
 * The descriptive tags of `e` from what its gates handed on. Dirty entries get none (their
 * tag claims no commit, promise 9). Without a package manifest (no manifest gate in the run)
 * only the commit-date tagger can give a value; the others are refused with the reason.
 */
export async function describeImage(run: RunContext, e: PlanEntry, outputs: GateOutputs, log: StepLog): Promise<Described> {
  const taggers = effectiveTaggers(run.stack, e.image);
  if (!taggers.length || e.dirty) return { tags: [], problems: [] };
  const outcomes = taggerOutcomes(taggers, {
    packages: outputs.manifest?.packages ?? { dpkg: {}, pip: {} },
    os: outputs.manifest?.os ?? {},
    commands: outputs.taggerResults ?? new Map(),
    commitDate: await run.commitDate(e),
  });
  const sha7 = e.sourceCommit.slice(0, SHA_LENGTH);
  const tags: DescriptiveTag[] = [];
  const problems: string[] = [];
  for (const o of outcomes) {
    if (!o.ok) {
      problems.push(o.problem);
      log.line(`taggers: refused: ${o.problem}`);
      continue;
    }
    const tag = immutableDescriptiveTag(e.version, o.part, sha7);
    if (tag.length > 128) {
      const problem = `tagger "${o.name}": the tag ${tag.slice(0, 40)}… would be ${tag.length} characters long (at most 128); fix: make its output shorter`;
      problems.push(problem);
      log.line(`taggers: refused: ${problem}`);
      continue;
    }
    tags.push({ tag, part: o.part, tagger: o.name, status: 'not pushed' });
  }
  log.line(`taggers: ${tags.map((t) => t.tag).join(', ') || 'no descriptive tags'}`);
  return { tags, problems };
}

/**
 * Writes each tag of `tags` that is absent from the registry, pointing at what `e.tag`
 * points at (GET its manifest once, PUT the same bytes: a multi-platform index stays whole).
 * A tag present already is left as it is (never overwritten), whatever it names.
 *
 * @returns `tags` with their status: `pushed`, or `present` (in the registry before)
 * @throws RegistryError when the registry refuses a read or a write
 */
export async function pushDescriptiveTags(run: RunContext, e: PlanEntry, tags: readonly DescriptiveTag[], log: StepLog): Promise<DescriptiveTag[]> {
  if (!tags.length) return [];
  const repository = repositoryOf(run.stack.specs.namespace, e.image);
  const source = await run.registry.getManifest(repository, e.tag);
  const out: DescriptiveTag[] = [];
  for (const t of tags) {
    const existing = await run.registry.headManifest(repository, t.tag);
    if (existing) {
      log.line(`taggers: ${t.tag} is in the registry already (${existing.digest}); not overwritten`);
      out.push({ ...t, status: 'present', digest: existing.digest });
      continue;
    }
    const put = await putManifestBytes(run.registry, repository, t.tag, source);
    log.line(`taggers: pushed ${t.tag} (${put.digest})`);
    out.push({ ...t, status: 'pushed', digest: put.digest });
  }
  return out;
}
