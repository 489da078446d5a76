/**
 * Runs one host-side test suite (`test.host`): a shell command on the host, in the
 * workspace root, that drives the image under test from outside (starts it as a container,
 * talks to it, checks its user), the way stacks test images with pytest on the host.
 *
 * 1. lists the containers already made from the image (engine filter `ancestor=<image ID>`);
 * 2. runs `sh -c <command>` (stderr into stdout, so the output keeps its order) in its own
 *    process group, with the image's reference in the environment (see {@link hostTestEnv});
 * 3. races its exit against the wall-clock timeout and the abort signal; on either, the whole
 *    process group gets SIGTERM, then SIGKILL 2 s later; after an exit, whatever the command
 *    left running in its group gets SIGKILL;
 * 4. always removes every container made from the image since step 1 that is not one of
 *    imagestack's own (label `io.imagestack.run`): DESIGN.md promise 7, whatever happened.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { EngineError } from '../../errors';
import type { PlanEntry } from '../../plan/types';
import type { ContainerEngine } from '../../ports';
import { TAIL_LINES } from '../../engine/log';
import { inOrder, lineSplitter, type SuiteOutcome } from './run-suite';
import type { TestSuite } from './suites';
import { RUN_LABEL } from './user';

/** What {@link runHostSuite} needs. */
export interface RunHostOptions {
  docker: ContainerEngine;
  /** The plan entry of the image under test (reference, tag, version, image name). */
  entry: PlanEntry;
  /** Local image ID of the image under test (`sha256:…`). */
  imageId: string;
  /** A suite with `host: true` (suites.ts). */
  suite: TestSuite;
  /** The working directory: the workspace root, absolute. */
  cwd: string;
  /** Receives every line of combined output, as it comes. */
  log: (line: string) => void;
  /** Aborting stops the command (its process group) and removes its containers; the call then rejects. */
  signal?: AbortSignal;
  /** The image's platform and published tag, for {@link hostTestEnv} (`IMAGESTACK_PLATFORM`, `IMAGESTACK_TAG`). */
  published?: { platform?: string; tag?: string };
  /** DOCKER_HOST for the command, over this process's (the image is on another engine: `GateContext.dockerHost`). */
  dockerHost?: string;
}

/** How long to wait for the last output after the command exited, in ms. */
const DRAIN_MS = 2_000;
/** From SIGTERM to SIGKILL when the command is stopped, in ms. */
const KILL_GRACE_MS = 2_000;

/**
 * The variables a host-side test gets on top of imagestack's own environment (which holds
 * DOCKER_HOST when set):
 * - `IMAGESTACK_IMAGE`: a reference to the image under test tagged in the engine, which
 *   `docker run` runs as that image whatever its platform (not pushed yet: the push waits for
 *   the tests): `<registry>/<namespace>/<image>:<tag>`, or for a multi-platform image's platform
 *   other than its engine's, that platform's local tag `…:<tag>-linux-arm64` (`platforms/names.ts`);
 * - `IMAGESTACK_IMAGE_ID`: the local image ID, `sha256:…` (there is no registry digest before the push);
 * - `IMAGESTACK_PLATFORM`: the image's platform, `os/architecture[/variant]`, from its config
 *   (`linux/arm64`); absent only when the engine does not say it;
 * - `IMAGESTACK_TAG`: the tag the image is published under (`2026.1-abc1234`; for a
 *   multi-platform image, the index's tag, the same for every platform: `published.tag`);
 * - `IMAGESTACK_VERSION`, `IMAGESTACK_IMAGE_NAME`: the version and the image's name in specs.yml.
 *
 * @param published `platform`: the image's platform; `tag`: the published tag when `entry.tag`
 *   is a platform's local tag (`GateContext.publishedTag`)
 */
export function hostTestEnv(entry: PlanEntry, imageId: string, published: { platform?: string; tag?: string } = {}): Record<string, string> {
  return {
    IMAGESTACK_IMAGE: entry.reference,
    IMAGESTACK_IMAGE_ID: imageId,
    ...(published.platform ? { IMAGESTACK_PLATFORM: published.platform } : {}),
    IMAGESTACK_TAG: published.tag ?? entry.tag,
    IMAGESTACK_VERSION: entry.version,
    IMAGESTACK_IMAGE_NAME: entry.image,
  };
}

/**
 * Runs the host suite and removes the containers it made from the image, on every path.
 *
 * @returns the outcome (a non-zero exit, a failure to start `sh` or a timeout is an outcome, not an error)
 * @throws EngineError when `signal` aborts (message ends in "cancelled"), after the command
 *   was stopped and its containers removed; or when the engine cannot list containers
 */
