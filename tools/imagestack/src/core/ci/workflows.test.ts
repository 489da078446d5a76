/**
 * The repository's GitHub Actions workflows (`.github/workflows/*.yml`) and local actions
 * (`.github/actions/<name>/action.yml`), checked with `@actions/workflow-parser`, the parser
 * of GitHub's own Actions tooling (language server, VS Code extension): schema, expressions,
 * contexts allowed where they are used. Then the structure the README promises: the plan →
 * matrix → report chain, the matrix from the plan's output, the empty-matrix and fork
 * guards, least-privilege permissions, and promote/revert never running at once for a version.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/index';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeMatrix } from './matrix';

const ROOT = path.resolve(__dirname, '../../../../..');
const WORKFLOWS = path.join(ROOT, '.github/workflows');
const ACTIONS = path.join(ROOT, '.github/actions');

async function workflowErrors(name: string, content: string): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length || !parsed.value) return errors;
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  return (template.errors ?? []).map((e) => e.Message);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Yaml = any;
const load = (file: string): Yaml => parse(readFileSync(path.join(WORKFLOWS, file), 'utf8'));
const runs = (wf: Yaml): string[] => Object.values(wf.jobs as Record<string, Yaml>).flatMap((j) => (j.steps as Yaml[]).filter((s) => s.run).map((s) => s.run as string));
const stepRunning = (job: Yaml, text: string): Yaml => (job.steps as Yaml[]).find((s) => typeof s.run === 'string' && s.run.includes(text));

describe('GitHub workflows', () => {
  const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

  it('include ci, promote, revert and refresh (every workflow of the folder is validated below)', () => {
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'promote.yml', 'refresh.yml', 'revert.yml']));
  });

  it.each(files)('%s has no error for the Actions workflow parser', async (file) => {
    expect(await workflowErrors(file, readFileSync(path.join(WORKFLOWS, file), 'utf8'))).toEqual([]);
  });

  it.each(readdirSync(ACTIONS))('local action %s has no error for the Actions action parser', (name) => {
    const file = path.join(ACTIONS, name, 'action.yml');
    const parsed = parseAction({ name: `${name}/action.yml`, content: readFileSync(file, 'utf8') }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
  });

  it('the parser is not a rubber stamp: it rejects a bad expression, an unknown key and a job needing an unknown job', async () => {
    const base = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n';
    expect(await workflowErrors('ok.yml', base)).toEqual([]);
    expect((await workflowErrors('bad.yml', base.replace('    steps', '    if: ${{ fromJSON( }}\n    steps')))[0]).toMatch(/expression/i);
    expect((await workflowErrors('bad.yml', base.replace('runs-on', 'run-on')))[0]).toMatch(/run-on/);
    const needsUnknown = `${base}  b:\n    runs-on: ubuntu-latest\n    needs: nope\n    steps:\n      - run: echo\n`;
    expect((await workflowErrors('bad.yml', needsUnknown)).join()).toMatch(/nope/);
  });

  it("accepts imagestack's matrix JSON as strategy.matrix", async () => {
    const matrix = makeMatrix({
      head: 'h',
      dirty: false,
      mode: 'registry',
      images: [
        { image: 'base', version: '2026.1', repository: 'r/base', tag: '2026.1-abc', reference: 'r/base:2026.1-abc', sourceCommit: 'abc', dirty: false, parents: [], wave: 0, action: 'build', reason: '' },
        { image: 'mid', version: '2026.1', repository: 'r/mid', tag: '2026.1-abc', reference: 'r/mid:2026.1-abc', sourceCommit: 'abc', dirty: false, parents: ['base'], wave: 1, action: 'build', reason: '' },
      ],
    });
    const wf = `on: push\njobs:\n  build:\n    name: build \${{ matrix.name }}\n    runs-on: ubuntu-latest\n    strategy:\n      matrix: ${JSON.stringify(matrix)}\n    steps:\n      - run: echo "$IMAGE"\n        env:\n          IMAGE: \${{ matrix.image }}\n`;
    expect(await workflowErrors('matrix.yml', wf)).toEqual([]);
  });

  it("accepts the matrix JSON with platform and publish jobs, and runs-on from the entry's runner (issue 14)", async () => {
    const e = { repository: 'r/base', tag: '1-abc', reference: 'r/base:1-abc', sourceCommit: 'abc', dirty: false, wave: 0, action: 'build' as const, reason: '', bases: [] };
    const matrix = makeMatrix({
      head: 'h',
      dirty: false,
      mode: 'registry',
      images: [
        { ...e, image: 'base', version: '1', parents: [], platforms: ['linux/amd64', 'linux/arm64'] },
        { ...e, image: 'side', version: '1', parents: ['base'], wave: 1, platforms: ['linux/amd64'] },
      ],
    });
    expect(matrix.include.map((x) => x.kind ?? 'build')).toEqual(['platform', 'platform', 'publish', 'build']);
    const wf = `on: push\njobs:\n  build:\n    runs-on: \${{ matrix.runner || 'ubuntu-latest' }}\n    strategy:\n      matrix: ${JSON.stringify(matrix)}\n    steps:\n      - run: echo "$P"\n        env:\n          P: \${{ matrix.platform }}\n`;
    expect(await workflowErrors('matrix.yml', wf)).toEqual([]);
  });

  it('never splice expressions into run scripts (inputs and matrix values reach scripts as environment variables)', () => {
    for (const file of files) for (const script of runs(load(file))) expect(script, `${file}: ${script}`).not.toContain('${{');
  });

  it('use only local actions that exist', () => {
    for (const file of files) {
      for (const job of Object.values(load(file).jobs as Record<string, Yaml>)) {
        for (const s of job.steps as Yaml[]) {
          if (typeof s.uses === 'string' && s.uses.startsWith('./')) expect(existsSync(path.join(ROOT, s.uses, 'action.yml')), s.uses).toBe(true);
        }
      }
    }
  });
});

describe('ci.yml', () => {
  const wf = load('ci.yml');
  const { plan, build, 'build-fork': fork, report } = wf.jobs;

  it('plans and builds with one builder: every job that sets up imagestack passes the same one, and the setup action makes BuildKit available', () => {
    for (const job of [plan, build, fork]) {
      const setup = (job.steps as Yaml[]).find((s) => s.uses === './.github/actions/setup')!;
      expect((setup.with as Yaml).builder).toBe("${{ vars.IMAGESTACK_BUILDER || 'auto' }}");
    }
    const action = readFileSync(path.join(ROOT, '.github/actions/setup/action.yml'), 'utf8');
    expect(action).toContain('docker buildx version');
    expect(action).toContain('IMAGESTACK_BUILDER=$BUILDER');
  });

  it('runs on pull requests and pushes, with no permission by default and each job asking only for what it needs', () => {
    expect(Object.keys(wf.on).sort()).toEqual(['pull_request', 'push']);
    expect(wf.permissions).toEqual({});
    expect(plan.permissions).toEqual({ contents: 'read', packages: 'read' });
    expect(build.permissions).toEqual({ contents: 'read', packages: 'write' });
    expect(fork.permissions).toEqual({ contents: 'read', packages: 'read' });
    expect(report.permissions).toEqual({ contents: 'read' });
  });

  it('plans with full history and hands the matrix, its size, the commit and the push decision to the other jobs', () => {
    const checkout = plan.steps[0];
    expect(checkout.uses).toMatch(/^actions\/checkout@/);
    expect(checkout.with['fetch-depth']).toBe(0);
    const step = stepRunning(plan, 'imagestack matrix');
    expect(step.run).toContain('--github-output');
    expect(plan.outputs).toMatchObject({
      matrix: `\${{ steps.${step.id}.outputs.matrix }}`,
      count: `\${{ steps.${step.id}.outputs.count }}`,
      head: `\${{ steps.${step.id}.outputs.head }}`,
    });
  });

  it('pushes nothing from a fork: push is decided from the head repository, and the fork job builds with --no-push', () => {
    expect(plan.outputs.push).toContain('github.event.pull_request.head.repo.full_name == github.repository');
    expect(build.if).toContain("needs.plan.outputs.push == 'true'");
    expect(fork.if).toContain("needs.plan.outputs.push != 'true'");
    expect(stepRunning(fork, 'imagestack build').run).toContain('--no-push');
  });

  it('feeds the plan output to strategy.matrix, one job per entry, and skips the job when the matrix is empty', () => {
    expect(build.needs).toBe('plan');
    expect(build.strategy.matrix).toBe('${{ fromJSON(needs.plan.outputs.matrix) }}');
    expect(build.if).toContain("needs.plan.outputs.count != '0'");
    expect(fork.if).toContain("needs.plan.outputs.count != '0'");
    // A failure must not cancel siblings (promise 4): descendants stop on the failure marker instead.
    expect(build.strategy['fail-fast']).toBe(false);
    expect(build.strategy['max-parallel']).toBeGreaterThan(0);
  });

  it('each matrix job checks out the planned commit and builds its own image and version, waiting (bounded) for its parents', () => {
    expect(build.steps[0].with).toEqual({ ref: '${{ needs.plan.outputs.head }}', 'fetch-depth': 0 });
    const step = stepRunning(build, 'imagestack build');
    expect(step.run).toMatch(/--version "\$VERSION" --wait-for-parents \d+m --run-id "\$RUN_ID" "\$IMAGE"/);
    expect(step.env).toMatchObject({ IMAGE: '${{ matrix.image }}', VERSION: '${{ matrix.version }}', RUN_ID: '${{ github.run_id }}-${{ github.run_attempt }}' });
    expect(build['timeout-minutes']).toBeGreaterThan(90);
    const upload = build.steps.find((s: Yaml) => String(s.uses).startsWith('actions/upload-artifact@'));
    expect(upload.if).toBe('always()');
    // One artifact per job: today's name for an image's one job, with the platform or `-publish` after it for the jobs of a multi-platform image (issue 14).
    expect(upload.with.name).toBe('report-${{ matrix.image }}-${{ matrix.version }}${{ steps.job.outputs.suffix }}');
  });

  it('runs each platform job on its runner and passes --platform / --publish-index from the matrix entry (issue 14)', () => {
    expect(build['runs-on']).toBe("${{ matrix.runner || 'ubuntu-latest' }}");
    const step = stepRunning(build, 'imagestack build');
    expect(step.run).toContain('${PLATFORM:+--platform "$PLATFORM"} ${PUBLISH:+--publish-index}');
    expect(step.env).toMatchObject({ PLATFORM: '${{ matrix.platform }}', PUBLISH: "${{ matrix.kind == 'publish' && 'yes' || '' }}" });
    const matrix = stepRunning(plan, 'imagestack matrix');
    expect(matrix.run).toContain('--runner "linux/arm64=$RUNNER_ARM64"');
    expect(matrix.env).toMatchObject({ RUNNER_ARM64: '${{ vars.IMAGESTACK_RUNNER_ARM64 }}', RUNNER_AMD64: '${{ vars.IMAGESTACK_RUNNER_AMD64 }}' });
  });

  it.each([
    ['', '', ''],
    ['platform', 'linux/arm64', '-linux-arm64'],
    ['platform', 'linux/arm/v7', '-linux-arm-v7'],
    ['publish', '', '-publish'],
  ])('names the artifact of a job of kind %j, platform %j with the suffix %j (its script run by bash)', (kind, platform, suffix) => {
    const step = (build.steps as Yaml[]).find((s) => s.id === 'job')!;
    expect(step.if).toBe('always()');
    const dir = mkdtempSync(path.join(tmpdir(), 'imagestack-wf-'));
    const out = path.join(dir, 'output');
    execFileSync('bash', ['-e', '-c', step.run], { env: { PATH: process.env.PATH, KIND: kind, PLATFORM: platform, GITHUB_OUTPUT: out } });
    expect(readFileSync(out, 'utf8')).toBe(`suffix=${suffix}\n`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports every run into the job summary, after the build jobs, even when they failed', () => {
    expect(report.needs).toEqual(['plan', 'build', 'build-fork']);
    expect(report.if).toBe('always()');
    expect(stepRunning(report, 'imagestack report').run).toContain('--summary');
    const gate = stepRunning(report, '$BUILD');
    expect(gate.env).toMatchObject({ PLAN: '${{ needs.plan.result }}', BUILD: '${{ needs.build.result }}' });
  });
});

describe('promote.yml and revert.yml', () => {
  const promote = load('promote.yml');
  const revert = load('revert.yml');

  it('are started by hand with the inputs of the commands', () => {
    expect(Object.keys(promote.on)).toEqual(['workflow_dispatch']);
    expect(promote.on.workflow_dispatch.inputs.version.required).toBe(true);
    expect(Object.keys(promote.on.workflow_dispatch.inputs)).toEqual(['version', 'commit', 'tag', 'dry-run']);
    expect(promote.on.workflow_dispatch.inputs['dry-run'].type).toBe('boolean');
    expect(Object.keys(revert.on.workflow_dispatch.inputs)).toEqual(['version', 'to', 'dry-run']);
  });

  it('never run two changes to the same version at once: one concurrency group for both, never cancelling', () => {
    expect(promote.concurrency).toEqual({ group: 'imagestack-stable-${{ inputs.version }}', 'cancel-in-progress': false });
    expect(revert.concurrency).toEqual(promote.concurrency);
  });

  it('run the commands with the inputs passed as environment variables', () => {
    const p = stepRunning(promote.jobs.promote, 'imagestack promote');
    expect(p.run).toContain('--commit "$COMMIT"');
    expect(p.run).toContain('--tag "$TAG"');
    expect(p.run).toContain('--dry-run');
    expect(p.env).toMatchObject({ VERSION: '${{ inputs.version }}', DRY_RUN: '${{ inputs.dry-run }}' });
    const r = stepRunning(revert.jobs.revert, 'imagestack revert');
    expect(r.run).toContain('--to "$TO"');
    expect(promote.jobs.promote.steps[0].with['fetch-depth']).toBe(0);
    expect(promote.permissions).toEqual({ contents: 'read', packages: 'write' });
    expect(revert.permissions).toEqual(promote.permissions);
  });
});

describe('refresh.yml', () => {
  const wf = load('refresh.yml');
  const job = wf.jobs.refresh;

  it('runs on a schedule and by hand, with no permission by default and the job asking only for what it needs', () => {
    expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(wf.on.schedule[0].cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
    expect(wf.permissions).toEqual({});
    expect(job.permissions).toEqual({ contents: 'write', 'pull-requests': 'write', packages: 'read' });
    expect(wf.concurrency['cancel-in-progress']).toBe(false);
  });

  it('refreshes with full history, committing on its own branch (never the default one) and writing the report', () => {
    expect(job.steps[0].with['fetch-depth']).toBe(0);
    const step = stepRunning(job, 'imagestack refresh');
    expect(step.run).toContain('refresh --commit --branch "$BRANCH" --report "$RUNNER_TEMP/refresh.md"');
    expect(step.run).toContain('set -euo pipefail');
    expect(wf.env.BRANCH).toMatch(/^imagestack\//);
    expect(stepRunning(job, 'GITHUB_STEP_SUMMARY').if).toBe('always()');
  });

  it('opens (or updates) a pull request with the report as its body, only when refresh committed', () => {
    const pr = stepRunning(job, 'gh pr create');
    expect(pr.if).toBe("steps.refresh.outputs.committed == 'true'");
    expect(pr.run).toContain('--body-file "$RUNNER_TEMP/refresh.md"');
    expect(pr.run).toContain('gh pr edit');
    expect(pr.run).toContain('git push --force origin "HEAD:refs/heads/$BRANCH"');
    expect(pr.env.GH_TOKEN).toContain('secrets.GITHUB_TOKEN');
  });
});
