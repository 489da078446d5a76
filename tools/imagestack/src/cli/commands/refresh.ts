/**
 * `imagestack refresh`: re-pin external bases whose tag moved upstream, after building and
 * gating the images on them without pushing; optionally commit the new pins (core/refresh).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { renderReport } from '../../core/refresh/message';
import { runRefresh } from '../../core/refresh/refresh';
import type { RefreshReport } from '../../core/refresh/types';
import { InputError } from '../../core/errors';
import { terminalReporter } from '../../terminal/progress';
import { EXIT_CANCELLED, EXIT_FAILURE } from '../../terminal/render-error';
import { findSpecsFile } from '../specs-file';
import { globalFlags, wholeNumber } from '../options';

interface RefreshFlags {
  commit?: boolean;
  branch?: string;
  dryRun?: boolean;
  packages?: boolean;
  json?: boolean;
  parallel: number;
  output?: string;
  report?: string;
}

/** Registers the command. `signal` is aborted on SIGINT/SIGTERM. */
export function registerRefresh(program: Command, signal: AbortSignal): void {
  program
    .command('refresh')
    .description('pin external bases to the digest their tag points at now; verify the images on them (built and gated, never pushed) before rewriting the pins')
    .option('--commit', 'commit the new pins (one commit listing each base, old → new digest, and the images whose tags will move)')
    .option('--branch <name>', 'with --commit: commit on this branch, made (or reset) at HEAD')
    .option('--dry-run', 'only list the bases whose pin would change; build and write nothing')
    .option('--packages', 'also rebuild the root images without layer cache (never pushed) and name the packages that changed since their current tags')
    .option('--json', 'print the report as JSON')
    .option('--parallel <n>', 'images built at once while verifying', wholeNumber('--parallel', 1), 2)
    .option('--output <dir>', 'folder for the verification logs and reports (default dist/imagestack)')
    .option('--report <file>', 'also write the report as Markdown to this file (e.g. a pull request body)')
    .action(async (o: RefreshFlags, cmd: Command) => {
      if (o.branch !== undefined && !o.commit) {
        throw new InputError({ file: '--branch', message: '--branch is only used with --commit', fix: 'add --commit, or leave --branch out' });
      }
      const g = globalFlags(cmd);
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { createChecksGate, createManifestGate, createTestGate } = require('../../core/verify') as typeof import('../../core/verify');
      /* eslint-enable @typescript-eslint/no-require-imports */
      // No progress with --json: stdout stays one JSON document.
      const reporter = o.json ? undefined : terminalReporter();
      let report: RefreshReport;
      try {
        report = await runRefresh({
          specsFile: findSpecsFile(g.specs),
          registry: g.registry,
          namespace: g.namespace,
          dryRun: o.dryRun,
          packages: o.packages,
          commit: o.commit,
          branch: o.branch,
          pipeline: {
            cwd: process.cwd(),
            parallel: o.parallel,
            outputDir: o.output,
            gates: [createManifestGate(), createChecksGate(), createTestGate()],
            reporter,
            signal,
          },
        });
      } finally {
        reporter?.stop();
      }
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `\n${renderReport(report)}`);
      if (o.report) writeFileSync(o.report, renderReport(report));
      if (report.outcome === 'failed' || report.bases.some((b) => b.status === 'error') || report.packages?.some((p) => p.status === 'error')) {
        process.exitCode = signal.aborted ? EXIT_CANCELLED : EXIT_FAILURE;
      }
    });
}
