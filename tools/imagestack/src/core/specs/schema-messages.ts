/**
 * The words of schema violations in the gate sections of specs.yml (`manifest`, `checks`,
 * `test`, under an image or `defaults`): ajv says "must have required property 'match'";
 * a user should read `check "python" needs \`match\`: the regular expression the output must
 * match`. Each message is chosen by where in specs.schema.json the violation is (the
 * definition: `check`, `manifestCommand`, `manifest`, `test`) and what failed (the keyword and
 * the property). Only words: what is valid is said once, in the schema.
 *
 * Also which of ajv's errors are shown: a `oneOf`'s per-branch errors are dropped (the
 * `oneOf` error says it), and a check reports one problem, its first by the order a reader
 * fixes them (a check that is not a mapping, then its name, its kind, keys that do not go
 * with the kind, missing partners, values).
 */
import type { ErrorObject } from 'ajv';
import { quoteValue } from '../util/quote';
import { closest, quoteList } from '../util/suggest';
import { formatPath, pointerToPath } from './positions';
import { exactlyOneMessage } from './schema-messages-one-of';
import type { DocPath, Target } from './positions';

/** A message for one schema violation, located at `path` (its key or its value). */
export interface SectionMessage {
  path: DocPath;
  target: Target;
  message: string;
  fix: string;
}

const NAME_FIX = 'use letters, digits, ".", "_" and "-", starting with a letter or digit (at most 64 characters)';
const KINDS = ['command', 'package', 'file'] as const;
const KIND_KEYS: Record<(typeof KINDS)[number], string> = {
  command: '`name`, `command`, `match`',
  package: '`name`, `package`, `version`',
  file: '`name`, `file`, `schema`',
};

/** The keys of each section (the `properties` of its definition in specs.schema.json). */
const SECTION_KEYS: Record<string, readonly string[]> = {
  check: ['name', 'command', 'match', 'package', 'version', 'file', 'schema'],
  manifestCommand: ['name', 'description', 'command'],
  manifest: ['timeout', 'commands'],
  test: ['command', 'host', 'folder', 'inherit', 'timeout', 'user', 'network', 'limits', 'memory', 'pids', 'cpus'],
};

/**
 * The section an error is in (by where in the document: ajv's schema paths of referenced
 * definitions are relative to wherever it compiled them), and what failed: the tail of the
 * schema path from its last `dependencies/<kind>/…` or `properties/<key>/…`, else its last
 * keyword (`type`, `required`, `oneOf`, `additionalProperties`).
 */
function definitionOf(e: ErrorObject): { def: string; rest: string[] } | undefined {
  const at = e.instancePath;
  let def: string | undefined;
  if (/^\/images\/[^/]+\/checks\/\d+(\/|$)/.test(at)) def = 'check';
  else if (/^\/(defaults|images\/[^/]+)\/manifest\/commands\/\d+(\/|$)/.test(at)) def = 'manifestCommand';
  else if (/^\/(defaults|images\/[^/]+)\/manifest(\/|$)/.test(at)) def = 'manifest';
  else if (/^\/(defaults|images\/[^/]+)\/test(\/|$)/.test(at)) def = 'test';
  if (!def) return undefined;
  const segments = e.schemaPath.split('/');
  const keys = SECTION_KEYS[def];
  let from = segments.length - 1;
  for (let i = segments.length - 2; i >= 0; i--) {
    if (segments[i] === 'dependencies' && (KINDS as readonly string[]).includes(segments[i + 1])) {
      from = i;
      break;
    }
    if (segments[i] === 'properties' && keys.includes(segments[i + 1])) {
      from = segments[i - 2] === 'dependencies' ? i - 2 : i;
      break;
    }
  }
  return { def, rest: segments.slice(from) };
}

function record(x: unknown): Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : {};
}

/** `did you mean "x"?`, else the keys allowed. */
function unknownKeyFix(key: string, allowed: readonly string[]): string {
  const near = closest(key, allowed);
  return near ? `did you mean "${near}"?` : `remove it; the keys allowed are ${quoteList(allowed)}`;
}

