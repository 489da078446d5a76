/**
 * The `checks` gate: the image's `checks:` from specs.yml (see `spec.ts`), every one run,
 * the gate failing when any fails. Each failure reads
 * `<image>@<version>: check "<name>": expected <expected>, found <found>`.
 *
 * - `command` + `match`: all command checks run in ONE container of the image (no
 *   network, time limit {@link CHECK_TIMEOUT_MS} for all); the output (stdout, then
 *   stderr, trimmed) must match `new RegExp(match, 'm')`; the exit code is not judged.
 * - `package` (+ `version`): the dpkg list, then the pip list (name compared as PEP 503
 *   normalized), of the package manifest the manifest gate handed on (`ctx.outputs.manifest`); when
 *   there is none (manifest gate not run), the lists are made here in one container.
 * - `file` + `schema`: the file is read from a created, never started container
 *   (`docker cp`), parsed as JSON and validated with ajv (see `schema.ts`).
 */
import * as path from 'node:path';
import { GateFailure, type Gate, type GateContext, type GateItem, type GateReport } from '../../pipeline/types';
import { redact } from '../../registry';
import { nodeKey } from '../../tags/tag';
import { runCommands } from '../run-commands';
import { collectPackages } from '../manifest/collect';
import { normalizePipName, type Packages } from '../manifest/packages';
import { satisfies } from './range';
import { readFilesFromImage } from './read-file';
import { loadSchemaFile, type SchemaValidator } from './schema';
import type { CommandCheck, FileCheck, PackageCheck } from './spec';

/** Time limit for all command checks of one image together (ms). */
export const CHECK_TIMEOUT_MS = 120_000;

/** Longest `found` text in a failure message (characters). */
const MAX_FOUND = 300;

/** The outcome of one check. */
export interface CheckOutcome {
  name: string;
  ok: boolean;
  expected: string;
  found: string;
  /** Output lines worth showing with a failure (command output, schema errors). */
  detail: string[];
}

/** Creates the `checks` gate (see the module comment). */
export function createChecksGate(): Gate {
  return { step: 'checks', run: runChecksGate };
}

/** A value for a failure message: one line, quoted, shortened. */
function quoteFound(text: string): string {
  const one = text.replace(/\s*\n\s*/g, '\\n');
  return JSON.stringify(one.length > MAX_FOUND ? `${one.slice(0, MAX_FOUND - 1)}…` : one);
}

/** Formats one failed check the way the gate's message lists it. */
export function failureLine(image: string, version: string, o: Pick<CheckOutcome, 'name' | 'expected' | 'found'>): string {
  return `${nodeKey(image, version)}: check "${o.name}": expected ${o.expected}, found ${o.found}`;
}

async function runChecksGate(ctx: GateContext): Promise<GateReport> {
  const { entry } = ctx;
  const key = nodeKey(entry.image, entry.version);
  const checks = ctx.stack.images.get(entry.image)!.spec.checks; // validated when specs.yml was loaded
  if (checks.length === 0) return { ok: true, summary: 'no checks', items: [] };

  const t0 = performance.now();
  const outcomes = new Map<string, CheckOutcome>();
  const commandChecks = checks.filter((c): c is CommandCheck => c.kind === 'command');
  const packageChecks = checks.filter((c): c is PackageCheck => c.kind === 'package');
  const fileChecks = checks.filter((c): c is FileCheck => c.kind === 'file');
  ctx.log(`checks: ${checks.length} (${commandChecks.length} command, ${packageChecks.length} package, ${fileChecks.length} file)`);

  const [cmd, pkg, file] = await Promise.allSettled([
    runCommandChecks(ctx, commandChecks),
    runPackageChecks(ctx, packageChecks),
    runFileChecks(ctx, fileChecks),
  ]);
  for (const r of [cmd, pkg, file]) if (r.status === 'rejected') throw r.reason;
  for (const r of [cmd, pkg, file]) for (const o of (r as PromiseFulfilledResult<CheckOutcome[]>).value) outcomes.set(o.name, o);

  const ordered = checks.map((c) => outcomes.get(c.name)!);
  const items: GateItem[] = ordered.map((o) => ({ name: o.name, ok: o.ok, expected: o.expected, found: o.found }));
  for (const o of ordered) ctx.log(`checks: ${o.ok ? 'ok  ' : 'FAIL'} ${o.name}: expected ${o.expected}, found ${o.found}`);
  const failed = ordered.filter((o) => !o.ok);
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  if (failed.length === 0) return { ok: true, summary: `${checks.length} check${checks.length === 1 ? '' : 's'} passed (${secs} s)`, items };
  const lines = failed.map((o) => failureLine(entry.image, entry.version, o));
  const report: GateReport = { ok: false, summary: `${failed.length} of ${checks.length} checks failed`, items };
  const tail = failed.flatMap((o) => [failureLine(entry.image, entry.version, o), ...o.detail.slice(-10).map((l) => `  ${l}`)]);
  throw new GateFailure(lines.join('\n'), report, tail);
}

