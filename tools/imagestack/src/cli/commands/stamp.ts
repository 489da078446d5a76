/** `imagestack stamp`: the lock file of a commit and the stamped copies of the stack's JSON files. */
import * as path from 'node:path';
import type { Command } from 'commander';
import { stamp } from '../../core/stamp/stamp';
import { findSpecsFile } from '../specs-file';
import { collect, globalFlags } from '../options';
import { formatTable } from '../../terminal/table';

/** Registers the command. */
export function registerStamp(program: Command): void {
  program
    .command('stamp')
    .description("write a lock file (image, version → repository:tag@digest) for a commit, and stamp the references into copies of the JSON files specs.yml names")
    .option('--commit <sha>', 'commit whose tags are resolved', 'HEAD')
    .option('--version <v>', 'only this version (repeatable)', collect)
    .option('--out <dir>', 'output folder (default dist/imagestack/stamp)')
    .action(async (o: { commit: string; version?: string[]; out?: string }, cmd: Command) => {
      const g = globalFlags(cmd);
      const r = await stamp({
        specsFile: findSpecsFile(g.specs),
        commit: o.commit,
        versions: o.version,
        outDir: o.out,
        registry: g.registry,
        namespace: g.namespace,
      });
      const rel = (p: string) => path.relative(process.cwd(), p) || '.';
      process.stdout.write(`lock file for ${r.commit.slice(0, 7)}: ${rel(r.lockFile)} (${r.images.length} image versions)\n`);
      if (r.stamped.length) {
        const rows = r.stamped.map((s) => [rel(s.output), s.pointer, s.value]);
        process.stdout.write(`\n${formatTable(['stamped copy', 'pointer', 'value'], rows)}\n`);
      } else {
        process.stdout.write('no stamp: settings in specs.yml, so no file was stamped\n');
      }
    });
}
