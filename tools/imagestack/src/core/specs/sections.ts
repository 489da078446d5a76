/**
 * The normalise step of reading specs.yml (schema → normalise → rules, as changesets reads
 * its config): the gate and release sections — `manifest`, `checks`, `test` of each image over
 * `defaults`, `platforms`, the top-level `stamp` and `audit` — turned into the typed settings the gates and
 * commands read (`ImageSpec.manifest`, `.checks`, `.test`, `Specs.stamp`, `.audit`).
 *
 * Their shapes are specs.schema.json's; each section's module adds only what a schema cannot
 * say (a name used twice, a regular expression or version range that does not parse, a path
 * leaving the workspace, a stamp file or pointer that names nothing, a check's schema file that
 * does not exist, a duration). Those
 * problems are reported here, at their line, with the schema's.
 */
import { auditSpecIssues, readAuditPolicy, type AuditPolicy } from '../audit/spec';
import { readStampSpecs, stampSpecIssues, type StampSpec } from '../stamp/spec';
import { resolveChecks, type CheckSpec } from '../verify/checks/spec';
import { resolveManifestSpec, type ManifestSpec, type SpecIssue } from '../verify/manifest/spec';
import { normalizeTestSettings, type TestSpec } from '../verify/test/settings';
import { readBuildSettings, secretPaths, type BuildSettings } from './builder';
import { readTaggers, type TaggerSpec } from '../tags/taggers';
import { readStackChecks, type StackCheckSpec } from '../verify/stack-checks/spec';
import { resolvePlatforms, type ImagePlatforms } from '../platform/spec';
import { asObject, report } from './context';
import type { CheckContext } from './context';
import { locate } from './positions';
import type { ImageSpec, Specs } from './types';

/** The typed settings of one image. */
export interface ImageSections {
  manifest: ManifestSpec;
  checks: readonly CheckSpec[];
  test: TestSpec;
  /** The image's own `taggers:` (inheritance is applied by `effectiveTaggers`, which needs the graph). */
  taggers: readonly TaggerSpec[];
  /** Per version, the platforms declared for it (see core/platform/spec.ts). */
  platforms: ImagePlatforms;
}

/** The typed sections of one specs.yml. */
export interface Sections {
  images: Map<string, ImageSections>;
  stamp: readonly StampSpec[];
  audit: AuditPolicy;
  /** `builder` and `secrets` (issue 13). */
  build: BuildSettings;
  /** The stack-wide `taggers:`. */
  taggers: readonly TaggerSpec[];
  /** The `stackChecks:`. */
  stackChecks: readonly StackCheckSpec[];
}

/**
 * Normalises the sections of a specs.yml's plain JSON (any shape: what the schema refused is
 * skipped). Pure, except that the stamp files and the checks' schema files are read with
 * `read` when given.
 *
 * @returns the sections (meaningful when the document has no problems) and the problems the
 *   schema cannot find, each at its path
 */
export function readSections(json: unknown, read?: (rel: string) => string | undefined): { sections: Sections; issues: SpecIssue[] } {
  const doc = asObject(json) ?? {};
  const defaults = asObject(doc.defaults) ?? {};
  const issues: SpecIssue[] = [];
  const images = new Map<string, ImageSections>();
  const exists = read && ((rel: string) => read(rel) !== undefined);
  for (const [name, value] of Object.entries(asObject(doc.images) ?? {})) {
    const entry = asObject(value) ?? {};
    const manifest = resolveManifestSpec(doc, name, entry);
    const checks = resolveChecks(entry, name, exists);
    const { issues: testIssues, ...test } = normalizeTestSettings(defaults.test, entry.test, name);
    const taggers = readTaggers(entry.taggers, ['images', name, 'taggers'], issues);
    issues.push(...manifest.issues, ...checks.issues, ...testIssues);
    images.set(name, { manifest: manifest.spec, checks: checks.checks, test, taggers, platforms: resolvePlatforms(doc, name, entry) });
  }
  const taggers = readTaggers(doc.taggers, ['taggers'], issues);
  const stackChecks = readStackChecks(doc.stackChecks, [...images.keys()], issues);
  issues.push(...stampSpecIssues(doc, read), ...auditSpecIssues(doc));
  const build = readBuildSettings(doc);
  issues.push(...build.issues);
  return { sections: { images, stamp: readStampSpecs(doc), audit: readAuditPolicy(doc), build: build.settings, taggers, stackChecks }, issues };
}

/**
 * {@link readSections} of `ctx.json`, adding its problems to `ctx.problems`, one per place (a
 * place the schema already reported keeps the schema's problem).
 */
export function normalizeSections(ctx: CheckContext): Sections {
  const { sections, issues } = readSections(ctx.json, ctx.readWorkspaceFile);
  const schemaPlaces = new Set(ctx.problems.map((p) => `${p.line}:${p.column}`));
  for (const i of issues) {
    const { line, column } = locate(ctx.doc, ctx.lineCounter, i.path, 'value');
    if (!schemaPlaces.has(`${line}:${column}`)) report(ctx, i.path, 'value', i.message, i.fix);
  }
  for (const [at, secret] of secretPaths(sections.build)) secret.line = locate(ctx.doc, ctx.lineCounter, at, 'key').line;
  return sections;
}

/** A Specs without its typed sections (as normalised, or made in code). */
export type PlainSpecs = Omit<Specs, 'stamp' | 'audit' | 'images' | 'builder' | 'secrets' | 'taggers' | 'stackChecks'> & {
  images: Array<Omit<ImageSpec, 'manifest' | 'checks' | 'test' | 'secrets' | 'taggers' | 'platforms'>>;
};

/**
 * Sets the typed sections on `specs` and its images as read-only, not enumerable properties:
 * they are derived from `raw`, so kept out of JSON output and structural comparisons (like
 * `Specs.text`). An image missing from `sections` gets the defaults.
 */
export function attachSections(specs: PlainSpecs, sections: Sections): Specs {
  for (const image of specs.images) {
    const s = sections.images.get(image.name) ?? readSections({ images: { [image.name]: {} } }).sections.images.get(image.name)!;
    hidden(image, { manifest: s.manifest, checks: s.checks, test: s.test, secrets: sections.build.imageSecrets.get(image.name) ?? sections.build.secrets, taggers: s.taggers, platforms: s.platforms });
  }
  return hidden(specs, { stamp: sections.stamp, audit: sections.audit, builder: sections.build.builder, secrets: sections.build.secrets, taggers: sections.taggers, stackChecks: sections.stackChecks }) as Specs;
}

/**
 * `specs` (made in code, e.g. a test fixture) with the typed sections `parseSpecs` would give
 * it, read from its `raw`; problems are not looked for.
 */
export function withSections(specs: PlainSpecs): Specs {
  return attachSections(specs, readSections(specs.raw).sections);
}

/** Sets `values` on `target` as read-only, not enumerable properties. */
export function hidden<T extends object>(target: T, values: Record<string, unknown>): T {
  for (const [key, value] of Object.entries(values)) Object.defineProperty(target, key, { value, enumerable: false });
  return target;
}
