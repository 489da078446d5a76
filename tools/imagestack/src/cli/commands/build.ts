/** `imagestack build`: run the pipeline (build → gates → push) for the plan. */
import { appendFileSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { ENGINES_ENV, parseEngines } from '../../core/pipeline/platforms/engines';
import { unlistedImageFolders } from '../../core/graph/unlisted-folders';
import { toSpecsJson } from '../../core/specs/document';
import { checkRunId } from '../../core/ci/markers';
import type { RunResult } from '../../core/pipeline/run';
import { terminalReporter } from '../../terminal/progress';
import { credentialArgWarningsOf, findSpecsFile } from '../specs-file';
import { builderOverride, collect, globalFlags, positiveDuration, wholeNumber } from '../options';
import { formatDuration } from '../../terminal/table';
import { summaryTable } from '../../terminal/summary';
import { EXIT_CANCELLED, EXIT_FAILURE } from '../../terminal/render-error';

interface BuildFlags {
  parallel: number;
  base?: string;
  version?: string[];
  push: boolean;
  pushDirty?: boolean;
  force?: boolean;
  output?: string;
  /** Milliseconds (parsed by {@link positiveDuration}). */
  waitForParents?: number;
  runId?: string;
  platform?: string;
  publishIndex?: boolean;
  /** `--engine` values (or IMAGESTACK_ENGINES as one value), parsed in the action. */
  engine?: string[];
}

/**
 * The CI run id for failure markers: `--run-id`, else, for a matrix job (`waiting`) inside
 * GitHub Actions, `<GITHUB_RUN_ID>-<GITHUB_RUN_ATTEMPT>`, else none.
 *
 * @throws InputError when the id cannot be part of a tag
 */
export function ciRunId(flag: string | undefined, waiting: boolean, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag) return checkRunId(flag);
  if (waiting && env.GITHUB_RUN_ID) return checkRunId(`${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`);
  return undefined;
}

/** Registers the command. `signal` is aborted on SIGINT/SIGTERM. */
export function registerBuild(program: Command, signal: AbortSignal): void {
  program
    .command('build')
    .description('build, verify and push the images whose tags are missing from the registry, parents first')
    .argument('[image...]', 'only these images (and the ancestors they need)')
    .option('--parallel <n>', 'images built at once', wholeNumber('--parallel', 1), 2)
    .option('--base <ref>', 'only images changed since this commit, and their descendants')
    .option('--version <v>', 'only this version (repeatable)', collect)
    .option('--no-push', 'build and verify, but push nothing')
    .option('--push-dirty', 'also push tags of uncommitted changes (never done by default)')
    .option('--force', 'rebuild the selected images even if their tag exists, under a new tag <tag>.force-<time>')
    .option('--output <dir>', 'folder for logs and reports (default dist/imagestack)')
    .option(
      '--wait-for-parents <duration>',
      'CI matrix job: build only the named images; wait up to <duration> (e.g. 30m) for parent tags other jobs push, then pull them',
      positiveDuration('--wait-for-parents'),
    )
    .option('--run-id <id>', 'CI run id for failure markers (default in GitHub Actions: <run id>-<run attempt>)')
    .option(
      '--platform <platform>',
      'CI platform job: build, verify and push by digest only this platform of the named multi-platform images, recording the digest for the publish job (no tag)',
    )
    .option(
      '--publish-index',
      "CI publish job: build nothing; wait for the named images' platform jobs to record their digests, then put each image index under its tag",
    )
    .addOption(
      new Option('--engine <platform=host>', 'build, verify and push that platform\'s images on the engine at that DOCKER_HOST address, e.g. linux/arm64=ssh://user@arm-host (repeatable)')
        .env(ENGINES_ENV)
        .argParser(collect),
    )
    .action(async (images: string[], o: BuildFlags, cmd: Command) => {
      const g = globalFlags(cmd);
      const parallel = o.parallel;
      const waitMs = o.waitForParents;
      const runId = ciRunId(o.runId, waitMs !== undefined || o.platform !== undefined || !!o.publishIndex);
      const engines = o.engine ? parseEngines(o.engine, cmd.getOptionValueSource('engine') === 'env' ? ENGINES_ENV : '--engine') : undefined;
      const reporter = terminalReporter();
      const t0 = Date.now();
      let run: RunResult;
      // Required here, not at the top: `imagestack plan` needs none of the build's modules.
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { runPipeline } = require('../../core/pipeline/run') as typeof import('../../core/pipeline/run');
      const { createChecksGate, createManifestGate, createTestGate } = require('../../core/verify') as typeof import('../../core/verify');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const specsFile = findSpecsFile(g.specs);
      const listed = (toSpecsJson(readFileSync(specsFile, 'utf8')) as { images?: Record<string, unknown> } | null)?.images ?? {};
      for (const w of unlistedImageFolders(path.dirname(specsFile), Object.keys(listed), listedContexts(listed))) process.stderr.write(`imagestack: warning: ${w}\n`);
      for (const w of credentialArgWarningsOf(specsFile)) process.stderr.write(`imagestack: warning: ${w}\n`);
      try {
        run = await runPipeline({
          specsFile,
          cwd: process.cwd(),
          registry: g.registry,
          namespace: g.namespace,
          images,
          versions: o.version,
          base: o.base,
          parallel,
          push: o.push,
          pushDirty: o.pushDirty,
          force: o.force,
          outputDir: o.output,
          waitForParents: waitMs !== undefined ? { timeoutMs: waitMs } : undefined,
          runId,
          ...(o.platform !== undefined ? { platform: o.platform } : {}),
          ...(o.publishIndex ? { publishIndex: true } : {}),
          gates: [createManifestGate(), createChecksGate(), createTestGate()],
          reporter,
          signal,
          ...builderOverride(cmd),
          ...(engines?.length ? { engines, onEngine: (line: string) => process.stderr.write(`imagestack: engine for ${line}\n`) } : {}),
        });
      } finally {
        reporter.stop();
      }
      process.stdout.write(`\n${summaryTable(run)}\n\n`);
      if (run.builder) process.stdout.write(`builder: ${run.builder}\n`);
      if (process.env.GITHUB_STEP_SUMMARY) {
        appendFileSync(process.env.GITHUB_STEP_SUMMARY, readFileSync(run.reportFiles.markdown, 'utf8'));
      }
      for (const c of run.stackChecks ?? []) process.stdout.write(`${c.ok ? '✔' : '✖'} ${c.message}\n`);
      const failed = run.results.filter((r) => r.status === 'failed' || r.status === 'blocked' || r.status === 'cancelled');
      process.stdout.write(
        `${run.ok ? 'done' : 'FAILED'} in ${formatDuration(Date.now() - t0)}: ` +
          `${run.results.filter((r) => r.status === 'pushed').length} pushed, ` +
          `${run.results.filter((r) => r.status === 'built').length} built, ` +
          `${run.results.filter((r) => r.status === 'skipped').length} skipped, ${failed.length} not done; report ${run.reportFiles.markdown}\n`,
      );
      if (!run.ok) process.exitCode = signal.aborted ? EXIT_CANCELLED : EXIT_FAILURE;
    });
}

/** The `context:` of each image of specs.yml `images:` (as parsed, before validation) that sets one as a string. */
function listedContexts(listed: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, entry] of Object.entries(listed)) {
    const c = (entry as { context?: unknown } | null)?.context;
    if (typeof c === 'string' && c !== '') out.set(name, c);
  }
  return out;
}
