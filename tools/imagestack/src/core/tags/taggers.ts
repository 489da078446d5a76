/**
 * Taggers (specs.yml `taggers:`, stack-wide and per image): where the parts of descriptive
 * tags come from, and the parts themselves once an image's package manifest is made. Pure,
 * no I/O.
 *
 * ```yaml
 * taggers:                                  # every image
 *   - { name: date, builtIn: commit-date }  # 2026-12-07 (the source commit's date, UTC, from git)
 *   - { name: os, builtIn: os }             # debian-12 (/etc/os-release ID-VERSION_ID)
 * images:
 *   python:
 *     taggers:
 *       - { name: python, package: python3 }              # python-3.11.2 (package manifest)
 *   gcc:
 *     taggers:
 *       - { name: gcc, command: "gcc -dumpfullversion" }  # gcc-12.2.0 (run in the image)
 *   toolbox:
 *     taggers:
 *       - { name: gcc, off: true }                        # not for toolbox and its descendants
 * ```
 *
 * Inheritance follows the final stage's base (`StackImage.finalBase`), the image a child is
 * made FROM: an image's taggers are the stack-wide ones, then each ancestor's on its
 * final-base chain (oldest first), then its own; a tagger of the same name replaces the one
 * before it, and `off: true` removes it. A parent used only in a build stage or `COPY --from`
 * passes no taggers on (its packages are not in the child).
 */
import type { Stack, StackImage } from '../graph/types';
import type { SpecIssue } from '../verify/manifest/spec';
import { packageVersionValue, tagProblem } from './descriptive';

/** Where a tagger's value comes from. */
export type TaggerSource =
  | { kind: 'command'; command: string }
  | { kind: 'package'; package: string }
  | { kind: 'builtIn'; builtIn: 'commit-date' | 'os' };

/** One tagger as declared; `source` undefined for `off: true`. */
export interface TaggerSpec {
  name: string;
  source?: TaggerSource;
}

/** One tagger in effect for an image, and where it was declared (`(stack)` or an image name). */
export interface EffectiveTagger {
  name: string;
  source: TaggerSource;
  from: string;
}

/** The prefix of the manifest command names that run tagger commands (never shown as manifest commands). */
export const TAGGER_COMMAND_PREFIX = 'tagger:';

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Reads one `taggers:` list that specs.schema.json accepted (shapes are the schema's; what
 * does not fit is skipped). Adds what the schema cannot say: a name used twice in the list.
 */
export function readTaggers(list: unknown, at: (string | number)[], issues: SpecIssue[]): TaggerSpec[] {
  if (!Array.isArray(list)) return [];
  const out: TaggerSpec[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    if (!isObject(item) || typeof item.name !== 'string') return;
    if (seen.has(item.name)) {
      issues.push({ path: [...at, i, 'name'], message: `tagger "${item.name}" is defined twice`, fix: 'give each tagger its own name' });
      return;
    }
    seen.add(item.name);
    if (typeof item.command === 'string') out.push({ name: item.name, source: { kind: 'command', command: item.command } });
    else if (typeof item.package === 'string') out.push({ name: item.name, source: { kind: 'package', package: item.package } });
    else if (item.builtIn === 'commit-date' || item.builtIn === 'os') out.push({ name: item.name, source: { kind: 'builtIn', builtIn: item.builtIn } });
    else if (item.off === true) out.push({ name: item.name });
  });
  return out;
}

/** The final-base chain of `image`, oldest first, `image` last. */
function finalBaseChain(stack: Stack, image: string): string[] {
  const chain: string[] = [];
  for (let at: string | undefined = image; at; ) {
    chain.unshift(at);
    const base: StackImage | undefined = stack.images.get(at);
    at = base && 'image' in base.finalBase ? base.finalBase.image : undefined;
  }
  return chain;
}

/**
 * The taggers in effect for `image` (see the module comment), in declaration order
 * (stack-wide first).
 */
