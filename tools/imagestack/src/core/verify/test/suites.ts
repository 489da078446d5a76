/**
 * Which test suites an image runs: its own, then every ancestor's suite marked
 * `inherit: true`, following only the final-stage base chain (`finalBase.image`, then its
 * `finalBase.image`, …). Build-stage parents and `COPY --from` sources are not followed:
 * a multi-stage image compiled in a gcc stage does not contain gcc, so it must not run
 * gcc's tests. An image's suites are its in-image suite (`test.command`) and its host-side
 * suite (`test.host`, run by run-host.ts), either or both. Reads the file system only to ask
 * whether test folders exist.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { InputError, type Problem } from '../../errors';
import type { Stack } from '../../graph/types';
import { commandArgv, type TestSettings } from './settings';

/** One test suite to run in a container of the image under test. */
export interface TestSuite {
  /** For reports: the owner's name, plus ` (inherited)` when it comes from an ancestor: `python`, `base (inherited)`. */
  name: string;
  /** The image whose specs.yml entry defines the suite. */
  owner: string;
  /** True when `owner` is an ancestor of the image under test. */
  inherited: boolean;
  /** The container's `Cmd` (argv given to the image's ENTRYPOINT); for a host suite, `['sh', '-c', host]`. */
  argv: string[];
  /** True for a host-side suite (`test.host`): run on the host, not in a container (run-host.ts). */
  host?: boolean;
  /** Absolute path of the test folder to copy in, when it exists; undefined for a command-only suite. */
  folder?: string;
  /** The owner's settings (timeout, limits, user, network). */
  settings: TestSettings;
}

/** Tells whether a path is an existing folder. */
export type FolderExists = (absolutePath: string) => boolean;

/** One `stat`, no exception for a missing path (what a stack of 1,000 images without test folders meets 1,000 times). */
const isFolder: FolderExists = (p) => {
  try {
    return statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
};

/**
 * The images whose suites `image` may inherit: its final-stage base, that image's
 * final-stage base, and so on, nearest first; stops at an external base.
 */
export function finalBaseChain(stack: Stack, image: string): string[] {
  const chain: string[] = [];
  let current = stack.images.get(image);
  while (current && 'image' in current.finalBase) {
    const parent = current.finalBase.image;
    if (chain.includes(parent) || parent === image) break; // the stack is acyclic; never loop anyway
    chain.push(parent);
    current = stack.images.get(parent);
  }
  return chain;
}

/**
 * The own suite of one image, or undefined when it has none. An image has a suite when its
 * own entry sets `test.command`, or when its test folder exists and a command is set (by the
 * entry or `defaults.test`).
 *
 * @returns the suite (undefined: no tests) and every problem found: a test folder with no
 *   command to run it, a declared folder that does not exist (the settings themselves were
 *   checked when specs.yml was loaded)
 */
export function ownSuite(stack: Stack, image: string, exists: FolderExists = isFolder): { suite?: TestSuite; problems: Problem[] } {
  return ownSuiteIn(stack, image, exists, specsFileOf(stack));
}

/** specs.yml relative to the workspace root, as problems name it. */
function specsFileOf(stack: Stack): string {
  return path.relative(stack.specs.root, stack.specs.file) || 'specs.yml';
}

/** {@link ownSuite}, with specs.yml's name (`file`) worked out once by the caller. */
function ownSuiteIn(stack: Stack, image: string, exists: FolderExists, file: string): { suite?: TestSuite; problems: Problem[] } {
  const node = stack.images.get(image);
  if (!node) throw new Error(`unknown image ${image}`);
  const { specs } = stack;
  const { settings, ownCommand } = node.spec.test;
  const problems: Problem[] = [];
  const rel = path.posix.join(node.spec.context, settings.folder);
  const folder = path.join(specs.root, ...rel.split('/'));
  const found = exists(folder);
  if (settings.folderDeclared && !found) {
    problems.push({
      file,
      line: node.spec.line,
      message: `images.${image}.test.folder is ${settings.folder}, but ${rel}/ does not exist`,
      fix: `create ${rel}/ or correct the folder (relative to ${node.spec.context}/)`,
    });
  }
  if (found && settings.command === undefined && settings.host === undefined) {
    problems.push({
      file,
      line: node.spec.line,
      message: `${rel}/ holds tests, but images.${image}.test has no command to run them`,
      fix: `add e.g. test: { command: "sh /imagestack/test/run.sh" } to images.${image} (or to defaults), or remove the folder`,
    });
  }
  if (problems.length || settings.command === undefined || (!found && !ownCommand)) return { problems };
  // A folder read by the host suite only (no in-image command of the image's own) is not copied in.
  if (!ownCommand && settings.host !== undefined) return { problems };
  return {
    problems,
    suite: { name: image, owner: image, inherited: false, argv: commandArgv(settings.command), folder: found ? folder : undefined, settings },
  };
}

/** The host-side suite of one image (`test.host` of its own entry), or undefined. */
export function hostSuite(stack: Stack, image: string): TestSuite | undefined {
  const node = stack.images.get(image);
  if (!node) throw new Error(`unknown image ${image}`);
  const { settings } = node.spec.test;
  if (settings.host === undefined) return undefined;
  return { name: `${image} (host)`, owner: image, inherited: false, host: true, argv: ['sh', '-c', settings.host], settings };
}

/**
 * Every suite `image` runs, in order: inherited suites from the root of the final-stage base
 * chain down, then its own; per image the in-image suite, then the host suite. An
 * ancestor's suites are inherited when that ancestor's settings say `inherit: true`.
 *
 * @throws InputError listing every test folder problem (missing, outside the context) of the
 *   image and of the ancestors on its chain; the settings' shapes were checked at load time
 */
export function testSuites(stack: Stack, image: string, exists: FolderExists = isFolder): TestSuite[] {
  const problems: Problem[] = [];
  const suites: TestSuite[] = [];
  for (const ancestor of finalBaseChain(stack, image).reverse()) {
    const r = ownSuite(stack, ancestor, exists);
    problems.push(...r.problems);
    if (r.suite?.settings.inherit) suites.push({ ...r.suite, name: `${ancestor} (inherited)`, inherited: true });
    const h = hostSuite(stack, ancestor);
    if (h?.settings.inherit) suites.push({ ...h, name: `${ancestor} (host, inherited)`, inherited: true });
  }
  const own = ownSuite(stack, image, exists);
  problems.push(...own.problems);
  if (own.suite) suites.push(own.suite);
  const h = hostSuite(stack, image);
  if (h) suites.push(h);
  if (problems.length) throw new InputError(unique(problems));
  return suites;
}

/**
 * Checks the test settings of every image of the stack, for reporting bad input before
 * anything is built (DESIGN.md promise 6).
 *
 * @returns every problem found (empty: all valid)
 */
export function checkTestSettings(stack: Stack, exists: FolderExists = isFolder): Problem[] {
  const file = specsFileOf(stack);
  return unique(stack.order.flatMap((image) => ownSuiteIn(stack, image, exists, file).problems));
}

/** Problems of `defaults.test` are found once per image: keep one of each. */
function unique(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line ?? ''}\0${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
