/** `imagestack build`: run the pipeline (build → gates → push) for the plan. */
import { appendFileSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { RunResult } from '../../core/pipeline/run';
import { terminalReporter } from '../progress';
import { findSpecsFile } from '../specs-file';
import { formatBytes, formatDuration, formatTable } from '../table';

interface BuildFlags {
  parallel: string;
  base?: string;
  version?: string[];
  push: boolean;
  pushDirty?: boolean;
  force?: boolean;
  output?: string;
}

/** The closing summary table of a run. */
export function summaryTable(run: RunResult): string {
  const rows = run.results.map((r) => [
    r.image,
    r.version,
    r.status,
    r.tag,
    r.durations.build !== undefined ? formatDuration(r.durations.build) : '',
    r.durations.push !== undefined ? formatDuration(r.durations.push) : '',
    formatBytes(r.size),
    r.reason,
  ]);
  return formatTable(['image', 'version', 'status', 'tag', 'build', 'push', 'size', 'reason'], rows);
}

/** Registers the command. `signal` is aborted on SIGINT/SIGTERM. */
export function registerBuild(program: Command, signal: AbortSignal): void {
  program
    .command('build')
    .description('build, verify and push the images whose tags are missing from the registry, parents first')
    .argument('[image...]', 'only these images (and the ancestors they need)')
    .option('--parallel <n>', 'images built at once', '2')
    .option('--base <ref>', 'only images changed since this commit, and their descendants')
    .option('--version <v>', 'only this version (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--no-push', 'build and verify, but push nothing')
    .option('--push-dirty', 'also push tags of uncommitted changes (never done by default)')
    .option('--force', 'rebuild the selected images even if their tag exists, under a new tag <tag>.force-<time>')
    .option('--output <dir>', 'folder for logs and reports (default dist/imagestack)')
    .action(async (images: string[], o: BuildFlags, cmd: Command) => {
      const g = cmd.optsWithGlobals() as { specs?: string; registry?: string; namespace?: string };
      const parallel = Number(o.parallel);
      if (!Number.isInteger(parallel) || parallel < 1) throw new Error(`--parallel must be a whole number ≥ 1, got "${o.parallel}"`);
      const reporter = terminalReporter();
      const t0 = Date.now();
      let run: RunResult;
      // Required here, not at the top: `imagestack plan` needs none of the build's modules.
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { runPipeline } = require('../../core/pipeline/run') as typeof import('../../core/pipeline/run');
      const { createChecksGate, createManifestGate, createTestGate } = require('../../core/verify') as typeof import('../../core/verify');
      /* eslint-enable @typescript-eslint/no-require-imports */
      try {
        run = await runPipeline({
          specsFile: findSpecsFile(g.specs),
          registry: g.registry ?? process.env.IMAGESTACK_REGISTRY,
          namespace: g.namespace ?? process.env.IMAGESTACK_NAMESPACE,
          images,
          versions: o.version,
          base: o.base,
          parallel,
          push: o.push,
          pushDirty: o.pushDirty,
          force: o.force,
          outputDir: o.output,
          gates: [createManifestGate(), createChecksGate(), createTestGate()],
          reporter,
          signal,
        });
      } finally {
        reporter.stop();
      }
      process.stdout.write(`\n${summaryTable(run)}\n\n`);
      if (process.env.GITHUB_STEP_SUMMARY) {
        appendFileSync(process.env.GITHUB_STEP_SUMMARY, readFileSync(run.reportFiles.markdown, 'utf8'));
      }
      const failed = run.results.filter((r) => r.status === 'failed' || r.status === 'blocked' || r.status === 'cancelled');
      process.stdout.write(
        `${run.ok ? 'done' : 'FAILED'} in ${formatDuration(Date.now() - t0)}: ` +
          `${run.results.filter((r) => r.status === 'pushed').length} pushed, ` +
          `${run.results.filter((r) => r.status === 'built').length} built, ` +
          `${run.results.filter((r) => r.status === 'skipped').length} skipped, ${failed.length} not done; report ${run.reportFiles.markdown}\n`,
      );
      if (!run.ok) process.exitCode = signal.aborted ? 130 : 1;
    });
}