/** The item of a check or manifest command an error is in: its path and value. */
function itemOf(path: DocPath, list: string, json: unknown): { at: DocPath; index: number; item: Record<string, unknown> } | undefined {
  const i = path.lastIndexOf(list);
  if (i < 0 || i + 1 >= path.length) return undefined;
  const at = path.slice(0, i + 2);
  let v: unknown = json;
  for (const seg of at) v = (v as Record<string, unknown> | undefined)?.[String(seg)];
  return { at, index: Number(path[i + 1]), item: record(v) };
}

function checkMessage(e: ErrorObject, rest: string[], path: DocPath, json: unknown): SectionMessage | undefined {
  const found = itemOf(path, 'checks', json);
  if (!found) return undefined;
  const { at, index, item } = found;
  const label = typeof item.name === 'string' ? `check "${item.name}"` : `check #${index + 1}`;
  const kinds = KINDS.filter((k) => k in item);
  const params = e.params as Record<string, unknown>;
  const prop = rest[0] === 'properties' ? rest[1] : rest[0] === 'dependencies' ? rest[3] : undefined;
  const needs = (key: string): SectionMessage =>
    key === 'match'
      ? { path: [...at, 'match'], target: 'value', message: `${label} needs \`match\`: the regular expression the output must match`, fix: 'e.g. `match: "^Python 3\\\\.11"`' }
      : { path: [...at, 'schema'], target: 'value', message: `${label} needs \`schema\`: a JSON Schema file relative to the workspace root`, fix: 'e.g. `schema: schemas/start-point-manifest.schema.json`' };
  const notWith = (key: string, kind: string): SectionMessage => ({
    path: [...at, key],
    target: 'key',
    message: `${label}: "${key}" does not go with \`${kind}\``,
    fix: `a ${kind} check has ${KIND_KEYS[kind as (typeof KINDS)[number]]}`,
  });
  if (rest[0] === 'type') return { path: at, target: 'value', message: 'a check must be a mapping', fix: 'write `{ name: …, command: …, match: … }`' };
  if (e.keyword === 'required' && rest[0] === 'required') return { path: [...at, 'name'], target: 'value', message: `check #${index + 1} needs a name`, fix: NAME_FIX };
  if (rest[0] === 'oneOf') {
    const message = kinds.length === 0 ? `${label} says nothing to check` : `${label} has ${kinds.join(' and ')}; a check has exactly one of them`;
    return { path: at, target: 'value', message, fix: 'give it `command` + `match`, or `package` (+ `version`), or `file` + `schema`' };
  }
  if (e.keyword === 'additionalProperties') {
    const key = String(params.additionalProperty);
    if (kinds.length === 1) return notWith(key, kinds[0]);
    return { path: [...at, key], target: 'key', message: `${label}: unknown key "${key}"`, fix: unknownKeyFix(key, ['name', 'command', 'match', 'package', 'version', 'file', 'schema']) };
  }
  if (rest[0] === 'dependencies' && e.keyword === 'false schema') return notWith(String(prop), rest[1]);
  if (rest[0] === 'dependencies' && e.keyword === 'required') return needs(String(params.missingProperty));
  switch (prop) {
    case 'name':
      return { path: [...at, 'name'], target: 'value', message: `check name ${quoteValue(item.name)} is not a valid name`, fix: NAME_FIX };
    case 'command':
      return { path: [...at, 'command'], target: 'value', message: `${label}: command must be a non-empty shell command`, fix: 'e.g. `command: "python3 --version"`' };
    case 'match':
    case 'schema':
      return needs(prop);
    case 'package':
      return { path: [...at, 'package'], target: 'value', message: `${label}: package ${quoteValue(item.package)} is not a package name`, fix: 'write the Debian package or Python distribution name, e.g. `package: python3-numpy`' };
    case 'version':
      return { path: [...at, 'version'], target: 'value', message: `${label}: version must be a range such as ">=1.24"`, fix: 'quote it: `version: ">=1.24 <2"`' };
    case 'file':
      return { path: [...at, 'file'], target: 'value', message: `${label}: file must be an absolute path in the image`, fix: 'e.g. `file: /start_point/manifest.json`' };
    default:
      return undefined;
  }
}