/** Command checks, all in one container. */
async function runCommandChecks(ctx: GateContext, checks: CommandCheck[]): Promise<CheckOutcome[]> {
  if (checks.length === 0) return [];
  const { results } = await runCommands(
    ctx.docker,
    ctx.imageId,
    checks.map((c) => ({ name: c.name, command: c.command })),
    { timeoutMs: CHECK_TIMEOUT_MS, signal: ctx.signal },
  );
  return checks.map((c, i) => {
    const r = results[i];
    const output = redact(`${r.stdout}${r.stdout && r.stderr ? '\n' : ''}${r.stderr}`.trim());
    const expected = `output matching /${c.match}/m`;
    if (r.timedOut) return { name: c.name, ok: false, expected, found: `no result: stopped at the time limit (${CHECK_TIMEOUT_MS / 1000} s)`, detail: output.split('\n') };
    const ok = c.regex.test(output);
    return { name: c.name, ok, expected, found: `${quoteFound(output)} (exit ${r.exitCode})`, detail: output === '' ? [] : output.split('\n') };
  });
}

/** The package lists: from the manifest gate, or made here. */
async function packageLists(ctx: GateContext): Promise<Packages> {
  const manifest = ctx.outputs.manifest;
  if (manifest?.packages && manifest.imageId === ctx.imageId) return manifest.packages;
  ctx.log('checks: no package manifest from this run; listing packages');
  return (await collectPackages(ctx.docker, ctx.imageId, { timeoutMs: CHECK_TIMEOUT_MS, signal: ctx.signal })).packages;
}

/** Package checks against the dpkg list, then the pip list. */
async function runPackageChecks(ctx: GateContext, checks: PackageCheck[]): Promise<CheckOutcome[]> {
  if (checks.length === 0) return [];
  const lists = await packageLists(ctx);
  const pipByName = new Map(Object.entries(lists.pip).map(([n, v]) => [normalizePipName(n), { name: n, version: v }]));
  return checks.map((c) => {
    const expected = c.version ? `${c.package} ${c.version.text}` : `${c.package} installed`;
    const deb = lists.dpkg[c.package];
    const py = deb === undefined ? pipByName.get(normalizePipName(c.package)) : undefined;
    if (deb === undefined && py === undefined) {
      return { name: c.name, ok: false, expected, found: `${c.package} not installed (neither in the dpkg list nor in the pip list)`, detail: [] };
    }
    const [version, scheme] = deb !== undefined ? [deb, 'dpkg' as const] : [py!.version, 'pip' as const];
    const ok = c.version ? satisfies(version, c.version, scheme) : true;
    return { name: c.name, ok, expected, found: `${scheme === 'pip' ? py!.name : c.package} ${version} (${scheme})`, detail: [] };
  });
}

/** File + schema checks: files read from one created container, schemas loaded once each. */
async function runFileChecks(ctx: GateContext, checks: FileCheck[]): Promise<CheckOutcome[]> {
  if (checks.length === 0) return [];
  const root = ctx.stack.specs.root;
  const validators = new Map<string, SchemaValidator | Error>();
  for (const c of checks) {
    if (validators.has(c.schema)) continue;
    validators.set(
      c.schema,
      await loadSchemaFile(root, c.schema, (w) => ctx.log(`checks: schema ${c.schema}: ${w}`)).catch((e: Error) => e),
    );
  }
  const files = await readFilesFromImage(ctx.docker, ctx.imageId, [...new Set(checks.map((c) => c.file))], ctx.signal);
  return checks.map((c) => {
    const expected = `${c.file} valid against ${c.schema}`;
    const validate = validators.get(c.schema)!;
    if (validate instanceof Error) return { name: c.name, ok: false, expected, found: `an unusable schema: ${validate.message}`, detail: [] };
    const read = files.get(c.file)!;
    if (!read.ok) return { name: c.name, ok: false, expected, found: read.reason, detail: [] };
    let doc: unknown;
    try {
      doc = JSON.parse(read.data.toString('utf8'));
    } catch (e) {
      return { name: c.name, ok: false, expected, found: `${c.file} is not JSON: ${(e as Error).message}`, detail: [] };
    }
    const errors = validate(doc);
    if (errors.length === 0) return { name: c.name, ok: true, expected, found: `valid (${path.posix.basename(c.file)}, ${read.data.length} bytes)`, detail: [] };
    return { name: c.name, ok: false, expected, found: `${errors.length} error${errors.length === 1 ? '' : 's'}: ${errors.join('; ')}`, detail: errors };
  });
}
