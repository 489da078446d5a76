import { existsSync, readFileSync } from 'node:fs';
import { toSpecsJson } from '../core/specs/document';
import { mayNameCredentialArgs, specsCredentialWarnings } from '../core/specs/builder';
import * as path from 'node:path';
import { InputError } from '../core/errors';
import type { Specs } from '../core/specs/types';

/**
 * The specs.yml to use: `--specs` when given, else the nearest `specs.yml` in the current
 * folder or a parent folder.
 *
 * @throws InputError when none is found
 */
export function findSpecsFile(given: string | undefined, cwd = process.cwd()): string {
  if (given) {
    const file = path.resolve(cwd, given);
    if (!existsSync(file)) {
      throw new InputError({ file: given, message: 'file not found', fix: 'pass the path of your specs.yml with --specs' });
    }
    return file;
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'specs.yml');
    if (existsSync(file)) return file;
    if (path.dirname(dir) === dir) break;
  }
  throw new InputError({
    file: 'specs.yml',
    message: `no specs.yml in ${cwd} or any parent folder`,
    fix: 'run imagestack inside the workspace, or pass --specs <file>',
  });
}

/**
 * The warnings for build args of `specsFile` whose name looks like a credential (see
 * `specsCredentialWarnings`); none when the file does not parse (its errors come from loading).
 */
export function credentialArgWarningsOf(specsFile: string): string[] {
  try {
    const text = readFileSync(specsFile, 'utf8');
    return mayNameCredentialArgs(text) ? specsCredentialWarnings(toSpecsJson(text)) : [];
  } catch {
    return [];
  }
}

/**
 * {@link credentialArgWarningsOf}, from specs.yml as a command already loaded it (its text and
 * plain JSON: the same warnings without reading and parsing the file a second time, ~0.1 s of
 * CPU at 1,000 images when the text names a credential word); read again when `specs` is
 * missing or was loaded from another file (e.g. a commit's checkout).
 */
export function credentialArgWarningsOfLoaded(specsFile: string, specs: Specs | undefined): string[] {
  if (specs?.text === undefined || path.resolve(specs.file) !== path.resolve(specsFile)) return credentialArgWarningsOf(specsFile);
  return mayNameCredentialArgs(specs.text) ? specsCredentialWarnings(specs.raw) : [];
}
