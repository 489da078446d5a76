/**
 * The `manifest:` settings of specs.yml, read from the plain JSON of the file
 * (`Specs.raw`). Pure, no I/O.
 *
 * ```yaml
 * defaults:
 *   manifest:
 *     timeout: 120                 # optional, seconds for all commands of one image (default 120)
 *     commands:                    # optional, run in every image
 *       - { name: user, description: "default user", command: "id" }
 * images:
 *   python:
 *     manifest:
 *       timeout: 180               # optional, overrides the default
 *       commands:                  # optional, run after the stack-wide ones
 *         - { name: python, description: "Python version", command: "python3 --version" }
 * ```
 *
 * A command is `{ name, command, description? }`: `name` matches
 * `[A-Za-z0-9][A-Za-z0-9._-]*` (at most 64 characters) and is unique in its list;
 * `command` is a non-empty shell command (run as `sh -c`); `description` defaults to the
 * command. An image command named like a stack-wide one replaces it. The built-in names
 * `os-release`, `dpkg` and `pip` are reserved (those always run).
 */

/** A problem in specs.yml: where (a path into the document), what, and the fix. */
export interface SpecIssue {
  /** Path of keys and list indexes, e.g. `['images', 'python', 'manifest', 'commands', 0, 'name']`. */
  path: (string | number)[];
  message: string;
  fix: string;
}

/** One manifest command. */
export interface ManifestCommandSpec {
  name: string;
  description: string;
  command: string;
}

/** The manifest settings of one image, defaults applied. */
export interface ManifestSpec {
  /** Stack-wide commands (replaced by same-named image commands), then the image's own. */
  commands: ManifestCommandSpec[];
  /** Time limit for running all commands in one container, in seconds. */
  timeoutSeconds: number;
}

/** Names of the built-in manifest commands, which always run and cannot be redefined. */
export const BUILT_IN_COMMAND_NAMES: readonly string[] = ['os-release', 'dpkg', 'pip'];

/** Default time limit of the manifest commands of one image, in seconds. */
export const DEFAULT_MANIFEST_TIMEOUT_SECONDS = 120;

