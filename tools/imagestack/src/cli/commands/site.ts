/** `imagestack site`: write the static site (stack, images, promotions, last run). */
import * as path from 'node:path';
import type { Command } from 'commander';
import { readPromotions } from '../../core/release/history';
import { generateSite, type SiteResult } from '../../core/site/generate';
import { formatBytes } from '../../core/util/format';
import { findSpecsFile } from '../specs-file';

/** Options shared by `site` and `serve`. */
export interface SiteFlags {
  out?: string;
  runDir?: string;
}

/** Generates the site with the CLI's options; prints what was written. */
export async function runSite(o: SiteFlags, g: { specs?: string; registry?: string; namespace?: string }): Promise<SiteResult> {
  const specsFile = findSpecsFile(g.specs);
  const root = path.dirname(specsFile);
  const result = await generateSite({
    specsFile,
    registry: g.registry,
    namespace: g.namespace,
    outDir: o.out ? path.resolve(o.out) : path.join(root, 'dist', 'site'),
    runDir: o.runDir ? path.resolve(o.runDir) : undefined,
    readPromotions,
  });
  const pages = Object.keys(result.files).filter((f) => f.endsWith('.html')).length;
  const total = Object.values(result.files).reduce((a, b) => a + b, 0);
  process.stderr.write(
    `imagestack: wrote ${pages} pages (${formatBytes(total)} in all; stack page ${formatBytes(result.files['index.html'])}) to ${path.relative(process.cwd(), result.outDir) || '.'}\n`,
  );
  for (const w of result.model.sources.warnings) process.stderr.write(`imagestack: warning: ${w}\n`);
  process.stdout.write(`${path.join(result.outDir, 'index.html')}\n`);
  return result;
}

/** Registers the command. */
export function registerSite(program: Command): void {
  program
    .command('site')
    .description('write a static site of the stack: graph, tags, package diffs, durations, promotions, last run')
    .option('--out <dir>', 'folder to write (default dist/site next to specs.yml); opens from file:// and GitHub Pages')
    .option('--run-dir <dir>', 'run output folder to read reports and package manifests from (default dist/imagestack)')
    .action(async (o: SiteFlags, cmd: Command) => {
      await runSite(o, cmd.optsWithGlobals());
    });
}
