/**
 * Running commands in throwaway containers of an image, for the verification gates
 * (package manifest, checks). Every container is labelled {@link RUN_LABEL}` = 1`, runs
 * with no network, and is removed (forced) whatever happens: success, non-zero exit,
 * timeout, engine error or abort (DESIGN.md promise 7).
 *
 * - {@link runInContainer}: one `sh -c <command>` in a fresh container; stdout, stderr, exit code.
 * - {@link runCommands}: several commands in ONE container (one generated `sh` script that
 *   fences each command's stdout and stderr with random markers), so a manifest of 8
 *   commands costs one container start instead of 8.
 * - {@link withCreatedContainer}: a created, never started container (for `getArchive`).
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { EngineError } from '../errors';
import type { ContainerEngine, ContainerSpec, EngineContainer } from '../ports';

/** Label set on every container imagestack starts, so leftovers can be counted and pruned. */
export const RUN_LABEL = 'io.imagestack.run';

/** Default time limit of one container run (ms). */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** Default cap of the bytes kept per stream (stdout, stderr): 4 MiB; the rest is dropped. */
export const DEFAULT_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

/** Options of {@link runInContainer} and {@link runCommands}. */
export interface ContainerRunOptions {
  /** Kill the container after this many ms (default {@link DEFAULT_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Aborting kills and removes the container; the call then rejects with an EngineError. */
  signal?: AbortSignal;
  /** Bytes kept per stream (default {@link DEFAULT_MAX_OUTPUT_BYTES}); `truncated` tells when more came. */
  maxOutputBytes?: number;
  /** User to run as (`uid[:gid]` or name); default: the image's `USER`. */
  user?: string;
  /** Extra environment, `NAME=value` each. */
  env?: string[];
  /** Extra labels (the {@link RUN_LABEL} label is always set). */
  labels?: Record<string, string>;
}

/** What one container run produced. */
export interface ContainerRunResult {
  /** Standard output, UTF-8 decoded (at most `maxOutputBytes` bytes). */
  stdout: string;
  /** Standard error, UTF-8 decoded (at most `maxOutputBytes` bytes). */
  stderr: string;
  /** The container's exit status (137 when it was killed at the time limit). */
  exitCode: number;
  /** True when the time limit killed the container. */
  timedOut: boolean;
  /** True when stdout or stderr was longer than `maxOutputBytes`. */
  truncated: boolean;
  /** Wall time from create to logs read, in ms. */
  durationMs: number;
}

/** The EngineError thrown when `signal` aborts a run. */
function cancelled(image: string): EngineError {
  return new EngineError(`run in a container of ${image} was cancelled`);
}

/** A sink that keeps the first `max` bytes written to it. */
class Capture extends Writable {
  readonly chunks: Buffer[] = [];
  size = 0;
  truncated = false;
  constructor(readonly max: number) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    const room = this.max - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room > 0) {
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.chunks.push(Buffer.from(part));
      this.size += part.length;
    }
    done();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function statusOf(e: unknown): number | undefined {
  return (e as { statusCode?: number }).statusCode;
}

/**
 * Removes a container (forced, with its anonymous volumes). "No such container" (404) and
 * "removal already in progress" (409) count as done; other failures are retried twice.
 *
 * @throws EngineError when the engine refuses three times
 */
export async function removeContainer(container: EngineContainer): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await container.remove({ force: true, v: true });
      return;
    } catch (e) {
      const status = statusOf(e);
      if (status === 404 || status === 409) return;
      if (attempt >= 3) throw new EngineError(`could not remove container ${container.id.slice(0, 12)}: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
  }
}

function createOptions(image: string, cmd: string[], opts: ContainerRunOptions): ContainerSpec {
  return {
    Image: image,
    Cmd: cmd,
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(opts.user !== undefined ? { User: opts.user } : {}),
    ...(opts.env?.length ? { Env: opts.env } : {}),
    Labels: { ...(opts.labels ?? {}), [RUN_LABEL]: '1' },
    HostConfig: { AutoRemove: false, NetworkMode: 'none' },
  };
}

/**
 * Creates a container of `image` (never started; command `true`), passes it to `fn`, and
 * removes it afterwards, also when `fn` throws. For reading files with `getArchive`.
 *
 * @throws EngineError when the container cannot be created (e.g. no such image) or removed
 */
export async function withCreatedContainer<T>(
  docker: ContainerEngine,
  image: string,
  fn: (container: EngineContainer) => Promise<T>,
  opts: Pick<ContainerRunOptions, 'labels' | 'signal'> = {},
): Promise<T> {
  if (opts.signal?.aborted) throw cancelled(image);
  let container: EngineContainer | undefined;
  try {
    try {
      container = await docker.createContainer(createOptions(image, ['true'], opts));
    } catch (e) {
      throw new EngineError(`could not create a container of ${image}: ${(e as Error).message}`);
    }
    if (opts.signal?.aborted) throw cancelled(image);
    return await fn(container);
  } finally {
    if (container) await removeContainer(container);
  }
}

/**
 * Runs `sh -c <command>` in a fresh container of `image` (no network, the image's
 * entrypoint, user and working directory) and collects its output and exit code. The
 * container is killed at the time limit and always removed.
 *
 * @param image an image ID (`sha256:…`) or reference present in the engine
 * @returns the output; a non-zero exit or a timeout is a result, not an error
 * @throws EngineError when the engine fails (no such image, create/start refused), or
 *   when `opts.signal` aborts (the container is killed and removed first)
 */
export async function runInContainer(
  docker: ContainerEngine,
  image: string,
  command: string,
  opts: ContainerRunOptions = {},
): Promise<ContainerRunResult> {
  const { signal } = opts;
  if (signal?.aborted) throw cancelled(image);
  const t0 = performance.now();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const max = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  let container: EngineContainer | undefined;
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const kill = () => {
    void container?.kill().catch(() => undefined);
  };
  try {
    try {
      container = await docker.createContainer(createOptions(image, ['sh', '-c', command], opts));
    } catch (e) {
      throw new EngineError(`could not create a container of ${image}: ${(e as Error).message}`);
    }
    if (signal?.aborted) throw cancelled(image);
    signal?.addEventListener('abort', kill, { once: true });
    try {
      await container.start();
    } catch (e) {
      if (signal?.aborted) throw cancelled(image);
      throw new EngineError(`could not start a container of ${image}: ${(e as Error).message}`);
    }
    // An abort that came while start() was in flight found nothing running to kill.
    if (signal?.aborted) kill();
    timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    let exitCode: number;
    try {
      exitCode = (await container.wait()).StatusCode;
    } catch (e) {
      if (signal?.aborted) throw cancelled(image);
      throw new EngineError(`waiting for a container of ${image} failed: ${(e as Error).message}`);
    }
    clearTimeout(timer);
    if (signal?.aborted) throw cancelled(image);
    const out = new Capture(max);
    const err = new Capture(max);
    try {
      const logs = await container.logs({ follow: true, stdout: true, stderr: true });
      docker.modem.demuxStream(logs, out, err);
      await finished(logs as never);
    } catch (e) {
      throw new EngineError(`reading the output of a container of ${image} failed: ${(e as Error).message}`);
    }
    return {
      stdout: out.text(),
      stderr: err.text(),
      exitCode,
      timedOut,
      truncated: out.truncated || err.truncated,
      durationMs: Math.round(performance.now() - t0),
    };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', kill);
    if (container) await removeContainer(container);
  }
}

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
