/**
 * `imagestack init`'s I/O shell: refuses to replace an existing specs.yml (unless `force`),
 * finds the images (./discover.ts), reads their Dockerfiles, their `test/` folders and a
 * datahub-style images/spec.yml (./datahub.ts), assembles and renders specs.yml
 * (./assemble.ts, ./render.ts), writes it, then reads it back the way `plan` does
 * ({@link checkAdoption}) so that what init inferred and what imagestack reads are compared.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import { readStack } from '../graph/read-stack';
import { loadSpecs } from '../specs/load';
import { checkTestSettings } from '../verify/test/suites';
import { assembleAdoption } from './assemble';
import { DATAHUB_SPEC, parseDatahubSpec } from './datahub';
import { discoverImages } from './discover';
import { renderSpecs } from './render';
import type { Adoption, TestFolder } from './types';

/** Options of {@link initStack}. */
export interface InitOptions {
  /** The workspace root (where specs.yml is written). */
  root: string;
  /** Registry and namespace to push to, written instead of the inferred ones. */
  registry?: string;
  namespace?: string;
  /** Replace an existing specs.yml. */
  force?: boolean;
  /** Now (the default version is `<year>.1`). */
  now?: Date;
}

/** The result of {@link initStack}. */
export interface InitResult {
  /** The specs.yml written (absolute). */
  file: string;
  /** Its text. */
  text: string;
  adoption: Adoption;
  /** True when an existing specs.yml was replaced (`force`). */
  replaced: boolean;
}

/** This package's schema of specs.yml. */
const OWN_SCHEMA = path.resolve(__dirname, '../../../schemas/specs.schema.json');

/**
 * The schema path for the `# yaml-language-server: $schema=` line, relative to `root`: the
 * installed package's (`node_modules/imagestack/schemas/specs.schema.json`) when the
 * workspace has one, else this package's own.
 */
export function schemaPathFor(root: string): string {
  const installed = 'node_modules/imagestack/schemas/specs.schema.json';
  if (existsSync(path.join(root, installed))) return installed;
  return path.relative(root, OWN_SCHEMA).split(path.sep).join('/');
}

/**
 * Writes `<root>/specs.yml` for the Dockerfiles found under `root` (see the module comment).
 *
 * @throws InputError when specs.yml exists and `force` is not set, when no folder holds a
 *   Dockerfile, or when images/spec.yml is malformed (file and line)
 */
export function initStack(options: InitOptions): InitResult {
  const root = path.resolve(options.root);
  const file = path.join(root, 'specs.yml');
  const replaced = existsSync(file);
  if (replaced && !options.force) {
    throw new InputError({
      file: 'specs.yml',
      message: 'specs.yml already exists; imagestack init never replaces it',
      fix: 'run `imagestack plan` to use it, or `imagestack init --force` to replace it with a new one',
    });
  }
  const discovery = discoverImages(root);
  if (discovery.images.length === 0) {
    throw new InputError({
      file: discovery.searched === '.' ? '.' : `${discovery.searched}/`,
      message: `no folder with a Dockerfile was found under ${discovery.searched === '.' ? root : `${discovery.searched}/`}${discovery.leftOut.length ? ` that can be an image (${discovery.leftOut.map((l) => `${l.path}: ${l.why}`).join('; ')})` : ''}`,
      fix: 'run imagestack init in the repository that holds the images, one folder per image (images/<name>/Dockerfile)',
    });
  }
  const dockerfiles = new Map(discovery.images.map((i) => [i.name, readFileSync(path.join(root, i.context, i.dockerfile), 'utf8')]));
  const testFolders = new Map<string, TestFolder>();
  for (const i of discovery.images) {
    const kind = testFolderKind(path.join(root, i.context, 'test'));
    if (kind) testFolders.set(i.name, kind);
  }
  const datahubFile = path.join(root, DATAHUB_SPEC);
  const datahub = existsSync(datahubFile) ? parseDatahubSpec(readFileSync(datahubFile, 'utf8')) : undefined;
  const adoption = assembleAdoption({
    discovery,
    dockerfiles,
    testFolders,
    ...(datahub ? { datahub } : {}),
    ...(options.registry !== undefined ? { registry: options.registry } : {}),
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    workspaceName: path.basename(root),
    now: options.now ?? new Date(),
  });
  const text = renderSpecs(adoption, { schemaPath: schemaPathFor(root) });
  writeFileSync(file, text);
  return { file, text, adoption, replaced };
}

/**
 * Reads the written specs.yml back as `plan` does before it asks git or the registry
 * (loadSpecs, readStack, checkTestSettings: schema, rules, every Dockerfile analysed, test
 * folders) and compares each image's parents with what init inferred.
 *
 * @returns one line per difference or problem; empty when imagestack reads the stack exactly as init inferred it
 */
export async function checkAdoption(file: string, adoption: Adoption): Promise<string[]> {
  try {
    const stack = await readStack(await loadSpecs(file));
    const testProblems = checkTestSettings(stack);
    if (testProblems.length) throw new InputError(testProblems);
    const out: string[] = [];
    for (const image of adoption.images) {
      const read = stack.images.get(image.name)?.parents.map((p) => p.image).sort() ?? [];
      const inferred = image.edges.map((e) => e.parent).sort();
      if (read.join() !== inferred.join()) out.push(`${image.name}: init inferred parents [${inferred.join(', ')}], imagestack reads [${read.join(', ')}]`);
    }
    return out;
  } catch (e) {
    if (e instanceof InputError) return e.problems.map((p) => `${[p.file, p.line].filter((x) => x !== undefined).join(':')}: ${p.message} (fix: ${p.fix})`);
    throw e;
  }
}

/** What a test folder holds, from the names at its top level (see {@link TestFolder}); undefined when there is no such folder. */
export function testFolderKind(dir: string): TestFolder | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  if (names.some((n) => /^(?:test_.*|.*_test|conftest)\.py$/.test(n))) return { kind: 'pytest' };
  const scripts = names.filter((n) => n.endsWith('.sh'));
  return scripts.length === 1 ? { kind: 'script', script: scripts[0] } : { kind: 'files' };
}
