/**
 * The run report: `report.json` for machines and `report.md` for people, written to the
 * run's output folder (default `dist/imagestack/`). Per image and version: reference,
 * digest, action and reason, per-step durations (ms), image size (bytes), check and test
 * results, and links to the package manifest and its diff. Failures come first.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { NodeResult, Step } from '../pipeline/types';
import type { Plan } from '../plan/types';
import type { StackCheckResult } from '../verify/stack-checks/evaluate';

/**
 * The JSON report's shape (field names are an interface, like `plan --json`).
 *
 * Per image, `digest` keeps the meaning it always had in report.json: the registry digest
 * when the tag is in the registry (pushed, or appeared during the run), else the local image
 * ID of the image built (`NodeResult.imageId`; `NodeResult.digest` itself is a registry
 * digest only). Readers that need to tell them apart compare with `imageId`.
 */
export interface RunReport {
  head: string;
  dirty: boolean;
  ok: boolean;
  /** ISO 8601. */
  startedAt: string;
  /** Wall time of the run, ms. */
  durationMs: number;
  counts: Record<NodeResult['status'], number>;
  images: Array<
    Pick<NodeResult, 'image' | 'version' | 'reference' | 'tag' | 'sourceCommit' | 'status' | 'reason' | 'digest' | 'size' | 'durations' | 'gates' | 'step' | 'error' | 'logTail' | 'logFile' | 'blockedBy' | 'descriptiveTags' | 'taggerProblems' | 'platforms'> & {
      action: 'build' | 'skip';
    }
  >;
  /** The stack-wide checks' outcomes, per check and version; absent when the stack has none. */
  stackChecks?: StackCheckResult[];
}

const STEPS: Step[] = ['pull', 'build', 'manifest', 'checks', 'test', 'push'];
const ORDER: Record<NodeResult['status'], number> = { failed: 0, blocked: 1, cancelled: 2, pushed: 3, built: 4, skipped: 5 };

/** Builds the report object. Images: failures first, then in plan order. */
export function makeReport(plan: Plan, results: readonly NodeResult[], startedAt: Date, durationMs: number, stackChecks: readonly StackCheckResult[] = []): RunReport {
  const action = new Map(plan.images.map((e) => [`${e.image}@${e.version}`, e.action]));
  const counts = { pushed: 0, built: 0, skipped: 0, failed: 0, blocked: 0, cancelled: 0 };
  for (const r of results) counts[r.status]++;
  const images = [...results]
    .map((r, i) => ({ r, i }))
    .sort((a, b) => ORDER[a.r.status] - ORDER[b.r.status] || a.i - b.i)
    .map(({ r }) => ({
      ...r,
      ...(r.digest === undefined && r.imageId !== undefined ? { digest: r.imageId } : {}),
      action: action.get(`${r.image}@${r.version}`) ?? 'build',
    }));
  return {
    head: plan.head,
    dirty: plan.dirty,
    ok: counts.failed + counts.blocked + counts.cancelled === 0 && results.every((r) => !r.taggerProblems?.length) && stackChecks.every((c) => c.ok),
    startedAt: startedAt.toISOString(),
    durationMs,
    counts,
    images,
    ...(stackChecks.length ? { stackChecks: [...stackChecks] } : {}),
  };
}

