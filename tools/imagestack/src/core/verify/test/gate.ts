/**
 * The `test` gate: runs an image's test suites (its own and the ones it inherits, see
 * suites.ts), each in a fresh, limited container (run-suite.ts), as a non-root user
 * (user.ts), or on the host for a `test.host` suite (run-host.ts). Every suite runs even after one failed, so the report is complete; the gate
 * fails with a {@link GateFailure} naming the first failed suite.
 */
import { formatBytes } from './limits';
import { GateFailure, type Gate, type GateContext, type GateItem, type GateReport } from '../../pipeline/types';
import { runHostSuite } from './run-host';
import { runTestSuite, type SuiteOutcome } from './run-suite';
import { testSuites, type FolderExists, type TestSuite } from './suites';
import { detectTestUser, type TestUser } from './user';

/** Options of {@link createTestGate}. */
export interface TestGateOptions {
  /** Tells whether a test folder exists (default: the file system). For tests. */
  folderExists?: FolderExists;
}

/** Labels of every test container, on top of the image's own and `io.imagestack.run=1`. */
export const TEST_CONTAINER_LABELS = { 'io.imagestack.gate': 'test' } as const;

/**
 * Creates the `test` gate.
 *
 * Its `run(ctx)` resolves with a report holding one item per suite (`name`: `python`,
 * `python (host)`, `base (inherited)` or `base (host, inherited)`; `found`: `exit 0`, `exit 3`, `exit 137 (out of memory)`, `timed out
 * after 60 s`; `durationMs`), or with summary `no tests` when the image has none.
 *
 * `run(ctx)` throws:
 * - {@link GateFailure} when a suite exits non-zero or times out: message
 *   `tests of <image>@<version> failed: …` naming the suite, the exit code or the timeout;
 *   `logTail` = the last 30 lines of that suite's combined output;
 * - InputError when a test folder of the image or an ancestor is missing (the `test:`
 *   settings themselves are validated when specs.yml is loaded, see specs/sections.ts);
 * - EngineError when the engine fails, or when `ctx.signal` aborts (message ends in
 *   "cancelled"); every container started is killed and removed first (for a host test:
 *   its process group is stopped and the containers it made from the image are removed).
 */
export function createTestGate(options: TestGateOptions = {}): Gate {
  return {
    step: 'test',
    run: (ctx) => runTestGate(ctx, options),
  };
}

/** What a failed suite is called in messages: `its own suite`, `the suite inherited from base`. */
function describeSuite(suite: TestSuite): string {
  const kind = suite.host ? 'host test' : 'suite';
  return suite.inherited ? `the ${kind} inherited from ${suite.owner}` : `its own ${kind}`;
}

/** What happened, for messages: `exited with code 3`, `timed out after 60 s`. */
function describeOutcome(o: SuiteOutcome): string {
  if (o.timedOut) return `${o.found} and was killed`;
  return `exited with code ${o.exitCode}${o.oomKilled ? ' (killed: out of memory)' : ''}`;
}