function manifestCommandMessage(e: ErrorObject, rest: string[], path: DocPath, json: unknown): SectionMessage | undefined {
  const found = itemOf(path, 'commands', json);
  if (!found) return undefined;
  const { at, item } = found;
  const params = e.params as Record<string, unknown>;
  const prop = rest[0] === 'properties' ? rest[1] : e.keyword === 'required' ? String(params.missingProperty) : undefined;
  if (rest[0] === 'type') return { path: at, target: 'value', message: 'a manifest command must be a mapping', fix: 'write `{ name: …, description: …, command: … }`' };
  if (e.keyword === 'additionalProperties') {
    const key = String(params.additionalProperty);
    return { path: [...at, key], target: 'key', message: `unknown key "${key}" in a manifest command`, fix: 'a manifest command has `name`, `description` and `command`' };
  }
  const name = item.name;
  switch (prop) {
    case 'name':
      if (rest[2] === 'not') return { path: [...at, 'name'], target: 'value', message: `manifest command name "${String(name)}" is built in: os-release, dpkg and pip always run`, fix: 'remove this command, or give it another name' };
      return {
        path: [...at, 'name'],
        target: 'value',
        message: name === undefined ? 'a manifest command needs a name' : `manifest command name ${quoteValue(name)} is not a valid name`,
        fix: NAME_FIX,
      };
    case 'command':
      return { path: [...at, 'command'], target: 'value', message: `manifest command ${typeof name === 'string' ? `"${name}" ` : ''}needs a non-empty \`command\``, fix: 'write the shell command to run, e.g. `command: "python3 --version"`' };
    case 'description':
      return { path: [...at, 'description'], target: 'value', message: 'a manifest command description must be text', fix: 'quote it: `description: "…"`' };
    default:
      return undefined;
  }
}

function manifestMessage(e: ErrorObject, rest: string[], path: DocPath): SectionMessage | undefined {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') {
    const key = String(params.additionalProperty);
    return { path: [...path, key], target: 'key', message: `unknown manifest setting "${key}"`, fix: 'use `commands` (a list) or `timeout` (seconds)' };
  }
  if (rest[1] === 'timeout') {
    return { path, target: 'value', message: `manifest timeout must be a number of seconds between 1 and 3600, not ${quoteValue(e.data)}`, fix: 'write e.g. `timeout: 120`' };
  }
  if (rest[1] === 'commands') {
    return { path, target: 'value', message: 'manifest commands must be a list', fix: 'write `commands: [ { name: python, description: "Python version", command: "python3 --version" } ]`' };
  }
  return undefined; // the section itself not a mapping: the general message
}

/** `test.<key>` messages: what each value must be, and an example. */
const TEST_VALUES: Record<string, [string, string]> = {
  command: ['must be a non-empty string or a list of strings', 'write e.g. command: "sh /imagestack/test/run.sh"'],
  host: ['must be a non-empty string (a shell command run on the host)', 'write e.g. host: "python3 -m pytest -q images/app/host-test"'],
  inherit: ['must be true or false', 'write inherit: true or inherit: false'],
  timeout: ['must be a positive number of seconds', 'write e.g. timeout: 120'],
  user: ['must be a user name or uid, optionally with :group', 'write e.g. user: "1000" or user: "sandbox:sandbox"'],
  network: ['must be true or false', "write network: true to give tests the engine's default network (the default is none)"],
  limits: ['must be a mapping', 'write e.g. limits: { memory: 512m, pids: 256, cpus: 1 }'],
  pids: ['must be a positive whole number', 'write e.g. pids: 256'],
  cpus: ['must be a number of CPUs of at least 0.01', 'write e.g. cpus: 1 or cpus: 0.5'],
};

/** The message of a bad test folder (not a relative folder inside the image's context). */
export function testFolderMessage(path: DocPath): string {
  const image = path[0] === 'images' ? String(path[1]) : '<name>';
  return `${formatPath(path)} must be a folder inside the image's build context (images/${image}/, or the folder images.${image}.context names)`;
}

/** The message of a bad test memory limit (any value but a size of at least 6 MiB). */
export function testMemoryMessage(path: DocPath, value: unknown): string {
  return `${formatPath(path)} must be a size of at least 6m, but it is ${quoteValue(value)}`;
}

/** The fix of a bad test memory limit. */
export const TEST_MEMORY_FIX = 'write e.g. memory: 512m (k, m, g are KiB, MiB, GiB; a bare number is bytes)';

