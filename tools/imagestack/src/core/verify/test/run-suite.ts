/**
 * Runs one test suite in a fresh container of the image under test, with the Docker
 * Engine API v1.41 through dockerode:
 *
 * 1. `POST /containers/create`: `Cmd` = the suite's argv (the image's ENTRYPOINT is kept,
 *    e.g. tini as PID 1), `User`, the limits as `HostConfig` (limits.ts), labels;
 * 2. `PUT /containers/{id}/archive`: the test folder, extracted at `/` (archive.ts);
 * 3. `POST /containers/{id}/attach` (stdout and stderr, multiplexed), then `…/start`;
 * 4. `POST /containers/{id}/wait`, raced against the wall-clock timeout and the abort
 *    signal; on either, `POST /containers/{id}/kill` (SIGKILL);
 * 5. always `DELETE /containers/{id}?force=1&v=1` (anonymous volumes too), whatever happened.
 */
import { PassThrough } from 'node:stream';
import { EngineError } from '../../errors';
import type { ContainerEngine, EngineContainer } from '../../ports';
import { TAIL_LINES } from '../../engine/log';
import { packTestFolder } from './archive';
import { testHostConfig } from './limits';
import { TEST_MOUNT } from './settings';
import type { TestSuite } from './suites';
import { RUN_LABEL } from './user';

/** What {@link runTestSuite} needs. */
export interface RunSuiteOptions {
  docker: ContainerEngine;
  /** The image under test (`sha256:…` or a reference). */
  imageId: string;
  suite: TestSuite;
  /** The container's `User` (see user.ts). */
  user: string;
  /** Extra container labels (the run label `io.imagestack.run=1` is always set). */
  labels?: Record<string, string>;
  /** Receives every line of combined stdout and stderr, as it comes. */
  log: (line: string) => void;
  /** Aborting kills and removes the container; the call then rejects. */
  signal?: AbortSignal;
}

/** How a suite ended. */
export interface SuiteOutcome {
  /** True when the command exited 0 within the timeout. */
  ok: boolean;
  /** The exit code; undefined when it timed out. */
  exitCode?: number;
  /** True when killed at the wall-clock limit. */
  timedOut: boolean;
  /** True when the engine reports the container was killed for running out of memory. */
  oomKilled: boolean;
  /** For reports: `exit 0`, `exit 3`, `exit 137 (out of memory)`, `timed out after 60 s`. */
  found: string;
  /** From start to exit (or kill), in ms. */
  durationMs: number;
  /** The last 30 lines of combined output. */
  tail: string[];
}

/** Longest line kept whole; a longer run of output without a newline is cut into lines of this length. */
const MAX_LINE = 64 * 1024;
/** How long to wait for the last output after the container exited, in ms. */
const DRAIN_MS = 5_000;

/**
 * Cuts chunks of one stream into lines (`\n`, a trailing `\r` dropped; a run longer than
 * 64 KiB without a newline is cut into pieces); complete lines go to `emit`, `flush` emits
 * the rest.
 */
export function lineSplitter(emit: (line: string) => void): { write(chunk: Buffer): void; flush(): void } {
  let partial = '';
  return {
    write(chunk) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) emit(line.replace(/\r$/, ''));
      while (partial.length > MAX_LINE) {
        emit(partial.slice(0, MAX_LINE));
        partial = partial.slice(MAX_LINE);
      }
    },
    flush() {
      if (partial) emit(partial.replace(/\r$/, ''));
      partial = '';
    },
  };
}

/**
 * Runs `suite` in a new container of `imageId` and removes the container, on every path.
 *
 * @returns the outcome (a non-zero exit or a timeout is an outcome, not an error)
 * @throws EngineError when the engine fails (create, copy, attach, start, wait), or when
 *   `signal` aborts (message ends in "cancelled"); the container is removed first
 */