async function runTestGate(ctx: GateContext, options: TestGateOptions): Promise<GateReport> {
  const { entry } = ctx;
  const key = `${entry.image}@${entry.version}`;
  const suites = testSuites(ctx.stack, entry.image, options.folderExists);
  if (suites.length === 0) {
    ctx.log(`test: ${key} has no tests`);
    return { ok: true, summary: 'no tests', items: [] };
  }

  let detected: Promise<TestUser> | undefined;
  const userFor = async (suite: TestSuite): Promise<TestUser> => {
    if (suite.settings.user !== undefined) return { user: suite.settings.user, why: `specs.yml images.${suite.owner}.test.user (or defaults.test.user)` };
    detected ??= detectTestUser(ctx.docker, ctx.imageId, { ...TEST_CONTAINER_LABELS });
    return detected;
  };

  let platform: Promise<string | undefined> | undefined;
  const items: GateItem[] = [];
  const failures: Array<{ suite: TestSuite; outcome: SuiteOutcome }> = [];
  for (const suite of suites) {
    const s = suite.settings;
    let outcome: SuiteOutcome;
    if (suite.host) {
      platform ??= imagePlatform(ctx);
      const published = { platform: await platform, ...(ctx.publishedTag ? { tag: ctx.publishedTag } : {}) };
      ctx.log(`test ${suite.name}: ${s.host} on the host, in ${ctx.stack.specs.root}; timeout ${s.timeoutSeconds} s; IMAGESTACK_IMAGE=${entry.reference}${published.platform ? ` IMAGESTACK_PLATFORM=${published.platform}` : ''}${ctx.dockerHost ? `, DOCKER_HOST=${ctx.dockerHost}` : ''}`);
      outcome = await runHostSuite({ docker: ctx.docker, entry, imageId: ctx.imageId, suite, cwd: ctx.stack.specs.root, log: ctx.log, signal: ctx.signal, published, ...(ctx.dockerHost ? { dockerHost: ctx.dockerHost } : {}) });
    } else {
      outcome = await runInImage(ctx, suite, userFor);
    }
    ctx.log(`test ${suite.name}: ${outcome.ok ? 'passed' : 'FAILED'}, ${outcome.found} (${(outcome.durationMs / 1000).toFixed(1)} s)`);
    items.push({ name: suite.name, ok: outcome.ok, found: outcome.found, durationMs: outcome.durationMs });
    if (!outcome.ok) failures.push({ suite, outcome });
  }
  return verdict(key, suites.length, items, failures);
}

/**
 * The platform of the image under test, `os/architecture[/variant]`, as its config says (Engine
 * API "ImageInspect"); `ctx.platform` when the engine does not say it (else undefined).
 */
async function imagePlatform(ctx: GateContext): Promise<string | undefined> {
  const info = await ctx.docker.getImage(ctx.imageId).inspect();
  if (!info.Os || !info.Architecture) return ctx.platform;
  return [info.Os, info.Architecture, ...(info.Variant ? [info.Variant] : [])].join('/');
}

/** Runs one in-image suite, logging how (user, limits, network) first. */
async function runInImage(ctx: GateContext, suite: TestSuite, userFor: (suite: TestSuite) => Promise<TestUser>): Promise<SuiteOutcome> {
  const { user, why } = await userFor(suite);
  const s = suite.settings;
  ctx.log(
    `test ${suite.name}: ${typeof s.command === 'string' ? s.command : JSON.stringify(suite.argv)} as ${user} (${why}); timeout ${s.timeoutSeconds} s, ` +
      `memory ${formatBytes(s.limits.memoryBytes)} (no swap), pids ${s.limits.pids}, cpus ${s.limits.cpus}, network ${s.network ? 'default' : 'none'}`,
  );
  return runTestSuite({
    docker: ctx.docker,
    imageId: ctx.imageId,
    suite,
    user,
    labels: { ...TEST_CONTAINER_LABELS, 'io.imagestack.suite': suite.owner },
    log: ctx.log,
    signal: ctx.signal,
  });
}

/** The gate's report, or a {@link GateFailure} naming the first failed suite (with its last lines). */
function verdict(key: string, n: number, items: GateItem[], failures: Array<{ suite: TestSuite; outcome: SuiteOutcome }>): GateReport {
  if (failures.length === 0) {
    return { ok: true, summary: `${n} test suite${n === 1 ? '' : 's'} passed`, items };
  }
  const [first, ...more] = failures;
  const summary =
    n === 1
      ? `test ${first.outcome.found}`
      : `${failures.length} of ${n} test suites failed: ${failures.map((f) => `${f.suite.name} ${f.outcome.found}`).join(', ')}`;
  const also = more.length ? `; also failed: ${more.map((f) => `${describeSuite(f.suite)} (${f.outcome.found})`).join(', ')}` : '';
  throw new GateFailure(
    `tests of ${key} failed: ${describeSuite(first.suite)} ${describeOutcome(first.outcome)}${also}`,
    { ok: false, summary, items },
    first.outcome.tail,
  );
}