/** Names of manifest commands (and checks): `[A-Za-z0-9][A-Za-z0-9._-]*`, at most 64 characters. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

type Path = (string | number)[];

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function readManifestSection(
  section: unknown,
  at: Path,
  issues: SpecIssue[],
): { commands: ManifestCommandSpec[]; timeoutSeconds?: number } {
  const out: { commands: ManifestCommandSpec[]; timeoutSeconds?: number } = { commands: [] };
  if (section === undefined || section === null) return out;
  if (!isObject(section)) {
    issues.push({ path: at, message: 'manifest must be a mapping', fix: 'write `manifest: { commands: [ { name, description, command } ] }`' });
    return out;
  }
  for (const key of Object.keys(section)) {
    if (key !== 'commands' && key !== 'timeout') {
      issues.push({ path: [...at, key], message: `unknown manifest setting "${key}"`, fix: 'use `commands` (a list) or `timeout` (seconds)' });
    }
  }
  const t = section.timeout;
  if (t !== undefined) {
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || t > 3600) {
      issues.push({ path: [...at, 'timeout'], message: `manifest timeout must be a number of seconds between 1 and 3600, not ${JSON.stringify(t)}`, fix: 'write e.g. `timeout: 120`' });
    } else {
      out.timeoutSeconds = t;
    }
  }
  const list = section.commands;
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) {
    issues.push({ path: [...at, 'commands'], message: 'manifest commands must be a list', fix: 'write `commands: [ { name: python, description: "Python version", command: "python3 --version" } ]`' });
    return out;
  }
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const p: Path = [...at, 'commands', i];
    if (!isObject(item)) {
      issues.push({ path: p, message: 'a manifest command must be a mapping', fix: 'write `{ name: …, description: …, command: … }`' });
      return;
    }
    let ok = true;
    for (const key of Object.keys(item)) {
      if (!['name', 'description', 'command'].includes(key)) {
        issues.push({ path: [...p, key], message: `unknown key "${key}" in a manifest command`, fix: 'a manifest command has `name`, `description` and `command`' });
        ok = false;
      }
    }
    const { name, description, command } = item;
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      issues.push({
        path: [...p, 'name'],
        message: name === undefined ? 'a manifest command needs a name' : `manifest command name ${JSON.stringify(name)} is not a valid name`,
        fix: 'use letters, digits, ".", "_" and "-", starting with a letter or digit (at most 64 characters)',
      });
      ok = false;
    } else if (BUILT_IN_COMMAND_NAMES.includes(name)) {
      issues.push({
        path: [...p, 'name'],
        message: `manifest command name "${name}" is built in: os-release, dpkg and pip always run`,
        fix: `remove this command, or give it another name`,
      });
      ok = false;
    } else if (seen.has(name)) {
      issues.push({ path: [...p, 'name'], message: `manifest command "${name}" is defined twice`, fix: 'give each command its own name' });
      ok = false;
    }
    if (typeof command !== 'string' || command.trim() === '') {
      issues.push({ path: [...p, 'command'], message: `manifest command ${typeof name === 'string' ? `"${name}" ` : ''}needs a non-empty \`command\``, fix: 'write the shell command to run, e.g. `command: "python3 --version"`' });
      ok = false;
    }
    if (description !== undefined && typeof description !== 'string') {
      issues.push({ path: [...p, 'description'], message: 'a manifest command description must be text', fix: 'quote it: `description: "…"`' });
      ok = false;
    }
    if (typeof name === 'string') seen.add(name);
    if (ok) out.commands.push({ name: name as string, command: command as string, description: (description as string | undefined) ?? (command as string) });
  });
  return out;
}

function entries(raw: Record<string, unknown>): Array<[string, Record<string, unknown>]> {
  const images = raw.images;
  if (!isObject(images)) return [];
  return Object.entries(images).map(([k, v]) => [k, isObject(v) ? v : {}]);
}

/**
 * Every problem in the `manifest:` settings of specs.yml (stack-wide defaults and every
 * image), for reporting before anything is built.
 *
 * @param raw the whole specs.yml as plain JSON (`Specs.raw`)
 */
export function manifestSpecIssues(raw: Record<string, unknown>): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const defaults = raw.defaults;
  if (isObject(defaults)) readManifestSection(defaults.manifest, ['defaults', 'manifest'], issues);
  for (const [name, entry] of entries(raw)) readManifestSection(entry.manifest, ['images', name, 'manifest'], issues);
  return issues;
}

/**
 * The manifest settings of `image`: stack-wide commands (an image command of the same
 * name replaces one in place), then the image's other commands; the image's timeout, else
 * the stack-wide one, else {@link DEFAULT_MANIFEST_TIMEOUT_SECONDS}.
 *
 * @param raw the whole specs.yml as plain JSON (`Specs.raw`)
 * @param entryRaw the image's entry (`StackImage.spec.raw`); default `raw.images[image]`
 * @returns the settings and the problems found (invalid commands are left out)
 */
export function resolveManifestSpec(
  raw: Record<string, unknown>,
  image: string,
  entryRaw?: Record<string, unknown>,
): { spec: ManifestSpec; issues: SpecIssue[] } {
  const issues: SpecIssue[] = [];
  const defaults = isObject(raw.defaults) ? readManifestSection(raw.defaults.manifest, ['defaults', 'manifest'], issues) : { commands: [] };
  const entry = entryRaw ?? entries(raw).find(([n]) => n === image)?.[1] ?? {};
  const own = readManifestSection(entry.manifest, ['images', image, 'manifest'], issues);
  const ownByName = new Map(own.commands.map((c) => [c.name, c]));
  const commands = defaults.commands.map((c) => ownByName.get(c.name) ?? c);
  const fromDefaults = new Set(defaults.commands.map((c) => c.name));
  commands.push(...own.commands.filter((c) => !fromDefaults.has(c.name)));
  return {
    spec: { commands, timeoutSeconds: own.timeoutSeconds ?? defaults.timeoutSeconds ?? DEFAULT_MANIFEST_TIMEOUT_SECONDS },
    issues,
  };
}
