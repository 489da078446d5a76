/** `imagestack plan`: print the plan for a commit, as a table or as JSON. */
import type { Command } from 'commander';
import * as path from 'node:path';
import { unlistedImageFolders } from '../../core/graph/unlisted-folders';
import { planHead } from '../../core/plan/plan-commit';
import { InputError } from '../../core/errors';
import type { Plan } from '../../core/plan/types';
import { credentialArgWarningsOfLoaded, findSpecsFile } from '../specs-file';
import type { Specs } from '../../core/specs/types';
import { builderOverride, globalFlags } from '../options';
import { formatTable } from '../../terminal/table';
import { shortPin } from '../../core/dockerfile/pins';
import { formatAge } from '../../core/util/duration';
import { takeEarlyHistory } from '../early-history';

/**
 * The stable JSON shape of `plan --json` (field names are an interface: see core/plan/types.ts).
 * A plan made with `explain` adds `why` to each image (`plan --explain --json`).
 */
export function planJson(plan: Plan): unknown {
  return {
    head: plan.head,
    dirty: plan.dirty,
    images: plan.images.map((e) => ({
      image: e.image,
      version: e.version,
      repository: e.repository,
      tag: e.tag,
      reference: e.reference,
      sourceCommit: e.sourceCommit,
      parents: e.parents,
      wave: e.wave,
      action: e.action,
      reason: e.reason,
      dirty: e.dirty,
      context: e.context,
      dockerfile: e.dockerfile,
      ...(e.taggers ? { taggers: e.taggers } : {}),
      bases: e.bases,
      ...(e.baseAge ? { baseAge: e.baseAge } : {}),
      platforms: e.platforms,
      ...(plan.why ? { why: plan.why.get(`${e.image}@${e.version}`) } : {}),
    })),
  };
}

/** The plan as a readable table, in build order. */
export function planTable(plan: Plan, now: Date = new Date()): string {
  // The platforms column only when specs.yml declares any (the table of a stack without stays as it was).
  const multi = plan.images.some((e) => e.platforms.length > 0);
  const rows = plan.images.map((e) => [
    String(e.wave),
    e.image,
    e.version,
    e.tag,
    e.sourceCommit.slice(0, 7),
    e.parents.join(',') || '-',
    e.action,
    e.reason,
    ...(multi ? [e.platforms.join(',') || '-'] : []),
  ]);
  const head = `plan for ${plan.head.slice(0, 7)}${plan.dirty ? ' with uncommitted changes (dirty tags are never pushed unless --push-dirty)' : ''}${plan.mode === 'offline' ? ` (offline, against ${plan.base?.slice(0, 7)})` : ''}`;
  const n = plan.images.filter((e) => e.action === 'build').length;
  const withTaggers = plan.images.filter((e) => e.taggers?.length);
  const taggers = withTaggers.length
    ? `\ndescriptive tags <version>-<part>-<sha7> after the gates, parts from the taggers:\n${[...new Map(withTaggers.map((e) => [e.image, `  ${e.image}: ${e.taggers!.join(', ')}`])).values()].join('\n')}\n`
    : '';
  return `${head}\n\n${formatTable(['wave', 'image', 'version', 'tag', 'source', 'parents', 'action', 'reason', ...(multi ? ['platforms'] : [])], rows)}\n\n${n} to build, ${plan.images.length - n} to skip\n${taggers}${basesTable(plan)}${baseAgeTable(plan, now)}`;
}

/**
 * The external bases of the plan's images with their pin (`sha256:` and 12 hex digits) or
 * `unpinned`, one row per image and base (versions with the same bases share a row); empty
 * when no image has an external base.
 */
export function basesTable(plan: Plan): string {
  const rows: string[][] = [];
  const seen = new Set<string>();
  for (const e of plan.images) {
    for (const b of e.bases) {
      const key = `${e.image} ${b.reference} ${b.digest}`;
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push([e.image, b.reference, shortPin(b.digest)]);
    }
  }
  return rows.length ? `\nexternal bases:\n${formatTable(['image', 'base', 'pinned digest'], rows)}\n` : '';
}

/**
 * The base images of the plan with their digest (the pin, or what an unpinned base's tag points
 * at now), when each was created (date, UTC) and its age at `now`, one row per base and digest;
 * then a line per base whose registry did not tell. Empty when the ages were not looked up
 * (`plan` without `--base-age`) or no image has an external base.
 */
