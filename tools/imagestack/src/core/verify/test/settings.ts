/**
 * The `test:` settings of specs.yml, read and validated: an image's own entry
 * (`images.<name>.test`) over the stack-wide `defaults.test`. specs.schema.json accepts any
 * mapping there; the rules live here. Pure: no I/O.
 *
 * ```yaml
 * defaults:
 *   test: { timeout: 300, limits: { memory: 512m } }     # optional, any key below
 * images:
 *   python:
 *     test:
 *       command: "sh /imagestack/test/run.sh"  # or exec form: ["python3", "-m", "pytest", "/imagestack/test"]
 *       folder: test             # relative to images/<name>/ (default "test")
 *       inherit: false           # descendants (final-stage base chain) run it too
 *       timeout: 300             # seconds of wall clock, then the container is killed
 *       user: "1000"             # default: the image's non-root USER, else uid 1000 if it exists, else 65534
 *       network: false           # true: the engine's default network instead of none
 *       limits: { memory: 512m, pids: 256, cpus: 1 }
 * ```
 */
import * as path from 'node:path';
import type { Problem } from '../../errors';
import type { ImageSpec, Specs } from '../../specs/types';
import { closest, quoteList } from '../../util/suggest';
import { DEFAULT_LIMITS, MIN_MEMORY_BYTES, parseMemory, type TestLimits } from './limits';

/** Default wall-clock limit of one test suite, in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 300;
/** Default test folder, relative to the image's context. */
export const DEFAULT_TEST_FOLDER = 'test';
/** Where the test folder appears inside the container. */
export const TEST_MOUNT = '/imagestack/test';

/** The keys allowed under `test:`. */
export const TEST_KEYS = ['command', 'folder', 'inherit', 'timeout', 'user', 'network', 'limits'] as const;
/** The keys allowed under `test.limits:`. */
export const LIMIT_KEYS = ['memory', 'pids', 'cpus'] as const;

/** An image's test settings with every default applied. */
export interface TestSettings {
  /**
   * What to run: a string runs as `sh -c <string>`, a list is the exec form (argv). Given
   * to the image's ENTRYPOINT as its arguments, like `docker run <image> <command>`.
   * Undefined when neither the image nor `defaults.test` sets one.
   */
  command?: string | string[];
  /** Test folder relative to the image's context, `/`-separated (default `test`). */
  folder: string;
  /** True when `folder` was written in specs.yml (then it must exist). */
  folderDeclared: boolean;
  /** Descendants along the final-stage base chain run this suite too. Default false. */
  inherit: boolean;
  /** Wall-clock limit in seconds (default 300). */
  timeoutSeconds: number;
  /** User to run as (`1000`, `sandbox`, `1000:1000`); undefined = detect (see user.ts). */
  user?: string;
  /** Keep the engine's default network; default false (`NetworkMode: none`). */
  network: boolean;
  limits: TestLimits;
}

/** The outcome of {@link readTestSettings}. */
export interface ReadSettings {
  settings: TestSettings;
  /** True when the image's own entry sets `test.command` (the suite runs even with no folder). */
  ownCommand: boolean;
  /** Every problem found, in the image's entry and in `defaults.test`. */
  problems: Problem[];
}

type Raw = Record<string, unknown>;

const isObject = (x: unknown): x is Raw => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Reads the test settings of one image: its own `test:` over `defaults.test`, key by key
 * (`limits` merged key by key too), then the defaults of this module.
 *
 * @returns the settings and every problem found (an unknown key, a wrong type, a folder
 *   leaving the context, a memory size it cannot read…); never throws
 */
