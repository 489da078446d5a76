/**
 * The build settings of specs.yml (issue 13): `builder:` (which builder builds the images) and
 * `secrets:` (build secrets, stack-wide and per image), normalised into typed values, plus the
 * plan-time warning for build args whose name looks like a credential.
 *
 * Shapes are specs.schema.json's; this module adds what a schema cannot say (an id declared
 * twice in one list) and where each secret is written (for the "missing secret" error).
 */
import { InputError } from '../errors';
import type { DocPath } from './positions';
import type { BuildArgs } from './types';

/** `builder:` values: BuildKit where available (`auto`), BuildKit or an error, the legacy builder. */
export type BuilderChoice = 'auto' | 'buildkit' | 'classic';

/** The accepted {@link BuilderChoice} values, in the order the fix lists them. */
export const BUILDER_CHOICES: readonly BuilderChoice[] = ['auto', 'buildkit', 'classic'];

/** One build secret: an id and where its value comes from (exactly one of `env`, `file`). */
export interface SecretSpec {
  /** The id a Dockerfile names (`RUN --mount=type=secret,id=<id>`). */
  id: string;
  /** Environment variable holding the value. */
  env?: string;
  /** File holding the value, relative to the workspace root or absolute. */
  file?: string;
  /** Where it is written in specs.yml (1-based line; 0 when made in code). */
  line: number;
}

/** A problem of the build settings, at its path in specs.yml (as the other sections give them). */
export interface BuilderIssue {
  path: Array<string | number>;
  message: string;
  fix: string;
}

/** The typed build settings of one specs.yml. */
export interface BuildSettings {
  /** `builder:` (default `auto`). */
  builder: BuilderChoice;
  /** Stack-wide secrets, in file order. */
  secrets: readonly SecretSpec[];
  /** Per image: the stack-wide secrets, replaced by same-id image secrets, then the image's own. */
  imageSecrets: Map<string, readonly SecretSpec[]>;
}

function asObject(x: unknown): Record<string, unknown> | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

/**
 * Reads `builder` and the `secrets` lists of specs.yml's plain JSON (any shape: entries the
 * schema refuses are skipped). `line` is filled by the caller that has the document
 * (`normalizeSections`); here it is 0.
 */
export function readBuildSettings(json: unknown): { settings: BuildSettings; issues: BuilderIssue[] } {
  const doc = asObject(json) ?? {};
  const issues: BuilderIssue[] = [];
  const builder = BUILDER_CHOICES.includes(doc.builder as BuilderChoice) ? (doc.builder as BuilderChoice) : 'auto';
  const secrets = readSecretList(doc.secrets, ['secrets'], issues);
  const imageSecrets = new Map<string, readonly SecretSpec[]>();
  for (const [name, entry] of Object.entries(asObject(doc.images) ?? {})) {
    const own = readSecretList(asObject(entry)?.secrets, ['images', name, 'secrets'], issues);
    imageSecrets.set(name, [...secrets.filter((s) => !own.some((o) => o.id === s.id)), ...own]);
  }
  return { settings: { builder, secrets, imageSecrets }, issues };
}

/** Where each secret of `settings` is written in specs.yml, for the caller that has the document to locate its line. */
export function secretPaths(settings: BuildSettings): Array<[DocPath, SecretSpec]> {
  const all = new Set([...settings.secrets, ...[...settings.imageSecrets.values()].flat()]);
  return [...all].map((s) => [PATHS.get(s) ?? [], s]);
}

/** The path of each secret read by {@link readBuildSettings}. */
const PATHS = new WeakMap<SecretSpec, DocPath>();

function readSecretList(value: unknown, at: Array<string | number>, issues: BuilderIssue[]): SecretSpec[] {
  if (!Array.isArray(value)) return [];
  const out: SecretSpec[] = [];
  value.forEach((item, i) => {
    const o = asObject(item);
    if (!o || typeof o.id !== 'string') return;
    const env = typeof o.env === 'string' ? o.env : undefined;
    const file = typeof o.file === 'string' ? o.file : undefined;
    if ((env === undefined) === (file === undefined)) {
      issues.push({
        path: [...at, i],
        message: `secret "${o.id}" needs exactly one source: ${env === undefined ? 'neither env nor file is given' : 'both env and file are given'}`,
        fix: `write \`{ id: ${o.id}, env: <VARIABLE> }\` or \`{ id: ${o.id}, file: <path> }\``,
      });
      return;
    }
    if (out.some((s) => s.id === o.id)) {
      issues.push({ path: [...at, i, 'id'], message: `secret id "${o.id}" is declared twice in this list`, fix: `remove one of the two "${o.id}" entries, or rename one` });
      return;
    }
    const spec: SecretSpec = { id: o.id, ...(env !== undefined ? { env } : { file: file! }), line: 0 };
    PATHS.set(spec, [...at, i]);
    out.push(spec);
  });
  return out;
}

