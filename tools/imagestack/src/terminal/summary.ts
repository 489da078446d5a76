/** The closing summary table of a pipeline run, printed by `imagestack build` and the Nx executors. */
import type { RunResult } from '../core/pipeline/run';
import { formatBytes, formatDuration, formatTable } from './table';

/** The closing summary table of a run. */
export function summaryTable(run: RunResult): string {
  const rows = run.results.map((r) => [
    r.image,
    r.version,
    r.status,
    r.tag,
    r.durations.build !== undefined ? formatDuration(r.durations.build) : '',
    r.durations.push !== undefined ? formatDuration(r.durations.push) : '',
    formatBytes(r.size),
    r.reason,
  ]);
  return formatTable(['image', 'version', 'status', 'tag', 'build', 'push', 'size', 'reason'], rows);
}
