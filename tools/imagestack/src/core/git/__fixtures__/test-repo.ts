/**
 * Test helpers: real temporary git repositories with deterministic commits, and
 * hand-made {@link Stack} objects (the specs loader and graph reader are not used here).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import type { Stack, StackImage } from '../../graph/types';
import { toSpecsJson } from '../../specs/document';
import { withSections } from '../../specs/sections';
import type { ImageSpec, Specs } from '../../specs/types';

/** Base time of test commits (seconds since the epoch); each commit adds one minute. */
const EPOCH = 1_760_000_000;

/** Environment for git in tests: no user or system config, fixed identity. */
export function testGitEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
  };
}

/** Every temp folder made by {@link tempDir}, removed by {@link removeTempDirs}. */
const made: string[] = [];

/** A new empty folder under os.tmpdir(). */
export function tempDir(prefix = 'imagestack-git-'): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Removes every folder made by {@link tempDir} (call in afterAll). */
export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A real git repository in a temp folder, with deterministic commit dates. */
export class TestRepo {
  #tick = 0;
  constructor(readonly dir: string) {}

  /** `git init -b main` in a new temp folder. */
  static create(): TestRepo {
    const repo = new TestRepo(tempDir());
    repo.git('init', '-q', '-b', 'main');
    return repo;
  }

  /** Runs git in the repository; returns stdout without the trailing newline. */
  git(...args: string[]): string {
    const date = `${EPOCH + this.#tick * 60} +0000`;
    return execFileSync('git', args, {
      cwd: this.dir,
      env: { ...testGitEnv(), GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
      encoding: 'utf8',
    }).replace(/\n$/, '');
  }

  /** Writes files (path relative to the repository → content), creating folders. */
  write(files: Record<string, string>): this {
    for (const [rel, content] of Object.entries(files)) {
      const file = path.join(this.dir, rel);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
    return this;
  }

  /** Deletes files (paths relative to the repository). */
  remove(...rels: string[]): this {
    for (const rel of rels) unlinkSync(path.join(this.dir, rel));
    return this;
  }

  /** Writes `files` (if any), stages everything, commits; returns the new commit's full sha. */
  commit(message: string, files: Record<string, string> = {}): string {
    this.write(files);
    this.git('add', '-A');
    this.#tick++;
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.head();
  }

  /** Full sha of HEAD. */
  head(): string {
    return this.git('rev-parse', 'HEAD');
  }
}

/** A compact stack description for tests. */
export interface StackDef {
  /** Images in specs.yml order: name → parents, skipped versions, extra-input globs, args. */
  images: Record<
    string,
    { parents?: string[]; skip?: string[]; inputs?: string[]; args?: Record<string, string> }
  >;
  /** Version names (default `['2026.1', '2026.2']`). */
  versions?: string[];
  /** Stack-wide input globs. */
  inputs?: string[];
}

/** The specs.yml document (plain JSON) that {@link StackDef} stands for. */
export function specsDoc(def: StackDef): Record<string, unknown> {
  const versions = def.versions ?? ['2026.1', '2026.2'];
  const images: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(def.images)) {
    const entry: Record<string, unknown> = {};
    if (d.args) entry.args = d.args;
    if (d.skip) entry.skip = d.skip;
    if (d.inputs) entry.inputs = d.inputs;
    images[name] = entry;
  }
  return {
    registry: '127.0.0.1:5000',
    namespace: 'test',
    ...(def.inputs ? { inputs: def.inputs } : {}),
    versions: Object.fromEntries(versions.map((v) => [v, { args: { VERSION: v } }])),
    images,
  };
}

/** specs.yml text for {@link StackDef}. */
export function specsYaml(def: StackDef): string {
  return stringifyYaml(specsDoc(def));
}

/** Files of a workspace for {@link StackDef}: specs.yml and a Dockerfile per image. */
export function workspaceFiles(def: StackDef, prefix = ''): Record<string, string> {
  const files: Record<string, string> = { [`${prefix}specs.yml`]: specsYaml(def) };
  for (const [name, d] of Object.entries(def.images)) {
    const from = d.parents?.[0] ? `\${REGISTRY}/${d.parents[0]}:\${${d.parents[0].toUpperCase()}_TAG}` : 'debian:bookworm';
    files[`${prefix}images/${name}/Dockerfile`] = `FROM ${from}\nRUN echo ${name}\n`;
  }
  return files;
}

/**
 * A hand-made {@link Stack} for {@link StackDef}, rooted at `root` (the folder of
 * specs.yml). `ancestors`/`descendants` are computed from the parents map, topologically
 * ordered. `raw` is read from `specsText` when given (else from {@link specsYaml}) with the
 * loader's `toSpecsJson`.
 */
export function makeStack(root: string, def: StackDef, specsText?: string): Stack {
  const raw = toSpecsJson(specsText ?? specsYaml(def)) as Record<string, unknown>;
  const versionNames = def.versions ?? ['2026.1', '2026.2'];
  const names = Object.keys(def.images);
  const parentsOf = (n: string) => def.images[n].parents ?? [];

  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const p of parentsOf(n)) visit(p);
    order.push(n);
  };
  names.forEach(visit);
  const pos = new Map(order.map((n, i) => [n, i]));
  const byOrder = (a: string, b: string) => pos.get(a)! - pos.get(b)!;

  const ancestors = (n: string): string[] => {
    const out = new Set<string>();
    const walk = (x: string) => {
      for (const p of parentsOf(x)) if (!out.has(p)) (out.add(p), walk(p));
    };
    walk(n);
    return [...out].sort(byOrder);
  };
  const descendants = (n: string): string[] => order.filter((x) => ancestors(x).includes(n));

  const imageSpecs: ImageSpec[] = names.map((name, i) => {
    const d = def.images[name];
    return {
      name,
      context: `images/${name}`,
      dockerfile: 'Dockerfile',
      args: d.args ?? {},
      versionArgs: {},
      skip: d.skip ?? [],
      inputs: d.inputs ?? [],
      line: i + 1,
      raw: ((raw.images as Record<string, unknown>)?.[name] ?? {}) as Record<string, unknown>,
    };
  });
  // The typed sections (ImageSpec.manifest/.checks/.test, Specs.stamp/.audit) from `raw`, as parseSpecs sets them.
  const specs: Specs = withSections({
    file: path.join(root, 'specs.yml'),
    root,
    registry: '127.0.0.1:5000',
    namespace: 'test',
    inputs: def.inputs ?? [],
    versions: versionNames.map((name, i) => ({ name, args: { VERSION: name }, line: i + 1 })),
    images: imageSpecs,
    raw,
  });
  const images = new Map<string, StackImage>(
    imageSpecs.map((spec) => [
      spec.name,
      {
        name: spec.name,
        spec,
        dockerfile: `images/${spec.name}/Dockerfile`,
        parents: parentsOf(spec.name).map((image, j) => ({
          image,
          instruction: 'FROM' as const,
          line: j + 1,
          tagArg: `${image.toUpperCase()}_TAG`,
          args: [{ name: `${image.toUpperCase()}_TAG`, value: 'tag' as const }],
          aliases: [],
        })),
        externalBases: [],
        finalBase: parentsOf(spec.name)[0] ? { image: parentsOf(spec.name)[0] } : { reference: 'debian:bookworm', raw: 'debian:bookworm' },
      },
    ]),
  );
  const waves = new Map<string, number>();
  for (const n of order) waves.set(n, Math.max(-1, ...parentsOf(n).map((p) => waves.get(p)!)) + 1);
  return { specs, images, order, waves, ancestors, descendants };
}
