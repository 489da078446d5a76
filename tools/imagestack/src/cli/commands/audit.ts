/** `imagestack audit`: flag stale, outdated or denied stable tags; exit 1 when any is flagged (a CI gate). */
import type { Command } from 'commander';
import { audit, type AuditResult } from '../../core/audit/gather';
import { formatAge } from '../../core/util/duration';
import { findSpecsFile } from '../specs-file';
import { globalFlags } from '../options';
import { formatTable } from '../../terminal/table';

/**
 * The audit as a table: one row per image, then the notes. A `platforms` column (the stable
 * tag's image index platforms, `-` for a single-platform image) appears only when some stable
 * tag is an index, so a single-platform stack's table is unchanged.
 */
export function auditTable(r: AuditResult): string {
  const anyIndex = r.findings.some((f) => f.platforms);
  const rows = r.findings.map((f) => [
    f.image,
    f.stableTag,
    ...(anyIndex ? [f.platforms?.join(', ') ?? '-'] : []),
    f.sourceTag ?? '-',
    f.age ? `${formatAge(f.age.ms)}${f.age.from === 'created' ? ' (created)' : ''}` : '-',
    f.flags.length ? 'FLAGGED' : 'ok',
    f.flags.map((x) => `${x.kind}: ${x.detail}`).join('; '),
  ]);
  const head = ['image', 'stable', ...(anyIndex ? ['platforms'] : []), 'source', 'age', 'result', 'reasons'];
  const notes = r.findings.flatMap((f) => f.notes.map((n) => `  ${f.image}: ${n}`));
  const policy = `policy: max stable age ${r.policy.maxStableAge ?? 'none'}, ${r.policy.deny.length} denied digest${r.policy.deny.length === 1 ? '' : 's'}${r.policy.maxBaseAge ? `, max base age ${r.policy.maxBaseAge}` : ''}`;
  return `${policy}\n\n${formatTable(head, rows)}${notes.length ? `\n\nnotes:\n${notes.join('\n')}` : ''}`;
}

/** Registers the command. */
export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('flag stable tags that are too old, behind a newer built tag, on the deny list, or on a stale or old pinned base; exit 1 when any is flagged')
    .requiredOption('--version <v>', 'the version whose stable tags are audited')
    .option('--max-age <duration>', 'maximum age of a stable tag, e.g. 30d (overrides specs.yml audit.maxStableAge)')
    .option('--max-base-age <duration>', 'flag a stable tag whose pinned external base image is older than this, e.g. 60d (overrides specs.yml audit.maxBaseAge)')
    .option('--head <ref>', 'newer tags are those of commits up to this one', 'HEAD')
    .option('--json', 'print the findings as JSON')
    .action(async (o: { version: string; maxAge?: string; maxBaseAge?: string; head: string; json?: boolean }, cmd: Command) => {
      const g = globalFlags(cmd);
      const r = await audit({
        specsFile: findSpecsFile(g.specs),
        version: o.version,
        maxAge: o.maxAge,
        maxBaseAge: o.maxBaseAge,
        head: o.head,
        registry: g.registry,
        namespace: g.namespace,
      });
      if (o.json) process.stdout.write(`${JSON.stringify({ version: r.version, ok: r.ok, findings: r.findings }, null, 2)}\n`);
      else {
        const n = r.findings.filter((f) => f.flags.length).length;
        process.stdout.write(`${auditTable(r)}\n\n${n ? `FLAGGED: ${n} of ${r.findings.length} images` : `ok: ${r.findings.length} images pass`}\n`);
      }
      if (!r.ok) process.exitCode = 1;
    });
}
