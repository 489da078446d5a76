/**
 * The new text of every Dockerfile that names a base getting a new pin. Each Dockerfile is
 * rewritten once per version it is built for (with that version's build args): the results
 * must agree, since one Dockerfile holds one pin (a base that differs by version, e.g.
 * `FROM python:${PY}`, is reported instead). No I/O: the caller reads and writes the files.
 */
import * as path from 'node:path';
import { rewritePins, type PinEdit } from '../dockerfile/pin-rewrite';
import { resolutionArgs } from '../graph/read-stack';
import type { Stack } from '../graph/types';

/** One Dockerfile to rewrite. */
export interface FileRewrite {
  /** Workspace-relative path, e.g. `images/base/Dockerfile`. */
  file: string;
  before: string;
  after: string;
}

/**
 * The rewrites for `edits` over the stack's images.
 *
 * @param read the text of a workspace-relative file
 * @returns the files whose text changes, and the pins that could not be rewritten
 */
export function planRewrites(
  stack: Stack,
  edits: readonly PinEdit[],
  read: (file: string) => string,
): { files: FileRewrite[]; problems: Array<{ file: string; line: number; message: string }> } {
  const files: FileRewrite[] = [];
  const problems: Array<{ file: string; line: number; message: string }> = [];
  const wanted = new Set(edits.map((e) => e.reference));
  for (const name of stack.order) {
    const img = stack.images.get(name)!;
    if (!img.externalBases.some((b) => wanted.has(b.reference.split('@')[0]))) continue;
    const file = img.dockerfile;
    if (files.some((f) => f.file === file)) continue;
    const before = read(file);
    const versions = stack.specs.versions.filter((v) => !img.spec.skip.includes(v.name));
    const results = (versions.length ? versions : [undefined]).map((v) => rewritePins(before, edits, resolutionArgs(stack.specs, img.spec, v)));
    const own = results.flatMap((r) => r.problems).map((p) => ({ file, ...p }));
    if (new Set(results.map((r) => r.text)).size > 1) {
      problems.push({ file, line: results[0].changed[0]?.line ?? 1, message: 'its external base differs by version (build args), so one pin cannot serve every version: pin it per version in specs.yml' });
    } else if (own.length) {
      problems.push(...own.filter((p, i) => own.findIndex((q) => q.line === p.line && q.message === p.message) === i));
    } else if (results[0].text !== before) {
      files.push({ file, before, after: results[0].text });
    }
  }
  return { files, problems };
}

/** `file` (workspace-relative) as an absolute path under the stack's root. */
export function absolute(stack: Stack, file: string): string {
  return path.join(stack.specs.root, file);
}
