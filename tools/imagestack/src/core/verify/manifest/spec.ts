/**
 * The `manifest:` settings of specs.yml, normalised from the plain JSON of the file after
 * specs.schema.json checked their shapes (load.ts puts the result into `ImageSpec.manifest`).
 * Pure, no I/O.
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

/**
 * Reads one `manifest:` section that specs.schema.json accepted (its shapes, names, built-in
 * names and timeout range are the schema's; what does not fit them is skipped here, the
 * schema reports it). Adds what the schema cannot say: a command name used twice.
 */
function readManifestSection(section: unknown, at: Path, issues: SpecIssue[]): { commands: ManifestCommandSpec[]; timeoutSeconds?: number } {
  const out: { commands: ManifestCommandSpec[]; timeoutSeconds?: number } = { commands: [] };
  if (!isObject(section)) return out;
  if (typeof section.timeout === 'number') out.timeoutSeconds = section.timeout;
  if (!Array.isArray(section.commands)) return out;
  const seen = new Set<string>();
  section.commands.forEach((item, i) => {
    if (!isObject(item) || typeof item.name !== 'string' || typeof item.command !== 'string') return;
    const { name, command, description } = item;
    if (seen.has(name)) {
      issues.push({ path: [...at, 'commands', i, 'name'], message: `manifest command "${name}" is defined twice`, fix: 'give each command its own name' });
      return;
    }
    seen.add(name);
    out.commands.push({ name, command, description: typeof description === 'string' ? description : command });
  });
  return out;
}

function entries(raw: Record<string, unknown>): Array<[string, Record<string, unknown>]> {
  const images = raw.images;
  if (!isObject(images)) return [];
  return Object.entries(images).map(([k, v]) => [k, isObject(v) ? v : {}]);
}

/**
 * The problems of the `manifest:` settings of specs.yml (stack-wide defaults and every image)
 * that specs.schema.json cannot say: a command name used twice in one list.
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
 * @returns the settings and the problems the schema cannot find (see {@link manifestSpecIssues});
 *   what the schema refuses is left out
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
