/**
 * What the `build` and `push` executors share: run the core pipeline for one image (all its
 * versions), with Nx having already run the parents' targets (`dependsOn: ^…`).
 */
import * as path from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { builderFromEnv } from '../../core/specs/builder';
import { enginesFromEnv } from '../../core/pipeline/platforms/engines';
import { runPipeline } from '../../core/pipeline/run';
import { createChecksGate, createManifestGate, createTestGate } from '../../core/verify';
import { terminalReporter } from '../../terminal/progress';
import { renderError } from '../../terminal/render-error';
import { summaryTable } from '../../terminal/summary';

/** Options of both executors (schema.json). */
export interface ImageExecutorOptions {
  /** The image (project) to run. */
  image: string;
  /** Only these versions (default all). */
  versions?: string[];
  /** Path of specs.yml relative to the workspace root (default `specs.yml`). */
  specs?: string;
}

/** Which part of the pipeline an executor runs. */
export type ExecutorStep = 'build' | 'manifest' | 'test' | 'push';

/**
 * Runs one part of the pipeline for `options.image`: `build` builds (no gates, no push);
 * `manifest` runs the package manifest and checks, `test` the tests, on the image `build`
 * left in the engine; `push` pushes it (Nx ran `test` before, through `dependsOn`).
 * Images whose tag is already in the registry are skipped by every part.
 *
 * @returns `{ success }` for Nx; errors are printed as the CLI prints them (terminal/render-error.ts:
 *   file:line and fix for bad input, no stack trace unless IMAGESTACK_DEBUG is set), never thrown
 */
export async function runImage(options: ImageExecutorOptions, context: ExecutorContext, step: ExecutorStep): Promise<{ success: boolean }> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const reporter = terminalReporter(process.stdout, { tty: false });
  try {
    const run = await runPipeline({
      specsFile: path.join(context.root, options.specs ?? 'specs.yml'),
      cwd: process.cwd(),
      registry: process.env.IMAGESTACK_REGISTRY,
      namespace: process.env.IMAGESTACK_NAMESPACE,
      images: [options.image],
      versions: options.versions,
      withAncestors: false,
      build: step === 'build',
      gates: step === 'manifest' ? [createManifestGate(), createChecksGate()] : step === 'test' ? [createTestGate()] : [],
      push: step === 'push',
      reporter,
      signal: controller.signal,
      // The same builder as the CLI: specs.yml `builder`, overridden by IMAGESTACK_BUILDER.
      ...builderFromEnv(),
      // Per-platform engines as the CLI's --engine takes them (IMAGESTACK_ENGINES), the same for every target of the image.
      ...enginesFromEnv(),
      onEngine: (line) => process.stdout.write(`engine for ${line}\n`),
    });
    reporter.stop();
    process.stdout.write(`\n${summaryTable(run)}\n`);
    return { success: run.ok };
  } catch (e) {
    reporter.stop();
    process.stderr.write(`${renderError(e)}\n`);
    return { success: false };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
