/**
 * Several commands in ONE throwaway container of an image (one generated `sh` script that
 * fences each command's stdout and stderr with random markers), so a manifest of 8 commands
 * costs one container start instead of 8. The container is run and removed by
 * {@link runInContainer} (./container.ts), on every exit path (DESIGN.md promise 7).
 */
import { randomBytes } from 'node:crypto';
import type { ContainerEngine } from '../ports';
import { runInContainer, type ContainerRunOptions } from './container';

/** One command for {@link runCommands}. */
export interface NamedCommand {
  name: string;
  /** Shell command, run as `sh -c <command>` with stdin from /dev/null. */
  command: string;
}

/** What one command of {@link runCommands} produced. */
export interface CommandResult {
  name: string;
  command: string;
  stdout: string;
  stderr: string;
  /** Exit code; -1 when the command did not finish (time limit, or the run was cut short). */
  exitCode: number;
  /** True when the time limit stopped the run before this command finished. */
  timedOut: boolean;
}

/** Quotes `s` as one `sh` word. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `sh` script {@link runCommands} runs: for command i, a start marker on stdout and on
 * stderr, then `sh -c '<command i>' </dev/null` (so a syntax error or `exit` stays inside
 * it), then `\n<marker> end i <exit code>` on stdout and `\n<marker> end i` on stderr.
 */
export function commandsScript(commands: readonly NamedCommand[], marker: string): string {
  const lines = [`m=${shQuote(marker)}`];
  commands.forEach((c, i) => {
    lines.push(
      `printf '%s start ${i}\\n' "$m"; printf '%s start ${i}\\n' "$m" >&2`,
      `sh -c ${shQuote(c.command)} </dev/null`,
      `c=$?; printf '\\n%s end ${i} %d\\n' "$m" "$c"; printf '\\n%s end ${i}\\n' "$m" >&2`,
    );
  });
  lines.push('exit 0');
  return lines.join('\n');
}

/**
 * Splits one stream of a {@link commandsScript} run into the output of each command.
 *
 * @returns per command index: the text between its start and end markers (the newline the
 *   end marker adds is removed), whether the end marker was seen, and the exit code it
 *   carried (stdout only); `undefined` for a command that never started
 */
export function splitMarkedOutput(
  text: string,
  marker: string,
  count: number,
): Array<{ text: string; ended: boolean; exitCode?: number } | undefined> {
  const out: Array<{ text: string; ended: boolean; exitCode?: number } | undefined> = [];
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const start = `${marker} start ${i}\n`;
    const s = text.indexOf(start, pos);
    if (s < 0) {
      out.push(undefined);
      continue;
    }
    const from = s + start.length;
    // The script prints a newline before the end marker, so it is found at or after `from`.
    const endRe = new RegExp(`\\n${marker} end ${i}(?: (-?\\d+))?\\n`, 'g');
    endRe.lastIndex = from;
    const m = endRe.exec(text);
    if (!m) {
      out.push({ text: text.slice(from), ended: false });
      pos = text.length;
      continue;
    }
    out.push({ text: text.slice(from, m.index), ended: true, exitCode: m[1] !== undefined ? Number(m[1]) : undefined });
    pos = m.index + m[0].length;
  }
  return out;
}

/**
 * Runs several commands one after the other in ONE fresh container of `image` (see
 * {@link commandsScript}) and returns each one's stdout, stderr and exit code. Commands
 * share the container's filesystem (a command's writes are seen by the next) but not
 * shell state. `opts.timeoutMs` limits the whole run; commands cut off by it get
 * `exitCode` -1 and `timedOut`.
 *
 * @throws EngineError as {@link runInContainer} (engine failure, abort)
 */
export async function runCommands(
  docker: ContainerEngine,
  image: string,
  commands: readonly NamedCommand[],
  opts: ContainerRunOptions = {},
): Promise<{ results: CommandResult[]; durationMs: number; timedOut: boolean; truncated: boolean }> {
  if (commands.length === 0) return { results: [], durationMs: 0, timedOut: false, truncated: false };
  const marker = `IMAGESTACK-${randomBytes(8).toString('hex')}`;
  const run = await runInContainer(docker, image, commandsScript(commands, marker), opts);
  const outs = splitMarkedOutput(run.stdout, marker, commands.length);
  const errs = splitMarkedOutput(run.stderr, marker, commands.length);
  const results = commands.map((c, i): CommandResult => {
    const o = outs[i];
    const e = errs[i];
    const ended = !!o?.ended && o.exitCode !== undefined;
    return {
      name: c.name,
      command: c.command,
      stdout: o?.text ?? '',
      stderr: e?.text ?? '',
      exitCode: ended ? o!.exitCode! : -1,
      timedOut: !ended && run.timedOut,
    };
  });
  return { results, durationMs: run.durationMs, timedOut: run.timedOut, truncated: run.truncated };
}
