/**
 * `imagestack matrix`: the plan as a GitHub Actions matrix, one job per image and version to
 * build (see core/ci/matrix.ts and the README, "CI: matrix and workflows").
 */
import { appendFileSync } from 'node:fs';
import type { Command } from 'commander';
import { makeMatrix, type Matrix } from '../../core/ci/matrix';
import { parseRunnerFlags } from '../../core/ci/platform-runners';
import { InputError } from '../../core/errors';
import { commitsBetween, revParse } from '../../core/git/git';
import { makePlan } from '../../core/plan/make-plan';
import { findSpecsFile } from '../specs-file';
import { builderOverride, collect, globalFlags } from '../options';

/**
 * The lines `imagestack matrix --github-output` appends to `$GITHUB_OUTPUT` ("Setting an
 * output parameter": `name=value`, one per line): `matrix` (compact JSON, for
 * `fromJSON(...)` in `strategy.matrix`), `count` (jobs; `0` means skip the matrix job, since
 * GitHub fails a job whose matrix is empty) and `head` (the commit every job must check out).
 */
export function githubOutputLines(matrix: Matrix, head: string): string {
  return `matrix=${JSON.stringify(matrix)}\ncount=${matrix.include.length}\nhead=${head}\n`;
}

/** Registers the command. */
export function registerMatrix(program: Command): void {
  program
    .command('matrix')
    .description('print the GitHub Actions matrix of the plan: one job per image and version whose tag is missing, parents first')
    .option('--base <ref>', 'only images changed since this commit, their descendants, and the ancestors they need')
    .option('--head <ref>', 'commit to plan', 'HEAD')
    .option('--github-output', 'also append matrix=, count= and head= to the file $GITHUB_OUTPUT names')
    .option('--pretty', 'indent the JSON')
    .option(
      '--runner <platform=label>',
      'runs-on label of the jobs building a platform, e.g. linux/arm64=my-arm-runner (repeatable; defaults: linux/amd64=ubuntu-latest, linux/arm64=ubuntu-24.04-arm)',
      collect,
    )
    .action(async (o: { base?: string; head: string; githubOutput?: boolean; pretty?: boolean; runner?: string[] }, cmd: Command) => {
      const g = globalFlags(cmd);
      const runners = parseRunnerFlags(o.runner ?? []);
      const { plan, stack } = await makePlan({
        specsFile: findSpecsFile(g.specs),
        head: o.head,
        registry: g.registry,
        namespace: g.namespace,
        // The Dockerfiles are checked against the builder the jobs will use (same PATH, same flag).
        ...builderOverride(cmd),
      });
      const root = stack.specs.root;
      const changed = o.base ? await commitsBetween(root, await revParse(root, o.base), plan.head) : undefined;
      const matrix = makeMatrix(plan, { changed, runners });
      process.stdout.write(`${JSON.stringify(matrix, null, o.pretty ? 2 : undefined)}\n`);
      const waves = new Set(matrix.include.map((e) => e.wave)).size;
      process.stderr.write(
        `imagestack: ${matrix.include.length} job${matrix.include.length === 1 ? '' : 's'} in ${waves} wave${waves === 1 ? '' : 's'} at ${plan.head.slice(0, 7)}` +
          `${matrix.include.length ? '' : ' (every tag is in the registry: nothing to build)'}\n`,
      );
      if (o.githubOutput) {
        const file = process.env.GITHUB_OUTPUT;
        if (!file) {
          throw new InputError({ file: '--github-output', message: '$GITHUB_OUTPUT is not set (it is inside a GitHub Actions step)', fix: 'use --github-output only in a GitHub Actions step, or drop it' });
        }
        appendFileSync(file, githubOutputLines(matrix, plan.head));
      }
    });
}
