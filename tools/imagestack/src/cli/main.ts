/**
 * The `imagestack` command line. A thin façade: each command parses its options and calls
 * the core. Errors are turned into exit codes here and only here, by the mapping of
 * terminal/render-error.ts: 2 bad input (InputError, a bad option value), 3 git (GitError),
 * 4 registry (RegistryError), 5 engine (EngineError), 130 cancelled (CancelledError, Ctrl-C),
 * 1 anything else / a failed image.
 */
import { Command, CommanderError } from 'commander';
import { addGlobalOptions } from './options';
import { EXIT_CANCELLED, EXIT_INPUT, exitCodeOf, renderError } from '../terminal/render-error';

/* eslint-disable @typescript-eslint/no-require-imports */
/**
 * Every command, in the order `--help` lists them, each registered by requiring its module.
 * Only the command being run is required (see {@link commandOf}), so `imagestack plan` does
 * not load the engine client, the site's layout library or the Kubernetes YAML writer.
 */
const COMMANDS: ReadonlyArray<[string, (program: Command, signal: AbortSignal) => void]> = [
  ['init', (p) => (require('./commands/init') as typeof import('./commands/init')).registerInit(p)],
  ['plan', (p) => (require('./commands/plan') as typeof import('./commands/plan')).registerPlan(p)],
  ['build', (p, s) => (require('./commands/build') as typeof import('./commands/build')).registerBuild(p, s)],
  ['promote', (p) => (require('./commands/promote') as typeof import('./commands/promote')).registerPromote(p)],
  ['revert', (p) => (require('./commands/revert') as typeof import('./commands/revert')).registerRevert(p)],
  ['history', (p) => (require('./commands/history') as typeof import('./commands/history')).registerHistory(p)],
  ['site', (p) => (require('./commands/site') as typeof import('./commands/site')).registerSite(p)],
  ['serve', (p, s) => (require('./commands/serve') as typeof import('./commands/serve')).registerServe(p, s)],
  ['prepull', (p, s) => (require('./commands/prepull') as typeof import('./commands/prepull')).registerPrepull(p, s)],
  ['stamp', (p) => (require('./commands/stamp') as typeof import('./commands/stamp')).registerStamp(p)],
  ['audit', (p) => (require('./commands/audit') as typeof import('./commands/audit')).registerAudit(p)],
  ['matrix', (p) => (require('./commands/matrix') as typeof import('./commands/matrix')).registerMatrix(p)],
  ['report', (p) => (require('./commands/report') as typeof import('./commands/report')).registerReport(p)],
  ['refresh', (p, s) => (require('./commands/refresh') as typeof import('./commands/refresh')).registerRefresh(p, s)],
];
/* eslint-enable @typescript-eslint/no-require-imports */

/** Global options that take a value (their value is not the command name). */
const GLOBAL_WITH_VALUE = new Set(['--specs', '--registry', '--namespace']);

/**
 * The command named in `argv` (as `process.argv`), when it is one of {@link COMMANDS};
 * undefined for `help`, `--help`, no command or an unknown one (then all are registered,
 * so help and "unknown command" suggestions see every command).
 */
export function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (GLOBAL_WITH_VALUE.has(a)) i++;
    else if (a.startsWith('-')) {
      if (a === '-h' || a === '--help') return undefined;
    } else return COMMANDS.some(([name]) => name === a) ? a : undefined;
  }
  return undefined;
}

/**
 * Runs the CLI with `argv` (as `process.argv`).
 *
 * @returns the exit code
 */
export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(EXIT_CANCELLED);
    process.stderr.write(`\nimagestack: ${sig}: cancelling (cleaning up containers; press Ctrl-C again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const program = addGlobalOptions(new Command('imagestack').description('Build a stack of Docker images that depend on each other, tagged from git history.'))
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const only = commandOf(argv);
  for (const [name, register] of COMMANDS) if (!only || name === only) register(program, controller.signal);

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

/** Prints `e` as every façade does (terminal/render-error.ts) and returns its exit code; commander's own errors were printed by commander. */
function report(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_INPUT;
  process.stderr.write(`${renderError(e)}\n`);
  return exitCodeOf(e);
}
