/**
 * The `imagestack` command line. A thin façade: each command parses its options and calls
 * the core. Errors are mapped to exit codes here and only here:
 * 2 bad input (InputError), 3 git (GitError), 4 registry (RegistryError), 5 engine
 * (EngineError), 1 anything else / a failed image, 130 cancelled (Ctrl-C).
 */
import { Command, CommanderError } from 'commander';
import { EngineError, GitError, InputError, RegistryError } from '../core/errors';
import { redact } from '../core/registry/redact';

/* eslint-disable @typescript-eslint/no-require-imports */
/**
 * Every command, in the order `--help` lists them, each registered by requiring its module.
 * Only the command being run is required (see {@link commandOf}), so `imagestack plan` does
 * not load the engine client, the site's layout library or the Kubernetes YAML writer.
 */
const COMMANDS: ReadonlyArray<[string, (program: Command, signal: AbortSignal) => void]> = [
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
