/**
 * The `test:` settings of specs.yml, normalised: an image's own entry (`images.<name>.test`)
 * over the stack-wide `defaults.test`. Their shapes are specs.schema.json's (definition
 * `test`); load.ts puts the result into `ImageSpec.test`. Pure: no I/O.
 *
 * ```yaml
 * defaults:
 *   test: { timeout: 300, limits: { memory: 512m } }     # optional, any key below
 * images:
 *   python:
 *     test:
 *       command: "sh /imagestack/test/run.sh"  # or exec form: ["python3", "-m", "pytest", "/imagestack/test"]
 *       host: "pytest images/python/host-test"  # on the host, cwd = workspace root (own entry only)
 *       folder: test             # relative to images/<name>/ (default "test")
 *       inherit: false           # descendants (final-stage base chain) run it too
 *       timeout: 300             # seconds of wall clock, then the container is killed
 *       user: "1000"             # default: the image's non-root USER, else uid 1000 if it exists, else 65534
 *       network: false           # true: the engine's default network instead of none
 *       limits: { memory: 512m, pids: 256, cpus: 1 }
 * ```
 */
import * as path from 'node:path';
import { TEST_MEMORY_FIX, testFolderMessage, testMemoryMessage } from '../../specs/schema-messages';
import type { SpecIssue } from '../manifest/spec';
import { DEFAULT_LIMITS, MIN_MEMORY_BYTES, parseMemory, type TestLimits } from './limits';

/** Default wall-clock limit of one test suite, in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 300;
/** Default test folder, relative to the image's context. */
export const DEFAULT_TEST_FOLDER = 'test';
/** Where the test folder appears inside the container. */
export const TEST_MOUNT = '/imagestack/test';

/** The keys allowed under `test:`. */
export const TEST_KEYS = ['command', 'host', 'folder', 'inherit', 'timeout', 'user', 'network', 'limits'] as const;

/** An image's test settings with every default applied. */
export interface TestSettings {
  /**
   * What to run: a string runs as `sh -c <string>`, a list is the exec form (argv). Given
   * to the image's ENTRYPOINT as its arguments, like `docker run <image> <command>`.
   * Undefined when neither the image nor `defaults.test` sets one.
   */
  command?: string | string[];
  /**
   * A shell command run on the host (`sh -c`, cwd = the workspace root) with the image's
   * reference in its environment (see run-host.ts). Only from the image's own entry.
   */
  host?: string;
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

/** The test settings of one image, as load.ts puts them into `ImageSpec.test`. */
export interface TestSpec {
  settings: TestSettings;
  /** True when the image's own entry sets `test.command` (the suite runs even with no folder). */
  ownCommand: boolean;
}

type Raw = Record<string, unknown>;

const isObject = (x: unknown): x is Raw => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * The test settings of one image, normalised from sections specs.schema.json accepted: its
 * own `test:` over `defaults.test`, key by key (`limits` merged key by key too), then the
 * defaults of this module. A value that does not fit the schema is skipped (the schema
 * reports it). Adds what the schema cannot say: a folder leaving the image's context, a
 * memory size that does not parse or is below 6 MiB.
 *
 * @param defaults `defaults.test` as plain JSON (or undefined)
 * @param own `images.<image>.test` as plain JSON (or undefined)
 * @returns the settings and those problems, each at its path in specs.yml; never throws
 */
export function normalizeTestSettings(defaults: unknown, own: unknown, image: string): TestSpec & { issues: SpecIssue[] } {
  const issues: SpecIssue[] = [];
  const settings: TestSettings = {
    folder: DEFAULT_TEST_FOLDER,
    folderDeclared: false,
    inherit: false,
    timeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
    network: false,
    limits: { ...DEFAULT_LIMITS },
  };
  let ownCommand = false;
  for (const [at, raw] of [[['defaults', 'test'], defaults], [['images', image, 'test'], own]] as const) {
    if (!isObject(raw)) continue;
    const c = raw.command;
    if ((typeof c === 'string' && c.trim() !== '') || (Array.isArray(c) && c.length > 0 && c.every((x) => typeof x === 'string' && x !== ''))) {
      settings.command = c as string | string[];
      if (at[0] === 'images') ownCommand = true;
    }
    if (typeof raw.host === 'string' && raw.host.trim() !== '') {
      if (at[0] === 'images') settings.host = raw.host;
      else {
        issues.push({
          path: [...at, 'host'],
          message: 'defaults.test.host is not allowed: a host-side test drives one image from outside',
          fix: 'move it to the test settings of the image it tests: images.<name>.test.host',
        });
      }
    }
    if (typeof raw.folder === 'string' && raw.folder !== '') {
      const norm = path.posix.normalize(raw.folder.replace(/\\/g, '/')).replace(/\/+$/, '');
      if (path.posix.isAbsolute(norm) || norm === '..' || norm.startsWith('../')) {
        issues.push({ path: [...at, 'folder'], message: testFolderMessage([...at, 'folder']), fix: 'write a relative path, e.g. folder: test' });
      } else {
        settings.folder = norm === '' ? '.' : norm;
        settings.folderDeclared = true;
      }
    }
    if (typeof raw.inherit === 'boolean') settings.inherit = raw.inherit;
    if (typeof raw.timeout === 'number' && raw.timeout > 0) settings.timeoutSeconds = raw.timeout;
    if (typeof raw.user === 'string' || typeof raw.user === 'number') settings.user = String(raw.user);
    if (typeof raw.network === 'boolean') settings.network = raw.network;
    if (!isObject(raw.limits)) continue;
    const l = raw.limits;
    if ('memory' in l) {
      const bytes = parseMemory(l.memory);
      if (bytes !== undefined && bytes >= MIN_MEMORY_BYTES) settings.limits.memoryBytes = bytes;
      else if (typeof l.memory === 'string' || typeof l.memory === 'number') {
        issues.push({ path: [...at, 'limits', 'memory'], message: testMemoryMessage([...at, 'limits', 'memory'], l.memory), fix: TEST_MEMORY_FIX });
      }
    }
    if (typeof l.pids === 'number' && Number.isInteger(l.pids) && l.pids > 0) settings.limits.pids = l.pids;
    if (typeof l.cpus === 'number' && l.cpus >= 0.01) settings.limits.cpus = l.cpus;
  }
  return { settings, ownCommand, issues };
}

/**
 * The argv given to the image's ENTRYPOINT (the container's `Cmd`): `['sh', '-c', command]`
 * for a string, the list itself for the exec form.
 */
export function commandArgv(command: string | string[]): string[] {
  return typeof command === 'string' ? ['sh', '-c', command] : [...command];
}
