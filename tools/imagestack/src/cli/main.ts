/**
 * The `imagestack` command line. A thin façade: each command parses its options and calls
 * the core. Errors are mapped to exit codes here and only here:
 * 2 bad input (InputError), 3 git (GitError), 4 registry (RegistryError), 5 engine
 * (EngineError), 1 anything else / a failed image, 130 cancelled (Ctrl-C).
 */
import { Command, CommanderError } from 'commander';
import { EngineError, GitError, InputError, RegistryError } from '../core/errors';
import { redact } from '../core/registry/redact';
import { registerBuild } from './commands/build';
import { registerMatrix } from './commands/matrix';
import { registerPlan } from './commands/plan';
import { registerPromote } from './commands/promote';
import { registerRevert } from './commands/revert';
import { registerHistory } from './commands/history';
import { registerServe } from './commands/serve';
import { registerSite } from './commands/site';
import { registerAudit } from './commands/audit';
import { registerPrepull } from './commands/prepull';
import { registerStamp } from './commands/stamp';
import { registerReport } from './commands/report';

/**
 * Runs the CLI with `argv` (as `process.argv`).
 *
 * @returns the exit code
 */
export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\nimagestack: ${sig}: cancelling (cleaning up containers; press Ctrl-C again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const program = new Command('imagestack')
    .description('Build a stack of Docker images that depend on each other, tagged from git history.')
    .option('--specs <file>', 'path of specs.yml (default: the nearest one upwards)')
    .option('--registry <host>', 'registry host[:port], overriding specs.yml (env IMAGESTACK_REGISTRY)')
    .option('--namespace <path>', 'repository namespace, overriding specs.yml (env IMAGESTACK_NAMESPACE)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerPlan(program);
  registerBuild(program, controller.signal);
  registerPromote(program);
  registerRevert(program);
  registerHistory(program);
  registerSite(program);
  registerServe(program, controller.signal);
  registerPrepull(program, controller.signal);
  registerStamp(program);
  registerAudit(program);
  registerMatrix(program);
  registerReport(program);

  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    return report(e);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function report(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
  const say = (s: string) => process.stderr.write(`${redact(s)}\n`);
  if (e instanceof InputError) {
    say(`imagestack: ${e.problems.length} problem${e.problems.length > 1 ? 's' : ''} in the input; nothing was built or pushed.\n`);
    say(e.message);
    return 2;
  }
  if (e instanceof GitError) {
    say(`imagestack: git: ${e.message}`);
    return 3;
  }
  if (e instanceof RegistryError) {
    say(`imagestack: registry: ${e.message}`);
    return 4;
  }
  if (e instanceof EngineError) {
    say(`imagestack: engine: ${e.message}`);
    if (e.logTail.length) say(e.logTail.map((l) => `  | ${l}`).join('\n'));
    return 5;
  }
  say(`imagestack: ${(e as Error)?.message ?? String(e)}`);
  if (process.env.IMAGESTACK_DEBUG) say(String((e as Error)?.stack));
  return 1;
}
