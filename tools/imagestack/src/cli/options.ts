/**
 * What the commands share about options: the global options (`--specs`, and `--registry` /
 * `--namespace` with their environment variables declared once through commander's
 * `Option.env()`), the overrides they give to the core, and the parsers of option values
 * (commander's `.argParser()`).
 *
 * A parser throws {@link InputError} (exit 2) naming the option and its value, what is wrong
 * and the fix, the same `file: error: message` + `fix:` form as every other input problem:
 * commander passes an error other than its `InvalidArgumentError` through unchanged (its
 * `_callParseArg`), so the value is refused while the arguments are parsed, before any work.
 */
import { Command, Option } from 'commander';
import { InputError } from '../core/errors';
import { DURATION_FIX, parseDuration } from '../core/util/duration';
import { BUILDER_CHOICES, type BuilderChoice } from '../core/specs/builder';

/** Environment variable read when `--registry` is not given. */
export const REGISTRY_ENV = 'IMAGESTACK_REGISTRY';
/** Environment variable read when `--namespace` is not given. */
export const NAMESPACE_ENV = 'IMAGESTACK_NAMESPACE';

/** Environment variable read when `--builder` is not given. */
export const BUILDER_ENV = 'IMAGESTACK_BUILDER';

/** The global options every command reads (`cmd.optsWithGlobals()`). */
export interface GlobalFlags {
  specs?: string;
  registry?: string;
  namespace?: string;
  /** `--builder` / IMAGESTACK_BUILDER, over specs.yml `builder`. */
  builder?: BuilderChoice;
}

/** Adds `--specs`, `--registry` (env {@link REGISTRY_ENV}) and `--namespace` (env {@link NAMESPACE_ENV}) to `program`. */
export function addGlobalOptions(program: Command): Command {
  return program
    .option('--specs <file>', 'path of specs.yml (default: the nearest one upwards)')
    .addOption(new Option('--registry <host>', 'registry host[:port], overriding specs.yml').env(REGISTRY_ENV))
    .addOption(new Option('--namespace <path>', 'repository namespace, overriding specs.yml').env(NAMESPACE_ENV))
    .addOption(
      new Option('--builder <builder>', 'auto (BuildKit where available, else the legacy builder), buildkit or classic, overriding specs.yml')
        .env(BUILDER_ENV)
        .argParser(builderChoice),
    );
}

/** Parser of `--builder` (and IMAGESTACK_BUILDER). */
export function builderChoice(value: string): BuilderChoice {
  if (!(BUILDER_CHOICES as readonly string[]).includes(value)) {
    throw optionError('--builder', value, 'not a builder', `write one of ${BUILDER_CHOICES.join(', ')} (--builder or ${BUILDER_ENV})`);
  }
  return value as BuilderChoice;
}

/** `builder` and where it came from (`--builder` or IMAGESTACK_BUILDER), for `runPipeline` / `makePlan`. */
export function builderOverride(cmd: Command): { builder?: BuilderChoice; builderFrom?: string } {
  const builder = globalFlags(cmd).builder;
  if (builder === undefined) return {};
  return { builder, builderFrom: cmd.getOptionValueSourceWithGlobals('builder') === 'env' ? BUILDER_ENV : '--builder' };
}

/** The global options of the command being run. */
export function globalFlags(cmd: Command): GlobalFlags {
  return cmd.optsWithGlobals() as GlobalFlags;
}

/** The input error of a bad value of option `flag`. */
export function optionError(flag: string, value: string, message: string, fix: string): InputError {
  return new InputError({ file: `${flag} ${value}`, message, fix });
}

/** Parser of a whole number of at least `min` (`--parallel`). */
export function wholeNumber(flag: string, min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) {
      throw optionError(flag, value, `not a whole number ≥ ${min}`, `write a whole number from ${min}, e.g. ${flag} ${Math.max(min, 2)}`);
    }
    return n;
  };
}

/** Parser of a TCP port from 0 to 65535 (`--port`; 0 means any free port). */
export function port(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || n > 65535) throw optionError(flag, value, 'not a port', 'write a whole number from 0 to 65535 (0: any free port), e.g. 8080');
    return n;
  };
}

/**
 * The longest duration option: 24 days, under Node's timer limit (2^31-1 ms, about 24.8
 * days), beyond which `setTimeout` fires at once.
 */
export const MAX_DURATION_MS = 24 * 86_400_000;

/** Parser of a positive duration (`30m`, `1d12h`; see core/util/duration) of at most {@link MAX_DURATION_MS}, in milliseconds. */
export function positiveDuration(flag: string): (value: string) => number {
  return (value) => {
    const ms = parseDuration(value);
    if (ms === undefined || ms <= 0) throw optionError(flag, value, 'not a positive duration', DURATION_FIX);
    if (ms > MAX_DURATION_MS) {
      throw optionError(flag, value, 'longer than 24d, the longest wait imagestack can keep (Node.js timers end at about 24.8 days)', `write at most 24d, e.g. ${flag} 90m`);
    }
    return ms;
  };
}

/** Parser of a repeatable option: every value, in order. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
