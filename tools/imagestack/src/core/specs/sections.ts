/**
 * The normalise step of reading specs.yml (schema → normalise → rules, as changesets reads
 * its config): the gate and release sections — `manifest`, `checks`, `test` of each image over
 * `defaults`, the top-level `stamp` and `audit` — turned into the typed settings the gates and
 * commands read (`ImageSpec.manifest`, `.checks`, `.test`, `Specs.stamp`, `.audit`).
 *
 * Their shapes are specs.schema.json's; each section's module adds only what a schema cannot
 * say (a name used twice, a regular expression or version range that does not parse, a path
 * leaving the workspace, a stamp file or pointer that names nothing, a duration). Those
 * problems are reported here, at their line, with the schema's.
 */
import { auditSpecIssues, readAuditPolicy, type AuditPolicy } from '../audit/spec';
import { readStampSpecs, stampSpecIssues, type StampSpec } from '../stamp/spec';
import { resolveChecks, type CheckSpec } from '../verify/checks/spec';
import { resolveManifestSpec, type ManifestSpec, type SpecIssue } from '../verify/manifest/spec';
import { normalizeTestSettings, type TestSpec } from '../verify/test/settings';
import { asObject, report } from './context';
import type { CheckContext } from './context';
import { locate } from './positions';

/** The typed settings of one image. */
export interface ImageSections {
  manifest: ManifestSpec;
  checks: readonly CheckSpec[];
  test: TestSpec;
}

/** The typed sections of one specs.yml. */
export interface Sections {
  images: Map<string, ImageSections>;
  stamp: readonly StampSpec[];
  audit: AuditPolicy;
}

/**
 * Normalises the sections of `ctx.json` (any shape: what the schema refused is skipped) and
 * adds the problems the schema cannot find to `ctx.problems`, one per place (a place the
 * schema already reported keeps the schema's problem).
 *
 * @returns the sections; meaningful only when `ctx` ends with no problems
 */
export function normalizeSections(ctx: CheckContext): Sections {
  const json = asObject(ctx.json) ?? {};
  const defaults = asObject(json.defaults) ?? {};
  const issues: SpecIssue[] = [];
  const images = new Map<string, ImageSections>();
  for (const [name, value] of Object.entries(asObject(json.images) ?? {})) {
    const entry = asObject(value) ?? {};
    const manifest = resolveManifestSpec(json, name, entry);
    const checks = resolveChecks(entry, name);
    const { issues: testIssues, ...test } = normalizeTestSettings(defaults.test, entry.test, name);
    issues.push(...manifest.issues, ...checks.issues, ...testIssues);
    images.set(name, { manifest: manifest.spec, checks: checks.checks, test });
  }
  issues.push(...stampSpecIssues(json, ctx.readWorkspaceFile), ...auditSpecIssues(json));
  const schemaPlaces = new Set(ctx.problems.map((p) => `${p.line}:${p.column}`));
  for (const i of issues) {
    const { line, column } = locate(ctx.doc, ctx.lineCounter, i.path, 'value');
    if (!schemaPlaces.has(`${line}:${column}`)) report(ctx, i.path, 'value', i.message, i.fix);
  }
  return { images, stamp: readStampSpecs(json), audit: readAuditPolicy(json) };
}