export function readTestSettings(specs: Specs, spec: ImageSpec): ReadSettings {
  const problems: Problem[] = [];
  const file = path.relative(specs.root, specs.file) || 'specs.yml';
  const defaults = specs.raw.defaults;
  const fromDefaults = isObject(defaults) ? defaults.test : undefined;
  const own = spec.raw.test;
  const at = (where: 'defaults' | 'image', key: string) => (where === 'defaults' ? `defaults.test.${key}` : `images.${spec.name}.test.${key}`);
  const problem = (where: 'defaults' | 'image', message: string, fix: string) =>
    problems.push({ file, line: where === 'image' ? spec.line : undefined, message, fix });

  const layers: Array<['defaults' | 'image', Raw]> = [];
  for (const [where, value] of [['defaults', fromDefaults], ['image', own]] as const) {
    if (value === undefined || value === null) continue;
    if (!isObject(value)) {
      problem(where, `${where === 'defaults' ? 'defaults.test' : `images.${spec.name}.test`} must be a mapping`, 'write e.g. test: { command: "sh /imagestack/test/run.sh" }');
      continue;
    }
    for (const key of Object.keys(value)) {
      if ((TEST_KEYS as readonly string[]).includes(key)) continue;
      const near = closest(key, TEST_KEYS);
      problem(where, `unknown key "${key}" in ${at(where, '').slice(0, -1)}`, near ? `did you mean "${near}"?` : `remove it; the keys allowed are ${quoteList(TEST_KEYS)}`);
    }
    layers.push([where, value]);
  }

  const settings: TestSettings = {
    folder: DEFAULT_TEST_FOLDER,
    folderDeclared: false,
    inherit: false,
    timeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
    network: false,
    limits: { ...DEFAULT_LIMITS },
  };
  let ownCommand = false;
  for (const [where, raw] of layers) {
    if ('command' in raw) {
      const c = raw.command;
      if (typeof c === 'string' && c.trim() !== '') settings.command = c;
      else if (Array.isArray(c) && c.length > 0 && c.every((x) => typeof x === 'string' && x !== '')) settings.command = c as string[];
      else problem(where, `${at(where, 'command')} must be a non-empty string or a list of strings`, 'write e.g. command: "sh /imagestack/test/run.sh"');
      if (where === 'image') ownCommand = settings.command !== undefined;
    }
    if ('folder' in raw) {
      const f = raw.folder;
      const norm = typeof f === 'string' ? path.posix.normalize(f.replace(/\\/g, '/')).replace(/\/+$/, '') : '';
      if (typeof f !== 'string' || f === '' || path.posix.isAbsolute(norm) || norm === '..' || norm.startsWith('../')) {
        problem(where, `${at(where, 'folder')} must be a folder inside the image's context images/${spec.name}/`, 'write a relative path, e.g. folder: test');
      } else {
        settings.folder = norm === '' ? '.' : norm;
        settings.folderDeclared = true;
      }
    }
    if ('inherit' in raw) {
      if (typeof raw.inherit === 'boolean') settings.inherit = raw.inherit;
      else problem(where, `${at(where, 'inherit')} must be true or false`, 'write inherit: true or inherit: false');
    }
    if ('timeout' in raw) {
      const t = raw.timeout;
      if (typeof t === 'number' && Number.isFinite(t) && t > 0) settings.timeoutSeconds = t;
      else problem(where, `${at(where, 'timeout')} must be a positive number of seconds`, 'write e.g. timeout: 120');
    }
    if ('user' in raw) {
      const u = raw.user;
      if ((typeof u === 'string' && /^[A-Za-z0-9_.][A-Za-z0-9_.-]*(:[A-Za-z0-9_.][A-Za-z0-9_.-]*)?$/.test(u)) || (typeof u === 'number' && Number.isInteger(u) && u >= 0)) {
        settings.user = String(u);
      } else {
        problem(where, `${at(where, 'user')} must be a user name or uid, optionally with :group`, 'write e.g. user: "1000" or user: "sandbox:sandbox"');
      }
    }
    if ('network' in raw) {
      if (typeof raw.network === 'boolean') settings.network = raw.network;
      else problem(where, `${at(where, 'network')} must be true or false`, 'write network: true to give tests the engine\'s default network (the default is none)');
    }
    if ('limits' in raw) {
      const l = raw.limits;
      if (!isObject(l)) {
        problem(where, `${at(where, 'limits')} must be a mapping`, 'write e.g. limits: { memory: 512m, pids: 256, cpus: 1 }');
        continue;
      }
      for (const key of Object.keys(l)) {
        if ((LIMIT_KEYS as readonly string[]).includes(key)) continue;
        const near = closest(key, LIMIT_KEYS);
        problem(where, `unknown key "${key}" in ${at(where, 'limits')}`, near ? `did you mean "${near}"?` : `remove it; the keys allowed are ${quoteList(LIMIT_KEYS)}`);
      }
      if ('memory' in l) {
        const bytes = parseMemory(l.memory);
        if (bytes !== undefined && bytes >= MIN_MEMORY_BYTES) settings.limits.memoryBytes = bytes;
        else problem(where, `${at(where, 'limits.memory')} must be a size of at least 6m, but it is ${JSON.stringify(l.memory)}`, 'write e.g. memory: 512m (k, m, g are KiB, MiB, GiB; a bare number is bytes)');
      }
      if ('pids' in l) {
        if (typeof l.pids === 'number' && Number.isInteger(l.pids) && l.pids > 0) settings.limits.pids = l.pids;
        else problem(where, `${at(where, 'limits.pids')} must be a positive whole number`, 'write e.g. pids: 256');
      }
      if ('cpus' in l) {
        if (typeof l.cpus === 'number' && Number.isFinite(l.cpus) && l.cpus >= 0.01) settings.limits.cpus = l.cpus;
        else problem(where, `${at(where, 'limits.cpus')} must be a number of CPUs of at least 0.01`, 'write e.g. cpus: 1 or cpus: 0.5');
      }
    }
  }
  return { settings, ownCommand, problems };
}

/**
 * The argv given to the image's ENTRYPOINT (the container's `Cmd`): `['sh', '-c', command]`
 * for a string, the list itself for the exec form.
 */
export function commandArgv(command: string | string[]): string[] {
  return typeof command === 'string' ? ['sh', '-c', command] : [...command];
}