const ms = (n: number | undefined) => (n === undefined ? '' : n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`);
const mb = (n: number | undefined) => (n === undefined ? '' : `${(n / 1e6).toFixed(1)} MB`);
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * Renders the report as Markdown (GitHub-flavoured: tables and `<details>`).
 *
 * @param linkBase folder the links are made relative to (the report's own folder)
 */
export function renderMarkdown(report: RunReport, linkBase: string): string {
  const link = (file: string | undefined, text: string) => (file ? `[${text}](${path.relative(linkBase, file)})` : '');
  const out: string[] = [];
  const c = report.counts;
  out.push(`# imagestack run at ${report.head.slice(0, 7)}${report.dirty ? ' (dirty)' : ''}: ${report.ok ? 'passed' : 'FAILED'}`);
  out.push('');
  out.push(
    `${c.pushed} pushed, ${c.built} built, ${c.skipped} skipped, ${c.failed} failed, ${c.blocked} blocked, ${c.cancelled} cancelled — ${ms(report.durationMs)}, started ${report.startedAt}`,
  );
  out.push('');
  out.push(`| image | version | status | tag | ${STEPS.join(' | ')} | size | checks | tests | package manifest | reason |`);
  out.push(`|---|---|---|---|${STEPS.map(() => '--:').join('|')}|--:|---|---|---|---|`);
  for (const r of report.images) {
    const checks = r.gates?.checks;
    const tests = r.gates?.test;
    const manifest = r.gates?.manifest;
    out.push(
      `| ${r.image} | ${r.version} | ${r.status} | \`${r.tag}\` | ${STEPS.map((s) => ms(r.durations[s])).join(' | ')} | ${mb(r.size)} | ` +
        `${checks ? cell(checks.summary) : ''} | ${tests ? cell(tests.summary) : ''} | ` +
        `${manifest ? [link(manifest.files?.markdown, 'manifest'), link(manifest.files?.json, 'json')].filter(Boolean).join(' · ') : ''} | ${cell(r.reason)} |`,
    );
  }
  out.push(...renderPlatforms(report, link));
  out.push(...renderDescriptiveTags(report));
  if (report.stackChecks?.length) {
    out.push('', '## Stack-wide checks', '');
    for (const c of report.stackChecks) out.push(`- ${c.ok ? 'passed' : '**FAILED**'}: ${cell(c.message)}${c.unread?.length ? ` (not read: ${c.unread.join(', ')}: no package manifest in this output folder)` : ''}`);
  }
  const failed = report.images.filter((r) => r.status === 'failed');
  if (failed.length) {
    out.push('', '## Failures', '');
    for (const r of failed) {
      out.push(`### ${r.image}@${r.version}: ${r.step} failed`, '', cell(r.error ?? ''), '');
      for (const gate of Object.values(r.gates ?? {})) {
        for (const item of gate?.items ?? []) {
          if (!item.ok) out.push(`- **${item.name}**: expected ${item.expected ?? 'success'}, found ${item.found ?? 'failure'}`);
        }
      }
      if (r.logTail?.length) out.push('', '<details open><summary>last lines of the log</summary>', '', '```', ...r.logTail, '```', '', '</details>', '');
    }
  }
  return `${out.join('\n')}\n`;
}

/** The "Platforms" section: per multi-platform image and version, each platform's status, image manifest digest and build/test times. None when no image has platforms. */
function renderPlatforms(report: RunReport, link: (file: string | undefined, text: string) => string): string[] {
  const multi = report.images.filter((r) => r.platforms?.length);
  if (!multi.length) return [];
  const out = ['', '## Platforms', '', '| image | version | platform | status | digest | build | test | package manifest |', '|---|---|---|---|---|--:|--:|---|'];
  for (const r of multi) {
    for (const p of r.platforms!) {
            out.push(`| ${r.image} | ${r.version} | ${p.platform} | ${p.status}${p.step ? ` (${p.step})` : ''} | ${p.digest ? `\`${p.digest.slice(0, 19)}…\`` : ''} | ${ms(p.durations.build)} | ${ms(p.durations.test)} | ${link(p.gates?.manifest?.files?.markdown, 'manifest')} |`);
    }
  }
  return out;
}

/** The "Descriptive tags" section: per image and version its descriptive tags, then the refused taggers. None when there are neither. */
function renderDescriptiveTags(report: RunReport): string[] {
  const withTags = report.images.filter((r) => r.descriptiveTags?.length);
  const problems = report.images.filter((r) => r.taggerProblems?.length);
  if (!withTags.length && !problems.length) return [];
  const out = ['', '## Descriptive tags', ''];
  for (const r of withTags) out.push(`- ${r.image}@${r.version}: ${r.descriptiveTags!.map((t) => `\`${t.tag}\` (${t.status})`).join(', ')}`);
  if (problems.length) {
    out.push('', '### Refused taggers', '');
    for (const r of problems) for (const p of r.taggerProblems!) out.push(`- ${r.image}@${r.version}: ${cell(p)}`);
  }
  return out;
}

/** Folder under the output folder where each run that built or failed anything keeps its report. */
export const RUNS_FOLDER = 'runs';

/**
 * Writes `report.json` and `report.md` into `outputDir` (overwriting the last run's), and,
 * when the run did anything but skip, a copy of the JSON as
 * `runs/<startedAt as YYYYMMDDTHHMMSSZ>-<head sha7>.json`, so build and test durations can be
 * followed over runs (the site's charts read them). Runs that only skipped are not kept.
 *
 * @returns the paths written
 */
export function writeReport(report: RunReport, outputDir: string): { json: string; markdown: string; kept?: string } {
  mkdirSync(outputDir, { recursive: true });
  const json = path.join(outputDir, 'report.json');
  const markdown = path.join(outputDir, 'report.md');
  const text = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(json, text);
  writeFileSync(markdown, renderMarkdown(report, outputDir));
  if (report.counts.skipped === report.images.length) return { json, markdown };
  const stamp = report.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const kept = path.join(outputDir, RUNS_FOLDER, `${stamp}-${report.head.slice(0, 7)}.json`);
  mkdirSync(path.dirname(kept), { recursive: true });
  writeFileSync(kept, text);
  return { json, markdown, kept };
}
