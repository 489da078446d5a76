/**
 * Merging run reports: the CI matrix runs one pipeline per job, each writing its own
 * `report.json`; the workflow's report job merges them into one report for the job summary.
 */
import type { RunReport } from './report';
import { InputError } from '../errors';

const ORDER: Record<RunReport['images'][number]['status'], number> = { failed: 0, blocked: 1, cancelled: 2, pushed: 3, built: 4, skipped: 5 };

/**
 * Merges the reports of runs of the same commit into one: every image and version once
 * (a job's own result wins over another job's `skipped`; the platform jobs and the publish job
 * of a multi-platform image are one result, see {@link mergeJobs}), failures first, counts and `ok`
 * recomputed; `startedAt` is the earliest start and `durationMs` runs to the latest end.
 *
 * @throws InputError when no report is given, or the reports are of different commits
 */
export function mergeReports(reports: readonly RunReport[]): RunReport {
  if (!reports.length) throw new InputError({ file: 'report', message: 'no run report to merge', fix: 'give the report.json files (or folders holding them) of the run' });
  const heads = [...new Set(reports.map((r) => r.head))];
  if (heads.length > 1) {
    throw new InputError({
      file: 'report',
      message: `the reports are of different commits (${heads.map((h) => h.slice(0, 7)).join(', ')}): merge the reports of one run`,
      fix: 'give only the reports of one run (one commit)',
    });
  }
  const byKey = new Map<string, RunReport['images'][number]>();
  for (const report of reports) {
    for (const r of report.images) {
      const key = `${r.image}@${r.version}`;
      const seen = byKey.get(key);
      if (!seen || (seen.status === 'skipped' && r.status !== 'skipped')) byKey.set(key, r);
      else if (r.status !== 'skipped' && (seen.platforms || r.platforms)) byKey.set(key, mergeJobs(seen, r));
    }
  }
  const images = [...byKey.values()].map((r, i) => ({ r, i })).sort((a, b) => ORDER[a.r.status] - ORDER[b.r.status] || a.i - b.i).map(({ r }) => r);
  const counts = { pushed: 0, built: 0, skipped: 0, failed: 0, blocked: 0, cancelled: 0 };
  for (const r of images) counts[r.status]++;
  const start = Math.min(...reports.map((r) => Date.parse(r.startedAt)));
  const end = Math.max(...reports.map((r) => Date.parse(r.startedAt) + r.durationMs));
  return {
    head: heads[0],
    dirty: reports.some((r) => r.dirty),
    ok: counts.failed + counts.blocked + counts.cancelled === 0 && images.every((i) => !i.taggerProblems?.length),
    startedAt: new Date(start).toISOString(),
    durationMs: end - start,
    counts,
    images,
  };
}

type ImageResult = RunReport['images'][number];
type PlatformOutcome = NonNullable<ImageResult['platforms']>[number];
const PLATFORM_ORDER: Record<PlatformOutcome['status'], number> = { failed: 0, pushed: 1, passed: 2, 'not run': 3 };

/**
 * One result from the CI jobs of one multi-platform image (its platform jobs and its publish
 * job, issue 14): the worse status wins (a failed platform fails the image); on a tie, the
 * result naming more platforms (the publish job's, with the index digest); each platform's
 * outcome is the most telling one any job gave (failed, then pushed, then passed).
 */
function mergeJobs(a: ImageResult, b: ImageResult): ImageResult {
  const [first, second] = ORDER[b.status] < ORDER[a.status] || (ORDER[b.status] === ORDER[a.status] && (b.platforms?.length ?? 0) > (a.platforms?.length ?? 0)) ? [b, a] : [a, b];
  const platforms = new Map<string, PlatformOutcome>();
  for (const p of [...(first.platforms ?? []), ...(second.platforms ?? [])]) {
    const seen = platforms.get(p.platform);
    if (!seen || PLATFORM_ORDER[p.status] < PLATFORM_ORDER[seen.status]) platforms.set(p.platform, seen ? { ...seen, ...p } : p);
  }
  return { ...first, ...(platforms.size ? { platforms: [...platforms.values()] } : {}) };
}