export async function runHostSuite(opts: RunHostOptions): Promise<SuiteOutcome> {
  const { suite, signal } = opts;
  const what = `host test ${suite.name}`;
  if (signal?.aborted) throw new EngineError(`${what} cancelled`);
  const tail: string[] = [];
  const emit = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    opts.log(line);
  };
  const before = await containersOf(opts);

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const t0 = performance.now();
  try {
    const [sh, ...args] = inOrder(suite.argv);
    const child = spawn(sh, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...(opts.dockerHost ? { DOCKER_HOST: opts.dockerHost } : {}), ...hostTestEnv(opts.entry, opts.imageId, opts.published) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a timeout stops everything it started
    });
    const out = lineSplitter(emit);
    child.stdout.on('data', (c: Buffer) => out.write(c));
    child.stderr.on('data', (c: Buffer) => out.write(c));
    const drained = new Promise<void>((resolve) => child.stdout.on('close', resolve));
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // the group is gone already
      }
    };

    type Stop = { kind: 'exit'; code: number } | { kind: 'timeout' } | { kind: 'abort' } | { kind: 'error'; message: string };
    const stop = await new Promise<Stop>((resolve) => {
      child.on('error', (e) => resolve({ kind: 'error', message: e.message }));
      child.on('exit', (code, sig) => resolve({ kind: 'exit', code: code ?? 128 + signalNumber(sig) }));
      timer = setTimeout(() => resolve({ kind: 'timeout' }), suite.settings.timeoutSeconds * 1000);
      onAbort = () => resolve({ kind: 'abort' });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    const durationMs = Math.round(performance.now() - t0);
    clearTimeout(timer);
    if (stop.kind === 'timeout' || stop.kind === 'abort') {
      killGroup('SIGTERM');
      await Promise.race([drained, new Promise((r) => setTimeout(r, KILL_GRACE_MS))]);
    }
    await Promise.race([drained, new Promise((r) => setTimeout(r, stop.kind === 'exit' ? DRAIN_MS : 200))]);
    killGroup('SIGKILL'); // whatever it left running in the background
    out.flush();
    child.stdout.destroy();
    child.stderr.destroy();

    if (stop.kind === 'abort') throw new EngineError(`${what} cancelled`, [...tail]);
    if (stop.kind === 'timeout') {
      return { ok: false, timedOut: true, oomKilled: false, found: `timed out after ${suite.settings.timeoutSeconds} s`, durationMs, tail };
    }
    if (stop.kind === 'error') {
      emit(`could not start sh: ${stop.message}`);
      return { ok: false, exitCode: 127, timedOut: false, oomKilled: false, found: 'exit 127 (could not start sh)', durationMs, tail };
    }
    return { ok: stop.code === 0, exitCode: stop.code, timedOut: false, oomKilled: false, found: `exit ${stop.code}`, durationMs, tail };
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    await removeNewContainers(opts, before);
  }
}

/** IDs of the containers made from the image (or an image built on it), running or not. */
async function containersOf(opts: RunHostOptions): Promise<Set<string>> {
  try {
    const list = await opts.docker.listContainers({ all: true, filters: { ancestor: [opts.imageId] } });
    return new Set(list.map((c) => c.Id));
  } catch (err) {
    throw new EngineError(`host test ${opts.suite.name}: the engine could not list containers: ${(err as Error).message}`);
  }
}

/** Promise 7: removes the containers made from the image since `before` that imagestack did not start itself. */
async function removeNewContainers(opts: RunHostOptions, before: Set<string>): Promise<void> {
  let list: Array<{ Id: string; Labels?: Record<string, string> }>;
  try {
    list = await opts.docker.listContainers({ all: true, filters: { ancestor: [opts.imageId] } });
  } catch (err) {
    opts.log(`warning: could not list the containers the host test left: ${(err as Error).message}`);
    return;
  }
  const left = list.filter((c) => !before.has(c.Id) && c.Labels?.[RUN_LABEL] === undefined);
  for (const c of left) {
    await opts.docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch((e: Error) => {
        if (!/no such container|is already in progress/i.test(e.message)) opts.log(`warning: could not remove container ${c.Id.slice(0, 12)}: ${e.message}`);
      });
  }
  if (left.length) opts.log(`removed ${left.length} container${left.length === 1 ? '' : 's'} the host test left: ${left.map((c) => c.Id.slice(0, 12)).join(', ')}`);
}

/** The number of a signal (`SIGKILL` → 9), as shells report `128 + n`; 0 when unknown. */
function signalNumber(sig: NodeJS.Signals | null): number {
  return sig ? (constants.signals[sig] ?? 0) : 0;
}