export function effectiveTaggers(stack: Stack, image: string): EffectiveTagger[] {
  const byName = new Map<string, EffectiveTagger>();
  const apply = (list: readonly TaggerSpec[], from: string) => {
    for (const t of list) {
      byName.delete(t.name);
      if (t.source) byName.set(t.name, { name: t.name, source: t.source, from });
    }
  };
  apply(stack.specs.taggers ?? [], '(stack)');
  for (const name of finalBaseChain(stack, image)) apply(stack.images.get(name)?.spec.taggers ?? [], name);
  return [...byName.values()];
}

/** The manifest commands that run `taggers`' commands (names prefixed {@link TAGGER_COMMAND_PREFIX}). */
export function taggerCommands(taggers: readonly EffectiveTagger[]): Array<{ name: string; command: string }> {
  return taggers.flatMap((t) => (t.source.kind === 'command' ? [{ name: `${TAGGER_COMMAND_PREFIX}${t.name}`, command: t.source.command }] : []));
}

/** What the taggers read: the package manifest's lists and OS, the tagger commands' results, the commit date. */
export interface TaggerInputs {
  /** dpkg and pip package versions by name. */
  packages: { dpkg: Record<string, string>; pip: Record<string, string> };
  /** /etc/os-release fields. */
  os: Record<string, string>;
  /** Results of {@link taggerCommands}, by tagger name. */
  commands: ReadonlyMap<string, { stdout: string; exitCode: number; timedOut?: boolean }>;
  /** The source commit's committer date, ISO 8601. */
  commitDate: string;
}

/** One tagger's outcome: its tag part, or why it gives none. */
export type TaggerOutcome =
  | { name: string; ok: true; part: string; value: string; kind: 'value' | 'date' }
  | { name: string; ok: false; problem: string };

/**
 * The tag part of every tagger (`<name>-<value>` for command and package taggers, the value
 * alone for built-ins), each validated against the tag grammar. A tagger whose value is
 * missing or not a tag part gets a problem in words (quoting the output), never a part.
 */
export function taggerOutcomes(taggers: readonly EffectiveTagger[], inputs: TaggerInputs): TaggerOutcome[] {
  return taggers.map((t): TaggerOutcome => {
    const value = taggerValue(t, inputs);
    if ('problem' in value) return { name: t.name, ok: false, problem: `tagger "${t.name}" (from ${t.from}): ${value.problem}` };
    const part = t.source.kind === 'builtIn' ? value.value : `${t.name}-${value.value}`;
    const problem = tagProblem(part);
    if (problem) return { name: t.name, ok: false, problem: `tagger "${t.name}" (from ${t.from}): ${JSON.stringify(shorten(part))} is not a tag part: ${problem}; fix: make it print one word of letters, digits, '.', '_' and '-'` };
    return { name: t.name, ok: true, part, value: value.value, kind: t.source.kind === 'builtIn' && t.source.builtIn === 'commit-date' ? 'date' : 'value' };
  });
}

function shorten(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

function taggerValue(t: EffectiveTagger, inputs: TaggerInputs): { value: string } | { problem: string } {
  const s = t.source;
  switch (s.kind) {
    case 'builtIn':
      if (s.builtIn === 'commit-date') return { value: inputs.commitDate.slice(0, 10) };
      if (!inputs.os.ID || !inputs.os.VERSION_ID) return { problem: '/etc/os-release has no ID or VERSION_ID' };
      return { value: `${inputs.os.ID}-${inputs.os.VERSION_ID}` };
    case 'package': {
      const v = inputs.packages.dpkg[s.package] ?? inputs.packages.pip[s.package];
      if (v === undefined) return { problem: `package ${s.package} is not in the package manifest (neither dpkg nor pip)` };
      return { value: packageVersionValue(v) };
    }
    case 'command': {
      const r = inputs.commands.get(t.name);
      if (!r) return { problem: 'its command did not run (no package manifest was made)' };
      if (r.timedOut) return { problem: `"${s.command}" was stopped at the manifest time limit` };
      if (r.exitCode !== 0) return { problem: `"${s.command}" exited ${r.exitCode}` };
      return { value: r.stdout.replace(/^\s+|\s+$/g, '') };
    }
    default: {
      const never: never = s;
      return never;
    }
  }
}
