/** `imagestack history`: the promotions and reverts of a version, newest first, read from the registry. */
import type { Command } from 'commander';
import { loadSpecs } from '../../core/specs/load';
import { RegistryClient } from '../../core/registry';
import { readPromotions } from '../../core/release/history';
import { promotionsRepository } from '../../core/release/record';
import { historyTable } from '../release-table';
import { findSpecsFile } from '../specs-file';
import { globalFlags } from '../options';

/** Registers the command. */
export function registerHistory(program: Command): void {
  program
    .command('history')
    .description('list the promotions and reverts of a version, newest first (read from the registry)')
    .requiredOption('--version <v>', 'the version, e.g. 2026.2')
    .option('--json', 'print the promotion records as JSON (newest first)')
    .action(async (o: { version: string; json?: boolean }, cmd: Command) => {
      const g = globalFlags(cmd);
      const specs = await loadSpecs(findSpecsFile(g.specs), {
        registry: g.registry,
        namespace: g.namespace,
      });
      const client = new RegistryClient({ registry: specs.registry });
      const history = await readPromotions(client, specs.namespace, o.version);
      if (o.json) {
        process.stdout.write(`${JSON.stringify(history, null, 2)}\n`);
      } else if (history.length === 0) {
        process.stdout.write(`no promotion of ${o.version} recorded in ${specs.registry}/${promotionsRepository(specs.namespace)}\n`);
      } else {
        process.stdout.write(`${historyTable(history)}\n`);
      }
    });
}
