/** `imagestack revert`: point `<version>-stable` back at an earlier promotion's digests, all or nothing. */
import type { Command } from 'commander';
import { InputError } from '../../core/errors';
import { revertVersion } from '../../core/release/revert';
import { releaseSummary } from '../release-table';
import { findSpecsFile } from '../specs-file';
import { globalFlags } from '../options';

interface RevertFlags {
  version: string;
  to?: string;
  dryRun?: boolean;
  json?: boolean;
}

/** Registers the command. */
export function registerRevert(program: Command): void {
  program
    .command('revert')
    .description('point <version>-stable back at the previous promotion (or promotion N), all or nothing, and record it')
    .requiredOption('--version <v>', 'the version to revert, e.g. 2026.2')
    .option('--to <n>', 'the promotion number to restore (default: the one before the newest)')
    .option('--dry-run', 'print what would change, change nothing')
    .option('--json', 'print the revert as JSON')
    .action(async (o: RevertFlags, cmd: Command) => {
      const g = globalFlags(cmd);
      let to: number | undefined;
      if (o.to !== undefined) {
        to = Number(o.to);
        if (!/^\d+$/.test(o.to) || to < 1) {
          throw new InputError({ file: '--to', message: `"${o.to}" is not a promotion number`, fix: `pass a number from imagestack history --version ${o.version}` });
        }
      }
      const result = await revertVersion({
        specsFile: findSpecsFile(g.specs),
        version: o.version,
        to,
        dryRun: o.dryRun,
        registry: g.registry,
        namespace: g.namespace,
        onProgress: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(o.json ? `${JSON.stringify(result, null, 2)}\n` : `\n${releaseSummary(result)}`);
    });
}
