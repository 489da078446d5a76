/**
 * Real temporary workspaces for integration tests: a git repository holding a specs.yml and
 * images/, committed with fixed dates, and helpers to edit, commit and run the CLI in it.
 * Every workspace gets its own registry namespace, so tests never see each other's tags.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** The repository root (this checkout). */
export const REPO_ROOT = path.resolve(__dirname, '../../../..');
/** The built CLI. */
export const CLI = path.join(REPO_ROOT, 'tools/imagestack/bin/imagestack.js');

let clock = 1_700_000_000;

/** A temporary git workspace. */
export class Workspace {
  readonly dir: string;
  readonly namespace: string;

  /**
   * @param prefix temp folder prefix of a new repository
   * @param clone with `from`: a `git clone` of that workspace, sharing its registry namespace
   */
  constructor(prefix = 'imagestack-it-', clone?: { from: Workspace }) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    if (clone) {
      this.namespace = clone.from.namespace;
      execFileSync('git', ['clone', '-q', clone.from.dir, this.dir]);
      return;
    }
    this.namespace = `it-${randomBytes(4).toString('hex')}`;
    this.git('init', '-q', '-b', 'main');
    this.git('config', 'user.name', 'imagestack test');
    this.git('config', 'user.email', 'test@imagestack.invalid');
  }

  /** Runs git in the workspace; returns stdout trimmed. */
  git(...args: string[]): string {
    const date = `@${clock} +0000`;
    return execFileSync('git', args, {
      cwd: this.dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    }).trim();
  }

  /** Writes a file (creating folders). */
  write(rel: string, content: string): this {
    const file = path.join(this.dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    return this;
  }

  read(rel: string): string {
    return readFileSync(path.join(this.dir, rel), 'utf8');
  }

  remove(rel: string): this {
    rmSync(path.join(this.dir, rel), { recursive: true, force: true });
    return this;
  }

  /** Copies a folder or file from the repository into the workspace. */
  copyFromRepo(rel: string, to = rel): this {
    cpSync(path.join(REPO_ROOT, rel), path.join(this.dir, to), { recursive: true });
    return this;
  }

  /** Commits everything; returns the full sha. */
  commit(message: string): string {
    clock += 60;
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD');
  }

  /** Runs the CLI; resolves with exit code and output (never rejects on a non-zero exit). */
  cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd: this.dir,
        env: { ...process.env, IMAGESTACK_NAMESPACE: this.namespace, ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  }

  /** `plan --json` parsed. */
  async plan(args: string[] = []): Promise<PlanJson> {
    const r = await this.cli(['plan', '--json', ...args]);
    if (r.code !== 0) throw new Error(`plan failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as PlanJson;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The `plan --json` shape. */
export interface PlanJson {
  head: string;
  dirty: boolean;
  images: Array<{
    image: string;
    version: string;
    repository: string;
    tag: string;
    reference: string;
    sourceCommit: string;
    /** Build context, relative to the workspace root. */
    context: string;
    /** Dockerfile, relative to the workspace root. */
    dockerfile: string;
    parents: string[];
    wave: number;
    action: 'build' | 'skip';
    reason: string;
  }>;
}

/**
 * A tiny stack that builds in seconds (no package installs): base → mid → leaf, base → side,
 * and `multi`, a multi-stage image with a stage FROM mid (copied from with COPY --from) and a
 * final stage FROM side. Two versions; `multi` skips 2026.1.
 */
export function writeTinyStack(ws: Workspace, registry: string): Workspace {
  ws.write(
    'specs.yml',
    `# tiny test stack
registry: ${registry}
namespace: placeholder
versions:
  "2026.1":
    args: { GREETING: hello }
  "2026.2":
    args: { GREETING: bonjour }
images:
  base:
    args: { FLAVOUR: plain }
  mid: {}
  leaf: {}
  side: {}
  multi:
    skip: ["2026.1"]
`,
  );
  ws.write('images/base/Dockerfile', 'FROM debian:bookworm-slim\nARG GREETING\nRUN echo "base $GREETING" > /base.txt\n');
  ws.write('images/base/.dockerignore', 'ignored.txt\n');
  ws.write('images/base/ignored.txt', 'not in the build context\n');
  ws.write(
    'images/mid/Dockerfile',
    'ARG REGISTRY\nARG BASE_TAG\nFROM ${REGISTRY}/base:${BASE_TAG}\nCOPY mid.txt /mid.txt\n',
  );
  ws.write('images/mid/mid.txt', 'mid v1\n');
  ws.write(
    'images/leaf/Dockerfile',
    'ARG REGISTRY\nARG MID_TAG\nFROM ${REGISTRY}/mid:${MID_TAG}\nRUN cat /base.txt /mid.txt > /leaf.txt\n',
  );
  ws.write(
    'images/side/Dockerfile',
    'ARG REGISTRY\nARG BASE_TAG\nFROM ${REGISTRY}/base:${BASE_TAG}\nRUN echo side > /side.txt\n',
  );
  ws.write(
    'images/multi/Dockerfile',
    [
      'ARG REGISTRY',
      'ARG MID_TAG',
      'ARG SIDE_TAG',
      'FROM ${REGISTRY}/mid:${MID_TAG} AS source',
      'RUN echo built > /built.txt',
      'FROM ${REGISTRY}/side:${SIDE_TAG}',
      'COPY --from=source /built.txt /built.txt',
      'COPY --from=source /mid.txt /copied-mid.txt',
      '',
    ].join('\n'),
  );
  return ws;
}

/**
 * A copy of a fixture stack of `tools/imagestack/test/fixtures/stacks/<name>/` in a new
 * workspace, its `registry:` line set to `registry`, committed.
 */
export function fixtureWorkspace(name: string, registry: string, prefix = `imagestack-${name}-`): Workspace {
  const ws = new Workspace(prefix);
  ws.copyFromRepo(`tools/imagestack/test/fixtures/stacks/${name}`, '.');
  ws.write('specs.yml', ws.read('specs.yml').replace(/^registry: .*$/m, `registry: ${registry}`));
  ws.commit(`${name} fixture`);
  return ws;
}
