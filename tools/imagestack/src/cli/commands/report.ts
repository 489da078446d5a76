/**
 * `imagestack report`: merge the run reports of a CI matrix's jobs into one Markdown report.
 * Exits 0 when it could merge them, whatever the run's outcome (the workflow's gate step
 * looks at the jobs' results).
 */
import { appendFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../core/errors';
import { mergeReports } from '../../core/report/merge';
import { renderMarkdown, type RunReport } from '../../core/report/report';

/** `report.json` files: the paths given, and every `report.json` under the folders given. */
export function findReports(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    if (!statSync(p).isDirectory()) {
      out.push(p);
      return;
    }
    for (const name of readdirSync(p).sort()) {
      const child = path.join(p, name);
      if (statSync(child).isDirectory()) walk(child);
      else if (name === 'report.json') out.push(child);
    }
  };
  for (const p of paths) walk(p);
  return out;
}

/** Registers the command. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('merge run reports (report.json files, or folders holding them) into one Markdown report')
    .argument('<path...>', 'report.json files or folders to search')
    .option('--summary', 'also append it to the file $GITHUB_STEP_SUMMARY names (the job summary)')
    .action((paths: string[], o: { summary?: boolean }) => {
      const files = findReports(paths);
      if (!files.length) {
        throw new InputError({ file: paths.join(', '), message: `no report.json under ${paths.join(', ')}: did the build jobs upload their reports?`, fix: 'give the report.json files, or the folders the build jobs uploaded them to' });
      }
      const report = mergeReports(files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as RunReport));
      const markdown = renderMarkdown(report, process.cwd());
      process.stdout.write(markdown);
      if (o.summary) {
        if (!process.env.GITHUB_STEP_SUMMARY) {
          throw new InputError({ file: '--summary', message: '$GITHUB_STEP_SUMMARY is not set (it is inside a GitHub Actions step)', fix: 'use --summary only in a GitHub Actions step, or drop it' });
        }
        appendFileSync(process.env.GITHUB_STEP_SUMMARY, markdown);
      }
    });
}