export async function runTestSuite(opts: RunSuiteOptions): Promise<SuiteOutcome> {
  const { docker, suite, signal } = opts;
  const { settings } = suite;
  const tail: string[] = [];
  const emit = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    opts.log(line);
  };
  const what = `test suite ${suite.name}`;
  if (signal?.aborted) throw new EngineError(`${what} cancelled`);

  let container: EngineContainer;
  try {
    container = await docker.createContainer({
      Image: opts.imageId,
      Cmd: inOrder(suite.argv),
      User: opts.user,
      Labels: { ...(opts.labels ?? {}), [RUN_LABEL]: '1' },
      Tty: false,
      OpenStdin: false,
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      HostConfig: testHostConfig(settings.limits, settings.network),
    });
  } catch (err) {
    throw new EngineError(`${what}: the engine could not create the container: ${(err as Error).message}`);
  }

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    if (suite.folder) {
      try {
        await container.putArchive(packTestFolder(suite.folder, { mount: TEST_MOUNT }), { path: '/' });
      } catch (err) {
        throw new EngineError(`${what}: copying ${suite.folder} to ${TEST_MOUNT} failed: ${(err as Error).message}`);
      }
    }
    if (signal?.aborted) throw new EngineError(`${what} cancelled`);

    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const out = lineSplitter(emit);
    const err = lineSplitter(emit);
    const stdout = new PassThrough().on('data', (c: Buffer) => out.write(c));
    const stderr = new PassThrough().on('data', (c: Buffer) => err.write(c));
    docker.modem.demuxStream(stream, stdout, stderr);
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });

    type Stop = { kind: 'exit'; code: number } | { kind: 'timeout' } | { kind: 'abort' };
    let t0 = performance.now();
    const stop = await new Promise<Stop>((settle, reject) => {
      let settled = false;
      const resolve = (s: Stop) => {
        settled = true;
        settle(s);
      };
      onAbort = () => resolve({ kind: 'abort' });
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) return resolve({ kind: 'abort' });
      container
        .start()
        .then(() => {
          if (settled) return undefined; // aborted while starting
          // The wall clock runs from the start of the container.
          t0 = performance.now();
          timer = setTimeout(() => resolve({ kind: 'timeout' }), settings.timeoutSeconds * 1000);
          return container.wait();
        })
        .then((r?: { StatusCode: number }) => {
          if (r && !settled) resolve({ kind: 'exit', code: r.StatusCode });
        })
        .catch((e: Error) => {
          if (!settled) reject(new EngineError(`${what}: ${e.message}`, [...tail]));
        });
    });
    const durationMs = Math.round(performance.now() - t0);
    clearTimeout(timer);

    if (stop.kind !== 'exit') await container.kill().catch(() => undefined);
    // The wait for the rest of the output ends with it: a timer left running would keep the
    // process alive up to DRAIN_MS after its last image (the CLI ended 5 s after its work).
    let drain: NodeJS.Timeout | undefined;
    await Promise.race([ended, new Promise((r) => (drain = setTimeout(r, stop.kind === 'exit' ? DRAIN_MS : 500)))]);
    clearTimeout(drain);
    out.flush();
    err.flush();
    (stream as unknown as { destroy?: () => void }).destroy?.();

    if (stop.kind === 'abort') throw new EngineError(`${what} cancelled`, [...tail]);
    if (stop.kind === 'timeout') {
      const found = `timed out after ${settings.timeoutSeconds} s`;
      return { ok: false, timedOut: true, oomKilled: false, found, durationMs, tail };
    }
    let oomKilled = false;
    if (stop.code !== 0) {
      const state = (await container.inspect().catch(() => undefined))?.State;
      oomKilled = state?.OOMKilled === true;
    }
    const found = `exit ${stop.code}${oomKilled ? ' (out of memory)' : ''}`;
    return { ok: stop.code === 0, exitCode: stop.code, timedOut: false, oomKilled, found, durationMs, tail };
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    // Promise 7: no container left behind. force kills it when still running; v removes anonymous volumes.
    await container.remove({ force: true, v: true }).catch((e: Error) => {
      if (!/no such container|is already in progress/i.test(e.message)) opts.log(`warning: could not remove test container ${container.id}: ${e.message}`);
    });
  }
}

/**
 * A shell command (`sh -c …`) with its stderr sent into stdout inside the container, so the
 * combined output keeps the order the test wrote it: the engine copies the two streams from
 * separate pipes, and their order relative to each other is otherwise arbitrary (a final
 * error on stderr could land before the last 30 stdout lines). Exec-form commands are left
 * as they are: the image may have no shell.
 */
export function inOrder(argv: readonly string[]): string[] {
  if (argv.length === 3 && argv[0] === 'sh' && argv[1] === '-c') return ['sh', '-c', `exec 2>&1\n${argv[2]}`];
  return [...argv];
}
