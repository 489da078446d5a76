/**
 * The `stackChecks:` settings of specs.yml: checks over all images of one version (README
 * "Stack-wide checks"). Pure, no I/O; shapes are specs.schema.json's, this adds what a schema
 * cannot say (a name used twice, a pointer that does not parse, an unknown image).
 *
 * ```yaml
 * stackChecks:
 *   - { name: unique-display-name, file: /start_point/manifest.json, pointer: /display_name, unique: true }
 *   - { name: one-python, package: python3, same: true }
 *   - { name: one-debian, os: VERSION_ID, same: true }
 *   - { name: sandbox-uid, command: "id -u sandbox 2>/dev/null", same: true }
 * ```
 */
import { parsePointer } from '../../stamp/pointer';
import type { SpecIssue } from '../manifest/spec';

/** Where a stack check's value comes from, per image. */
export type StackCheckSource =
  | { kind: 'file'; file: string; pointer: string; tokens: string[] }
  | { kind: 'package'; package: string }
  | { kind: 'os'; field: string }
  | { kind: 'command'; command: string };

/** One stack-wide check. */
export interface StackCheckSpec {
  name: string;
  source: StackCheckSource;
  /** `unique`: no two images share a value; `same`: all images have one value. */
  rule: 'unique' | 'same';
  /** Only these images; undefined: every image of the version. */
  images?: string[];
}

/** Prefix of the package-manifest command names that read a stack check's file or run its command. */
export const STACK_CHECK_COMMAND_PREFIX = 'stack-check:';

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Reads `stackChecks:` (what the schema refused is skipped).
 *
 * @param imageNames the images of specs.yml, for `images:` lists
 */
export function readStackChecks(list: unknown, imageNames: readonly string[], issues: SpecIssue[]): StackCheckSpec[] {
  if (!Array.isArray(list)) return [];
  const out: StackCheckSpec[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    if (!isObject(item) || typeof item.name !== 'string') return;
    const at = ['stackChecks', i];
    if (seen.has(item.name)) {
      issues.push({ path: [...at, 'name'], message: `stack check "${item.name}" is defined twice`, fix: 'give each stack check its own name' });
      return;
    }
    seen.add(item.name);
    let source: StackCheckSource | undefined;
    if (typeof item.file === 'string') {
      const pointer = typeof item.pointer === 'string' ? item.pointer : '';
      const tokens = parsePointer(pointer);
      if (!tokens) {
        issues.push({ path: [...at, 'pointer'], message: `"${pointer}" is not a JSON Pointer`, fix: "write it as /key/sub (RFC 6901: '/' before each key, '~1' for '/', '~0' for '~')" });
        return;
      }
      source = { kind: 'file', file: item.file, pointer, tokens };
    } else if (typeof item.package === 'string') source = { kind: 'package', package: item.package };
    else if (typeof item.os === 'string') source = { kind: 'os', field: item.os };
    else if (typeof item.command === 'string') source = { kind: 'command', command: item.command };
    const rule = item.unique === true ? 'unique' : item.same === true ? 'same' : undefined;
    if (!source || !rule) return;
    const images = Array.isArray(item.images) ? item.images.filter((x): x is string => typeof x === 'string') : undefined;
    images?.forEach((name, j) => {
      if (!imageNames.includes(name)) issues.push({ path: [...at, 'images', j], message: `stack check "${item.name}" names image "${name}", which is not in images`, fix: `use one of: ${imageNames.join(', ')}` });
    });
    out.push({ name: item.name, source, rule, ...(images ? { images } : {}) });
  });
  return out;
}

/** The package-manifest commands the stack checks need in every image they read (file reads and commands). */
export function stackCheckCommands(checks: readonly StackCheckSpec[], image: string): Array<{ name: string; command: string }> {
  return checks.flatMap((c) => {
    if (c.images && !c.images.includes(image)) return [];
    const name = `${STACK_CHECK_COMMAND_PREFIX}${c.name}`;
    if (c.source.kind === 'file') return [{ name, command: `cat '${c.source.file.replace(/'/g, `'\\''`)}' 2>/dev/null || true` }];
    if (c.source.kind === 'command') return [{ name, command: c.source.command }];
    return [];
  });
}
