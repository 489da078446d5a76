/**
 * Terminal progress for a pipeline run: one line per image and version showing its step and
 * elapsed time. On a TTY the lines are redrawn in place; elsewhere (CI logs, Nx output) a
 * line is printed each time an image changes step. A failure prints the last lines of the
 * failing step's log, never a stack trace.
 */
import type { NodeResult, PipelineEvent, Reporter } from '../core/pipeline/types';
import { formatDuration } from './table';

interface Line {
  key: string;
  started: number;
  step: string;
  detail?: string;
  done?: NodeResult;
}

const MARK: Record<NodeResult['status'], string> = {
  pushed: '✔',
  built: '✔',
  skipped: '·',
  failed: '✖',
  blocked: '-',
  cancelled: '-',
};

/**
 * Makes a reporter writing to `out` (default stdout).
 *
 * @param opts.tty redraw in place (default: `out.isTTY`)
 */
export function terminalReporter(
  out: NodeJS.WriteStream = process.stdout,
  opts: { tty?: boolean } = {},
): Reporter & { stop(): void } {
  const tty = opts.tty ?? Boolean(out.isTTY);
  const lines = new Map<string, Line>();
  let drawn = 0;
  const render = (l: Line): string => {
    if (l.done) {
      const r = l.done;
      const total = Object.values(r.durations).reduce((a, b) => a + (b ?? 0), 0);
      return `${MARK[r.status]} ${l.key.padEnd(24)} ${r.status.padEnd(9)} ${r.tag}  ${r.reason}${total ? ` (${formatDuration(total)})` : ''}`;
    }
    const detail = l.detail ? `  ${l.detail.length > 60 ? `${l.detail.slice(0, 57)}...` : l.detail}` : '';
    return `▶ ${l.key.padEnd(24)} ${l.step.padEnd(9)} ${formatDuration(Date.now() - l.started)}${detail}`;
  };
  const redraw = () => {
    if (!tty) return;
    const all = [...lines.values()];
    let s = drawn ? `\x1b[${drawn}A` : '';
    for (const l of all) s += `\x1b[2K${render(l)}\n`;
    out.write(s);
    drawn = all.length;
  };
  const timer = tty ? setInterval(redraw, 1000) : undefined;
  timer?.unref();

  const reporter = ((e: PipelineEvent) => {
    switch (e.type) {
      case 'plan': {
        out.write(`imagestack: ${e.plan.images.length} image versions planned at ${e.plan.head.slice(0, 7)}${e.plan.dirty ? ' (dirty)' : ''}; ${e.toBuild} to build\n`);
        break;
      }
      case 'step': {
        const l = lines.get(e.key) ?? { key: e.key, started: Date.now(), step: e.step };
        // A multi-platform image's step names its platform: `build [linux/arm64] Step 2/3 : RUN …`.
        const detail = e.platform ? `[${e.platform}]${e.detail ? ` ${e.detail}` : ''}` : e.detail;
        const changed = l.step !== e.step || l.detail !== detail || !lines.has(e.key);
        l.step = e.step;
        l.detail = detail;
        lines.set(e.key, l);
        if (tty) redraw();
        else if (changed) out.write(`${render(l)}\n`);
        break;
      }
      case 'done': {
        const l = lines.get(e.key) ?? { key: e.key, started: Date.now(), step: 'done' };
        l.done = e.result;
        if (e.result.status === 'skipped' && !lines.has(e.key) && !tty) {
          out.write(`${render(l)}\n`);
          break;
        }
        lines.set(e.key, l);
        if (tty) redraw();
        else out.write(`${render(l)}\n`);
        if (e.result.status === 'failed') {
          const tail = e.result.logTail ?? [];
          out.write(`\n✖ ${e.key} failed at ${e.result.step}: ${e.result.error}\n`);
          if (tail.length) out.write(`  last ${tail.length} lines of ${e.result.logFile ?? 'the log'}:\n${tail.map((t) => `  | ${t}`).join('\n')}\n\n`);
          drawn = 0;
        }
        for (const p of e.result.taggerProblems ?? []) {
          out.write(`\n✖ ${e.key}: ${p}\n`);
          drawn = 0;
        }
        break;
      }
    }
  }) as Reporter & { stop(): void };
  reporter.stop = () => {
    if (timer) clearInterval(timer);
    redraw();
  };
  return reporter;
}
