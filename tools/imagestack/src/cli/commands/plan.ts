/** `imagestack plan`: print the plan for a commit, as a table or as JSON. */
import type { Command } from 'commander';
import { planHead } from '../../core/plan/plan-commit';
import type { Plan } from '../../core/plan/types';
import { findSpecsFile } from '../specs-file';
import { globalFlags } from '../options';
import { formatTable } from '../../terminal/table';

/** The stable JSON shape of `plan --json` (field names are an interface: see core/plan/types.ts). */
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
    })),
  };
}

/** The plan as a readable table, in build order. */
export function planTable(plan: Plan): string {
  const rows = plan.images.map((e) => [
    String(e.wave),
    e.image,
    e.version,
    e.tag,
    e.sourceCommit.slice(0, 7),
    e.parents.join(',') || '-',
    e.action,
    e.reason,
  ]);
  const head = `plan for ${plan.head.slice(0, 7)}${plan.dirty ? ' with uncommitted changes (dirty tags are never pushed unless --push-dirty)' : ''}${plan.mode === 'offline' ? ` (offline, against ${plan.base?.slice(0, 7)})` : ''}`;
  const n = plan.images.filter((e) => e.action === 'build').length;
  return `${head}\n\n${formatTable(['wave', 'image', 'version', 'tag', 'source', 'parents', 'action', 'reason'], rows)}\n\n${n} to build, ${plan.images.length - n} to skip\n`;
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
    .action(async (o: { base?: string; head: string; json?: boolean; offline?: boolean }, cmd: Command) => {
      const g = globalFlags(cmd);
      const plan = await planHead({
        specsFile: findSpecsFile(g.specs),
        head: o.head,
        base: o.base,
        offline: o.offline,
        registry: g.registry,
        namespace: g.namespace,
      });
      process.stdout.write(o.json ? `${JSON.stringify(planJson(plan), null, 2)}\n` : planTable(plan));
    });
}