export function baseAgeTable(plan: Plan, now: Date): string {
  const rows: string[][] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const b of plan.images.flatMap((e) => e.baseAge ?? [])) {
    const key = `${b.reference}@${b.digest}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const created = b.created ? Date.parse(b.created) : NaN;
    const known = !Number.isNaN(created);
    rows.push([b.reference, b.digest ? `${shortPin(b.digest)}${b.pinned ? '' : ' (unpinned: its tag now)'}` : 'unpinned', known ? new Date(created).toISOString().slice(0, 10) : '?', known ? formatAge(now.getTime() - created) : '?']);
    if (b.note) notes.push(`  ${b.reference}: ${b.note}`);
  }
  if (!rows.length) return '';
  const unknown = notes.length ? `age unknown (the base's registry did not tell):\n${notes.join('\n')}\n` : '';
  return `\nbase images (created: their image config's date, read from their registries):\n${formatTable(['base', 'digest', 'created', 'age'], rows)}\n${unknown}`;
}

/**
 * `plan --explain [image]`: per image and version (of `image` only, when given), the source
 * commit and why it is that commit. `dirty` entries say so too.
 */
export function planExplanation(plan: Plan, image?: string): string {
  const rows = plan.images
    .filter((e) => image === undefined || e.image === image)
    .map((e) => {
      const why = plan.why?.get(`${e.image}@${e.version}`) ?? '';
      return `${e.image}@${e.version} ${e.tag}: source commit ${e.sourceCommit.slice(0, 7)}, ${why}${e.dirty ? '; and uncommitted changes touch its inputs' : ''}\n`;
    });
  return `why each source commit (newest first-parent commit where the image's or an ancestor's inputs changed):\n${rows.join('')}`;
}

/** Registers the command. */
export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('show, per image and version, the tag, source commit, parents, wave and whether it will be built')
    .option('--base <ref>', 'with --offline: the commit compared against, as nx affected --base (default: the first parent of --head)')
    .option('--head <ref>', 'the commit planned, as committed (its own specs.yml and Dockerfiles), as nx affected --head; HEAD includes uncommitted changes', 'HEAD')
    .option('--json', 'print JSON instead of a table')
    .option('--offline', 'decide from git alone (changed since --base), without asking the registry')
    .option('--explain [image]', 'also say, per image and version (of one image, when named), why its source commit is that commit')
    .option('--base-age', "also show each external base's digest and how old it is (its image config's created date, asked of the base's registry)")
    .action(async (o: { base?: string; head: string; json?: boolean; offline?: boolean; explain?: boolean | string; baseAge?: boolean }, cmd: Command) => {
      const g = globalFlags(cmd);
      const specsFile = findSpecsFile(g.specs);
      let loaded: Specs | undefined;
      const plan = await planHead({
        explain: o.explain !== undefined,
        specsFile,
        head: o.head,
        base: o.base,
        offline: o.offline,
        registry: g.registry,
        namespace: g.namespace,
        ...builderOverride(cmd),
        prestarted: takeEarlyHistory(),
        onSpecs: (s) => {
          loaded = s;
        },
      });
      for (const w of credentialArgWarningsOfLoaded(specsFile, loaded)) process.stderr.write(`imagestack: warning: ${w}\n`);
      // Loaded only when asked for: it brings the registry client (~40 ms of start-up a plan without it need not pay).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      if (o.baseAge) await (require('../../core/plan/base-age') as typeof import('../../core/plan/base-age')).addBaseAges(plan);
      const only = typeof o.explain === 'string' ? o.explain : undefined;
      if (only !== undefined && !plan.images.some((e) => e.image === only)) {
        const known = [...new Set(plan.images.map((e) => e.image))].join(', ');
        throw new InputError({ file: '--explain', message: `unknown image "${only}"`, fix: `name one of the stack's images: ${known}` });
      }
      // Folders of the working tree: only when it is what is planned.
      if (o.head === 'HEAD') {
        for (const w of unlistedImageFolders(path.dirname(specsFile), plan.images.map((e) => e.image), new Map(plan.images.map((e) => [e.image, e.context])))) process.stderr.write(`imagestack: warning: ${w}\n`);
      }
      if (o.json) process.stdout.write(`${JSON.stringify(planJson(plan), null, 2)}\n`);
      else process.stdout.write(o.explain === undefined ? planTable(plan) : `${planTable(plan)}\n${planExplanation(plan, only)}`);
    });
}
