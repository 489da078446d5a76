/**
 * Refuses, before any image starts, a build context that holds a FIFO, socket or device file
 * its `.dockerignore` does not exclude: the engine cannot receive one, and the build would
 * fail only when it got there (DESIGN.md promise 6: bad input is refused before anything is
 * built or pushed). The walk is the one `packContext` sends (`engine/context.ts`,
 * `specialFiles`). Run only for the images a run builds, never by `plan`.
 */
import * as path from 'node:path';
import { specialFiles } from '../engine/context';
import { innerContexts } from '../graph/contexts';
import { InputError, type Problem } from '../errors';
import type { RunContext } from './context';

/**
 * Checks the build contexts of the images of `keys` (entry keys of `run.entries`), each
 * context once.
 *
 * @throws InputError naming every special file found (path relative to the workspace root),
 *   what it is and the fix
 */
export function checkContexts(run: RunContext, keys: Iterable<string>): void {
  const root = run.stack.specs.root;
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const key of keys) {
    const image = run.entries.get(key)!.image;
    if (seen.has(image)) continue;
    seen.add(image);
    const spec = run.stack.images.get(image)!.spec;
    const contextDir = path.join(root, spec.context);
    const ignoreFile = path.relative(root, path.join(contextDir, '.dockerignore')).split(path.sep).join('/');
    for (const f of specialFiles(contextDir, spec.dockerfile, innerContexts(run.stack, image))) {
      problems.push({
        file: path.relative(root, path.join(contextDir, f.path)).split(path.sep).join('/'),
        message: `${f.kind} in the build context of image ${image}: the engine cannot receive it, so the build would fail`,
        fix: `remove it, or add the line "${f.path}" to ${ignoreFile}`,
      });
    }
  }
  if (problems.length) throw new InputError(problems);
}