/** Words in a build arg name that mark a credential (matched case-insensitively, as parts of the name). */
const CREDENTIAL_WORDS = /TOKEN|PASSWORD|PASSWD|SECRET|KEY/i;

/**
 * Warnings (not errors) for build args whose name looks like a credential (`*TOKEN*`,
 * `*PASSWORD*`, `*SECRET*`, `*KEY*`): a build arg a `RUN` uses is written into the image's
 * history, where anyone who pulls the image reads it. Each names where the arg is set and
 * says to use `secrets:` instead.
 *
 * @param args the build args by where they are set (`args`, `images.python.args`, …)
 */
export function credentialArgWarnings(args: ReadonlyArray<{ where: string; args: BuildArgs }>): string[] {
  const out: string[] = [];
  for (const { where, args: a } of args) {
    for (const name of Object.keys(a)) {
      if (!CREDENTIAL_WORDS.test(name)) continue;
      out.push(
        `build arg ${name} (${where}) looks like a credential: a build arg a RUN step uses is readable by anyone with the image (docker history); ` +
          `pass it as a build secret instead: secrets: [{ id: ${name.toLowerCase()}, env: ${name} }] in specs.yml and RUN --mount=type=secret,id=${name.toLowerCase()} … in the Dockerfile`,
      );
    }
  }
  return out;
}

/**
 * False when no build arg of the specs.yml `text` can look like a credential, so that
 * {@link specsCredentialWarnings} of it is surely empty without parsing it (a whole parse
 * of a large specs.yml costs ~100 ms): every key is in the text verbatim unless an escape
 * (`\`) makes it, and YAML's line folding only turns line breaks into spaces.
 */
export function mayNameCredentialArgs(text: string): boolean {
  return text.includes('\\') || CREDENTIAL_WORDS.test(text);
}

/**
 * {@link credentialArgWarnings} of every build arg specs.yml sets, from its plain JSON (any
 * shape): per version (`versions.<V>.args`), per image (`images.<I>.args`) and per image and
 * version (`images.<I>.versions.<V>.args`).
 */
export function specsCredentialWarnings(json: unknown): string[] {
  const doc = asObject(json) ?? {};
  const argsOf = (x: unknown): BuildArgs => (asObject(asObject(x)?.args) ?? {}) as BuildArgs;
  const found: Array<{ where: string; args: BuildArgs }> = [];
  for (const [v, section] of Object.entries(asObject(doc.versions) ?? {})) found.push({ where: `specs.yml versions.${v}.args`, args: argsOf(section) });
  for (const [name, entry] of Object.entries(asObject(doc.images) ?? {})) {
    found.push({ where: `specs.yml images.${name}.args`, args: argsOf(entry) });
    for (const [v, section] of Object.entries(asObject(asObject(entry)?.versions) ?? {})) found.push({ where: `specs.yml images.${name}.versions.${v}.args`, args: argsOf(section) });
  }
  return credentialArgWarnings(found);
}

/**
 * The builder asked by the environment variable IMAGESTACK_BUILDER (for the façades that have
 * no `--builder`: the Nx executors), with where it came from.
 *
 * @throws InputError when the value is not a {@link BuilderChoice}
 */
export function builderFromEnv(env: NodeJS.ProcessEnv = process.env): { builder?: BuilderChoice; builderFrom?: string } {
  const value = env.IMAGESTACK_BUILDER;
  if (value === undefined || value === '') return {};
  if (!(BUILDER_CHOICES as readonly string[]).includes(value)) {
    throw new InputError({ file: `IMAGESTACK_BUILDER=${value}`, message: 'not a builder', fix: `set it to one of ${BUILDER_CHOICES.join(', ')}, or unset it (specs.yml \`builder\` then decides)` });
  }
  return { builder: value as BuilderChoice, builderFrom: 'IMAGESTACK_BUILDER' };
}
