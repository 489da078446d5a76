/**
 * Reading a datahub-style `images/spec.yml`, the stack file of the UCSD datahub image stacks
 * (ucsd-ets/datahub-docker-stack; read for its format, nothing copied):
 *
 * ```yaml
 * root: base-image
 * images:
 *   base-image:
 *     image_name: ghcr.io/org/base-image          # the qualified repository
 *     build_args: { PYTHON_VERSION: python-3.11.8 }
 *     info_cmds: [PY_VER, PIP_LIST]                 # keys of all_info_cmds
 *   child-image:
 *     image_name: ghcr.io/org/child-image
 *     depend_on: base-image                         # the parent (a name, or a list of names)
 *     integration_tests: true
 * tag:
 *   prefix: "2024.3"                                # tags are <prefix>-<sha>
 * all_info_cmds:
 *   PY_VER: { description: Python Version, command: python --version }
 * ```
 *
 * Only what imagestack can carry over is read: build args, `depend_on` (to cross-check the
 * edges read from the Dockerfiles), info commands (package manifest commands), the tag
 * prefix (the version), `image_name` and `integration_tests`. Other keys are ignored.
 */
import { LineCounter, parseDocument, isNode } from 'yaml';
import { InputError, type Problem } from '../errors';
import type { BuildArgs } from '../specs/types';
import type { ManifestCommandSpec } from './types';

/** The file's path, workspace-relative. */
export const DATAHUB_SPEC = 'images/spec.yml';

/** One image of images/spec.yml. */
export interface DatahubImage {
  /** `image_name`, the qualified repository, when set. */
  imageName?: string;
  /** `build_args`, values as strings. */
  args: BuildArgs;
  /** `depend_on`: parent names. */
  dependOn: string[];
  /** `info_cmds` resolved through `all_info_cmds`, as package manifest commands. */
  manifest: ManifestCommandSpec[];
  /** `integration_tests: true`. */
  integrationTests: boolean;
}

/** What images/spec.yml says. */
export interface DatahubSpec {
  /** Images by name, in file order. */
  images: Map<string, DatahubImage>;
  /** `tag.prefix`, when set. */
  tagPrefix?: string;
}

/**
 * The name of a package manifest command made from an `all_info_cmds` key: lower-cased,
 * `_` → `-` (`PIP_LIST` → `pip-list`).
 */
export function manifestCommandName(key: string): string {
  return key.toLowerCase().replace(/_/g, '-');
}

/**
 * Parses the text of images/spec.yml.
 *
 * @param text the file's content
 * @param file its path as shown to the user
 * @throws InputError naming file and line: YAML syntax errors, a key of the wrong type, an
 *   `info_cmds` item that is not in `all_info_cmds`
 */
export function parseDatahubSpec(text: string, file = DATAHUB_SPEC): DatahubSpec {
  const lineCounter = new LineCounter();
  // failsafe: every scalar is read as written (`PY_VER_SHORT: 3.10` stays "3.10", `prefix: 2024.10` stays "2024.10").
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, schema: 'failsafe' });
  const problems: Problem[] = [];
  const at = (pathParts: Array<string | number>): { line?: number; column?: number } => {
    const node = doc.getIn(pathParts, true);
    const offset = isNode(node) ? node.range?.[0] : undefined;
    if (offset === undefined) return {};
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  for (const e of doc.errors) {
    const p = lineCounter.linePos(e.pos[0]);
    problems.push({ file, line: p.line, column: p.col, message: `YAML syntax error: ${e.message.split('\n')[0]}`, fix: 'correct the YAML syntax of images/spec.yml, or move it away and run imagestack init again' });
  }
  if (problems.length) throw new InputError(problems);
  const json = doc.toJS() as unknown;
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const wrong = (p: Array<string | number>, what: string) =>
    problems.push({ file, ...at(p), message: `${p.join('.')} is not ${what}`, fix: `write ${p.join('.')} as ${what}, as the datahub stack tools read it` });

  const root = isObject(json) ? json : {};
  if (!isObject(json)) wrong([], 'a mapping');
  const infoCmds = isObject(root.all_info_cmds) ? root.all_info_cmds : {};
  if (root.all_info_cmds !== undefined && !isObject(root.all_info_cmds)) wrong(['all_info_cmds'], 'a mapping');
  const images = new Map<string, DatahubImage>();
  const imagesNode = root.images;
  if (!isObject(imagesNode)) wrong(['images'], 'a mapping of image names');
  for (const [name, value] of Object.entries(isObject(imagesNode) ? imagesNode : {})) {
    const entry = isObject(value) ? value : {};
    if (value !== null && value !== '' && !isObject(value)) wrong(['images', name], 'a mapping');
    const args: BuildArgs = {};
    if (entry.build_args !== undefined && !isObject(entry.build_args)) wrong(['images', name, 'build_args'], 'a mapping of build arg names to values');
    for (const [k, v] of Object.entries(isObject(entry.build_args) ? entry.build_args : {})) args[k] = v === null ? '' : String(v);
    const dependOn = entry.depend_on === undefined || entry.depend_on === null || entry.depend_on === '' ? [] : Array.isArray(entry.depend_on) ? entry.depend_on.map(String) : [String(entry.depend_on)];
    const manifest: ManifestCommandSpec[] = [];
    const cmds = entry.info_cmds ?? [];
    if (!Array.isArray(cmds)) wrong(['images', name, 'info_cmds'], 'a list of all_info_cmds keys');
    (Array.isArray(cmds) ? cmds : []).forEach((key, i) => {
      const cmd = infoCmds[String(key)];
      if (!isObject(cmd) || typeof cmd.command !== 'string') {
        problems.push({
          file,
          ...at(['images', name, 'info_cmds', i]),
          message: `info_cmds item "${String(key)}" of image "${name}" is not a key of all_info_cmds with a command`,
          fix: `add "${String(key)}: { description: …, command: … }" under all_info_cmds, or remove the item`,
        });
        return;
      }
      manifest.push({ name: manifestCommandName(String(key)), ...(typeof cmd.description === 'string' ? { description: cmd.description } : {}), command: cmd.command });
    });
    images.set(name, {
      ...(typeof entry.image_name === 'string' ? { imageName: entry.image_name } : {}),
      args,
      dependOn,
      manifest,
      integrationTests: String(entry.integration_tests) === 'true',
    });
  }
  if (problems.length) throw new InputError(problems);
  const tag = isObject(root.tag) ? root.tag : {};
  const prefix = tag.prefix;
  return { images, ...(prefix !== undefined && prefix !== null ? { tagPrefix: String(prefix) } : {}) };
}
