/** `imagestack promote`: point `<version>-stable` at one commit's tags, in the registry, all or nothing. */
import type { Command } from 'commander';
import { promoteVersion } from '../../core/release/promote';
import { releaseSummary } from '../release-table';
import { findSpecsFile } from '../specs-file';
import { globalFlags } from '../options';

interface PromoteFlags {
  version: string;
  commit?: string;
  tag?: string;
  dryRun?: boolean;
  json?: boolean;
}

/** Registers the command. */
export function registerPromote(program: Command): void {
  program
    .command('promote')
    .description('point <version>-stable of every image at the tags of one commit (retag in the registry, all or nothing) and record it')
    .requiredOption('--version <v>', 'the version to promote, e.g. 2026.2')
    .option('--commit <sha>', 'the commit whose plan names the source tags')
    .option('--tag <tag>', 'a source tag <version>-<sha7>: promote the plan of the commit it names')
    .option('--dry-run', 'print what would change, change nothing')
    .option('--json', 'print the promotion as JSON')
    .action(async (o: PromoteFlags, cmd: Command) => {
      const g = globalFlags(cmd);
      const result = await promoteVersion({
        specsFile: findSpecsFile(g.specs),
        version: o.version,
        commit: o.commit,
        tag: o.tag,
        dryRun: o.dryRun,
        registry: g.registry,
        namespace: g.namespace,
        onProgress: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(o.json ? `${JSON.stringify(result, null, 2)}\n` : `\n${releaseSummary(result)}`);
    });
}