function testMessage(e: ErrorObject, rest: string[], path: DocPath): SectionMessage | undefined {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') {
    const key = String(params.additionalProperty);
    const allowed = Object.keys(record(record(e.parentSchema).properties));
    return { path: [...path, key], target: 'key', message: `unknown key "${key}" in ${formatPath(path)}`, fix: unknownKeyFix(key, allowed) };
  }
  const key = rest[0] === 'properties' ? rest[1] : undefined;
  if (key === undefined) return undefined; // the section itself not a mapping: the general message
  const at = key === 'command' ? path.slice(0, path.lastIndexOf('command') + 1) : path;
  if (key === 'folder') return { path: at, target: 'value', message: testFolderMessage(at), fix: 'write a relative path, e.g. folder: test' };
  if (key === 'memory') return { path: at, target: 'value', message: testMemoryMessage(at, e.data), fix: TEST_MEMORY_FIX };
  if (key === 'timeout' && e.keyword === 'maximum') {
    // Bounded at load time: a longer timer would exceed Node's (2^31-1 ms, about 24.8 days) and fire at once.
    const max = String(params.limit);
    return { path: at, target: 'value', message: `${formatPath(at)} is ${String(e.data)}, more than ${max} seconds (24 hours), the longest a test may run`, fix: `write at most timeout: ${max}, e.g. timeout: 3600 for an hour` };
  }
  const words = TEST_VALUES[key];
  return words ? { path: at, target: 'value', message: `${formatPath(at)} ${words[0]}`, fix: words[1] } : undefined;
}

/**
 * The message of a schema violation inside a gate section, or undefined to use the general
 * wording of schema.ts.
 *
 * @param json the whole document (plain JSON), to name the check or command in the message
 */
export function sectionMessage(e: ErrorObject, json: unknown): SectionMessage | undefined {
  const item = /^\/(images\/[^/]+\/)?taggers\/\d+$/.test(e.instancePath) ? 'tagger' : /^\/stackChecks\/\d+$/.test(e.instancePath) ? 'stackCheck' : undefined;
  if (item) return exactlyOneMessage(item, e, e.schemaPath.split('/').slice(-3), pointerToPath(e.instancePath));
  const d = definitionOf(e);
  if (!d) return undefined;
  const path = pointerToPath(e.instancePath);
  switch (d.def) {
    case 'check':
      return checkMessage(e, d.rest, path, json);
    case 'manifestCommand':
      return manifestCommandMessage(e, d.rest, path, json);
    case 'manifest':
      return manifestMessage(e, d.rest, path);
    case 'test':
      return testMessage(e, d.rest, path);
    default:
      return undefined;
  }
}

/** Order in which a check's problems are shown; only the first is (see the module comment). */
function checkRank(e: ErrorObject): number {
  const rest = definitionOf(e)?.rest ?? [];
  if (rest[0] === 'type') return 0;
  if (rest[0] === 'required') return 1;
  if (rest[0] === 'properties' && rest[1] === 'name') return 2;
  if (rest[0] === 'oneOf') return 3;
  if (e.keyword === 'additionalProperties' || e.keyword === 'false schema') return 4;
  if (rest[0] === 'dependencies') return 5;
  return 6;
}

/**
 * The errors worth showing, in ajv's order: without the per-branch errors of a failed
 * `oneOf`, and with one error per check (the first by {@link checkRank}).
 */
export function selectErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf').map((e) => ({ at: e.instancePath, schema: `${e.schemaPath}/` }));
  const kept = errors.filter((e) => !oneOfs.some((o) => e.instancePath === o.at && e.schemaPath.startsWith(o.schema)));
  const firstOfCheck = new Map<string, ErrorObject>();
  for (const e of kept) {
    if (definitionOf(e)?.def !== 'check') continue;
    const item = /^(.*\/checks\/\d+)/.exec(e.instancePath)?.[1] ?? e.instancePath;
    const best = firstOfCheck.get(item);
    if (!best || checkRank(e) < checkRank(best)) firstOfCheck.set(item, e);
  }
  return kept.filter((e) => definitionOf(e)?.def !== 'check' || [...firstOfCheck.values()].includes(e));
}
