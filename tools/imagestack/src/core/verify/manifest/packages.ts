/**
 * The built-in manifest commands (OS release, dpkg list, pip list) and the parsers of
 * their output. Pure, no I/O; {@link collectPackages} in `collect.ts` runs them.
 */
import type { ManifestCommandSpec } from './spec';

/** Package lists: package name → version. */
export type PackageList = Record<string, string>;

/** The package lists of a package manifest. */
export interface Packages {
  /** Installed Debian packages (`dpkg-query` status "installed"), name → version. */
  dpkg: PackageList;
  /** Python distributions (pip list, or importlib.metadata without pip), name as printed → version. */
  pip: PackageList;
}

/** Where the pip list came from. */
export type PipSource = 'pip' | 'importlib.metadata' | 'none';

/**
 * `os-release`: the OS identification file (os-release(5): `/etc/os-release`, falling
 * back to `/usr/lib/os-release`).
 */
export const OS_RELEASE_COMMAND: ManifestCommandSpec = {
  name: 'os-release',
  description: 'OS release (/etc/os-release)',
  command: 'cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release',
};

/**
 * `dpkg`: every package dpkg knows, with its status, so that packages removed but not
 * purged (status `config-files`) are left out: `<status>\t<name>\t<version>` per line.
 * `${Package}` is the name without architecture qualifier (`libc6`, not `libc6:amd64`).
 */
export const DPKG_COMMAND: ManifestCommandSpec = {
  name: 'dpkg',
  description: 'Debian packages (dpkg-query; installed packages, name and version)',
  command: "dpkg-query -W -f '${db:Status-Status}\\t${Package}\\t${Version}\\n'",
};

/** The one-line Python program that lists distributions without pip. */
const IMPORTLIB_LIST =
  'import json, importlib.metadata as m; ' +
  'print(json.dumps([{"name": d.metadata["Name"], "version": d.version} for d in m.distributions() if d.metadata["Name"]]))';

/**
 * `pip`: `python3 -m pip list --format=json` when the image has python3; without pip,
 * `importlib.metadata` (Python ≥ 3.8). The first stdout line names the source:
 * `# pip`, `# importlib.metadata` or `# no python3`; the JSON list follows.
 */
export const PIP_COMMAND: ManifestCommandSpec = {
  name: 'pip',
  description: 'Python packages (pip list)',
  command: [
    'if ! command -v python3 >/dev/null 2>&1; then echo "# no python3"; exit 0; fi',
    'if python3 -m pip --version >/dev/null 2>&1; then echo "# pip"; exec python3 -m pip list --format=json --disable-pip-version-check; fi',
    `echo "# importlib.metadata"; exec python3 -c '${IMPORTLIB_LIST}'`,
  ].join('\n'),
};

/** The built-in commands, in the order they run (before any specs.yml command). */
export const BUILT_IN_COMMANDS: readonly ManifestCommandSpec[] = [OS_RELEASE_COMMAND, DPKG_COMMAND, PIP_COMMAND];

/** Sorts a list by name (code point order, so the JSON is stable across machines). */
function sorted(list: PackageList): PackageList {
  const out: PackageList = {};
  for (const k of Object.keys(list).sort()) out[k] = list[k];
  return out;
}

/**
 * Parses {@link DPKG_COMMAND} output: keeps lines whose status is `installed` (also
 * accepts two-field `name\tversion` lines, the format of `dpkg-query -W`). A package
 * installed for two architectures keeps its first version.
 */
export function parseDpkgList(stdout: string): PackageList {
  const out: PackageList = {};
  for (const line of stdout.split('\n')) {
    const f = line.replace(/\r$/, '').split('\t');
    let name: string | undefined;
    let version: string | undefined;
    if (f.length >= 3) {
      if (f[0] !== 'installed') continue;
      [, name, version] = f;
    } else if (f.length === 2) {
      [name, version] = f;
    }
    name = name?.replace(/:[a-z0-9-]+$/, '');
    if (!name || !version || name in out) continue;
    out[name] = version;
  }
  return sorted(out);
}

/**
 * Parses {@link PIP_COMMAND} output: the source line, then a JSON list of `{name, version}`.
 * @returns the list and its source; an empty list when the output holds no JSON list
 */
export function parsePipList(stdout: string): { packages: PackageList; source: PipSource } {
  const lines = stdout.split('\n');
  const head = lines.find((l) => l.startsWith('# '))?.slice(2).trim();
  const source: PipSource = head === 'pip' ? 'pip' : head === 'importlib.metadata' ? 'importlib.metadata' : 'none';
  const json = lines.find((l) => l.trim().startsWith('['));
  const out: PackageList = {};
  if (json) {
    try {
      for (const d of JSON.parse(json) as Array<{ name?: unknown; version?: unknown }>) {
        if (typeof d?.name === 'string' && typeof d.version === 'string' && !(d.name in out)) out[d.name] = d.version;
      }
    } catch {
      /* not JSON: no list */
    }
  }
  return { packages: sorted(out), source };
}

/**
 * Parses os-release(5): `KEY=value` lines, values optionally quoted with `"` or `'`
 * (backslash escapes `\"`, `\\`, `` \` ``, `\$` inside double quotes); comments and blank
 * lines skipped.
 */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2];
    if (v.length >= 2 && v[0] === '"' && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(["\\`$])/g, '$1');
    else if (v.length >= 2 && v[0] === "'" && v.endsWith("'")) v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}

/** Python's canonical project name (PEP 503): lowercase, runs of `-`, `_`, `.` → `-`. */
export function normalizePipName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}
