/**
 * The I/O shell around the graph: reads every image's Dockerfile, analyses it once per
 * version it is built for, checks the whole stack and returns the validated {@link Stack}.
 * All problems of all images are collected and thrown together as one {@link InputError},
 * so nothing is built while any exists (DESIGN.md promise 6).
 *
 * Over 300 lines (370) with a reason: the stack-wide checks that need every image's analysis
 * at once (the edges per version, parent conventions, variants' contexts, platforms' subset
 * rule) share one pass over the images and one list of problems; split, each would re-read
 * the Dockerfiles. Next to move out: the per-version analysis loop, into its own module.
 */
import { promises as fs, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { InputError, type Problem } from '../errors';
import type { BuildArgs, ImageSpec, Specs, VersionSpec } from '../specs/types';
import { analyzeDockerfile, stackRepositoryPrefix, TAG_PLACEHOLDER, type DockerfileAnalysis } from '../dockerfile/analyze';
import { parseDockerfile, type BuildkitFeature, type ParsedDockerfile } from '../dockerfile/parse';
import { DependencyGraph, type Cycle } from './graph';
import { platformProblems } from '../platform/rules';
import { specsPathLocator } from '../specs/positions';
import { REGISTRY_ARG, stackArgs, tagArgName, type ExternalBase, type ParentRef, type Stack, type StackImage } from './types';

export { TAG_PLACEHOLDER };

/**
 * The build args a Dockerfile is resolved with for one version (or, with no version, for
 * an image built for none): every stack image's tag arg ({@link TAG_PLACEHOLDER}), then the
 * version's `args`, the image's `args` and its `versionArgs[version]` (later ones win), then
 * the stack's own args ({@link stackArgs}: `REGISTRY`, and the `references.args`).
 */
export function resolutionArgs(specs: Specs, spec: ImageSpec, version?: VersionSpec): BuildArgs {
  const tags: BuildArgs = {};
  for (const name of tagArgNames(specs)) tags[name] = TAG_PLACEHOLDER;
  return {
    ...tags,
    ...(version?.args ?? {}),
    ...spec.args,
    ...(version ? (spec.versionArgs[version.name] ?? {}) : {}),
    ...stackArgs(specs),
  };
}

/**
 * {@link resolutionArgs} limited to the names in `only` (e.g. the identifiers a Dockerfile
 * mentions, see {@link mentionedNames}), as `[name, value]` in the order of `only`: the
 * resolver looks up no other name, so it resolves the same way, and the cost is O(|only|)
 * per call instead of O(images) (O(images²) per stack).
 */
function resolutionArgsFor(specs: Specs, spec: ImageSpec, version: VersionSpec | undefined, only: ReadonlySet<string>): Array<[string, string]> {
  const layers = [version ? spec.versionArgs[version.name] : undefined, spec.args, version?.args].filter((l): l is BuildArgs => l !== undefined);
  const tags = tagArgNames(specs);
  const own = stackArgs(specs);
  const out: Array<[string, string]> = [];
  for (const name of only) {
    if (Object.prototype.hasOwnProperty.call(own, name)) {
      out.push([name, own[name]]);
      continue;
    }
    const layer = layers.find((l) => Object.prototype.hasOwnProperty.call(l, name));
    if (layer) out.push([name, layer[name]]);
    else if (tags.has(name)) out.push([name, TAG_PLACEHOLDER]);
  }
  return out;
}

const tagArgNamesMemo = new WeakMap<Specs, ReadonlySet<string>>();

/** The tag arg names of every image of the stack, in specs.yml order (memoized per specs). */
function tagArgNames(specs: Specs): ReadonlySet<string> {
  let names = tagArgNamesMemo.get(specs);
  if (!names) {
    names = new Set(specs.images.map((i) => tagArgName(i.name)));
    tagArgNamesMemo.set(specs, names);
  }
  return names;
}

/**
 * Every identifier (`[A-Za-z_][A-Za-z0-9_]*`) in the texts a Dockerfile is resolved from:
 * global ARG names and defaults, and the image texts of `FROM` / `COPY --from=`. The
 * resolver looks up no other variable, so build args limited to these names resolve the
 * same way.
 */
export function mentionedNames(parsed: ParsedDockerfile): Set<string> {
  const names = new Set<string>();
  const scan = (text: string | undefined) => {
    if (text) for (const m of text.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) names.add(m[0]);
  };
  for (const a of parsed.globalArgs) {
    names.add(a.name);
    scan(a.rawDefault);
  }
  for (const t of parsed.imageTexts) scan(t.raw);
  return names;
}

/** What reading one image gave: its analysis, or nothing when its Dockerfile could not be read. */
interface ImageReading {
  spec: ImageSpec;
  /** Workspace-relative Dockerfile path, `/`-separated. */
  dockerfile: string;
  analysis?: DockerfileAnalysis;
  /** The Dockerfile's uses of BuildKit features, checked by the plan against the builder in use. */
  buildkitFeatures?: BuildkitFeature[];
  /** Parents named per version built (version name, or '' when there are no versions). */
  parentsByVersion: Map<string, string[]>;
  problems: Problem[];
}

/**
 * Reads the stack described by validated specs.
 *
 * For each image (specs.yml order): checks that `images/<name>/` and its Dockerfile
 * exist, then analyses the Dockerfile (see `analyzeDockerfile`) once per version the image
 * does not skip, with {@link resolutionArgs}; parents, external bases and problems are the
 * union over versions, `finalBase` is the first version's. Then checks that no image is
 * built for a version its parent skips, nor for a platform its parent is not built for
 * (core/platform/rules.ts), and that the graph has no cycle (one problem per
 * cycle, found by a depth-first walk in specs.yml order, listing every edge's
 * `Dockerfile:line`).
 *
 * @returns the stack, with `order`, `waves`, `ancestors` and `descendants` computed
 * @throws InputError with every problem found (files relative to `specs.root`), when any
 */
export async function readStack(specs: Specs): Promise<Stack> {
  const specsFile = toPosix(path.relative(specs.root, specs.file));
  // The text the loader parsed, when it kept it (not read a second time).
  const specsLines = (specs.text ?? (await fs.readFile(specs.file, 'utf8').catch(() => ''))).split(/\r?\n/);
  const specsAt = (spec: ImageSpec) => {
    const column = (specsLines[spec.line - 1] ?? '').indexOf(spec.name);
    return { file: specsFile, line: spec.line, ...(column >= 0 ? { column: column + 1 } : {}) };
  };

  const imageNames = specs.images.map((s) => s.name);
  const stackPrefix = stackRepositoryPrefix(specs.registry, specs.namespace);
  const rootSep = specs.root.endsWith(path.sep) ? specs.root : `${specs.root}${path.sep}`;
  const readings = specs.images.map((spec) => readImage(specs, spec, specsAt(spec), imageNames, stackPrefix, rootSep));
  const byName = new Map(readings.map((r) => [r.spec.name, r]));
  const problems: Problem[] = [];
  const specsPath = specsPathLocator(specs.text ?? (() => readFileSync(specs.file, 'utf8')), specsFile);
  for (const r of readings) {
    problems.push(...r.problems, ...versionProblems(r, byName, specsAt(r.spec)));
    problems.push(...platformProblems(r.spec, r.parentsByVersion, (name) => byName.get(name)?.spec, specsPath));
  }

  const graph = new DependencyGraph(
    specs.images.map((s) => s.name),
    new Map(readings.map((r) => [r.spec.name, (r.analysis?.parents ?? []).map((p) => p.image)])),
  );
  for (const cycle of graph.findCycles()) problems.push(cycleProblem(cycle, byName));
  if (problems.length > 0) throw new InputError(problems);

  const images = new Map<string, StackImage>();
  for (const r of readings) {
    const a = r.analysis!;
    images.set(r.spec.name, {
      name: r.spec.name,
      spec: r.spec,
      dockerfile: r.dockerfile,
      parents: a.parents,
      externalBases: a.externalBases,
      finalBase: a.finalBase!,
      ...(r.buildkitFeatures?.length ? { buildkitFeatures: r.buildkitFeatures } : {}),
    });
  }
  return {
    specs,
    images,
    order: graph.topologicalOrder(),
    waves: graph.waves(),
    ancestors: (name) => graph.ancestors(name),
    descendants: (name) => graph.descendants(name),
  };
}

function readImage(
  specs: Specs,
  spec: ImageSpec,
  at: Omit<Problem, 'message' | 'fix'>,
  imageNames: readonly string[],
  stackPrefix: string,
  rootSep: string,
): ImageReading {
  // Paths made of plain names (no `.`, `..`, empty or absolute parts) are joined by hand: the
  // same strings as path.join and path.relative give (~20 ms per 1,000 images, cold).
  const plain = path.sep === '/' && isPlainPath(spec.context) && isPlainPath(spec.dockerfile);
  const dockerfile = plain ? `${spec.context}/${spec.dockerfile}` : toPosix(path.relative(specs.root, path.join(specs.root, spec.context, spec.dockerfile)));
  const dockerfilePath = plain ? `${rootSep}${dockerfile}` : path.join(specs.root, spec.context, spec.dockerfile);
  const reading: ImageReading = { spec, dockerfile, parentsByVersion: new Map(), problems: [] };

  // Synchronous reads (cheaper than a thousand promise round trips). When the Dockerfile
  // reads (by a path with no ".."), the context folder exists: stat it only otherwise.
  let text: string | undefined;
  try {
    text = readFileSync(dockerfilePath, 'utf8');
  } catch {
    text = undefined;
  }
  if (text === undefined || (!plain && spec.dockerfile.split(/[\\/]/).includes('..'))) {
    const contextDir = path.join(specs.root, spec.context);
    const context = toPosix(spec.context);
    let isDir: boolean;
    try {
      isDir = statSync(contextDir).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) {
      reading.problems.push({
        ...at,
        message: `image "${spec.name}" has no context folder: ${context}/ does not exist`,
        fix: `create ${context}/ with a Dockerfile, or remove "${spec.name}" from specs.yml \`images:\``,
      });
      return reading;
    }
  }
  if (text === undefined) {
    reading.problems.push({
      ...at,
      message: `image "${spec.name}" has no Dockerfile: ${dockerfile} does not exist`,
      fix:
        `create ${dockerfile} (starting with \`FROM <base>\`)` +
        (spec.dockerfile === 'Dockerfile' ? '' : `, or correct \`dockerfile: ${spec.dockerfile}\` in specs.yml`),
    });
    return reading;
  }

  const parsed = parseDockerfile(text);
  const mentioned = mentionedNames(parsed);
  const builtFor = specs.versions.filter((v) => !spec.skip.includes(v.name));
  const runs: Array<VersionSpec | undefined> = builtFor.length > 0 ? builtFor : [undefined];
  const seen = new Set<string>();
  const parents: ParentRef[] = [];
  const externals: ExternalBase[] = [];
  let first: DockerfileAnalysis | undefined;
  // Versions whose args give the Dockerfile's variables the same values analyse the same.
  const byArgs = new Map<string, DockerfileAnalysis>();
  for (const version of runs) {
    const args = resolutionArgsFor(specs, spec, version, mentioned);
    const key = JSON.stringify(args);
    let a = byArgs.get(key);
    if (!a) {
      const provided = Object.fromEntries(args);
      a = analyzeDockerfile(parsed, {
        file: dockerfile,
        registry: specs.registry,
        namespace: specs.namespace,
        references: specs.references,
        images: imageNames,
        provided,
        stackPrefix,
        builder: null,
      });
      byArgs.set(key, a);
    }
    first ??= a;
    if (version) reading.parentsByVersion.set(version.name, a.parents.map((p) => p.image));
    for (const p of a.problems) {
      const key = `${p.line}:${p.column}:${p.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        reading.problems.push(p);
      }
    }
    for (const p of a.parents) {
      const known = parents.find((q) => q.image === p.image);
      if (!known) parents.push({ ...p, args: [...p.args], aliases: [...p.aliases] });
      else {
        for (const arg of p.args) if (!known.args.some((x) => x.name === arg.name)) known.args.push(arg);
        for (const alias of p.aliases) if (!known.aliases.includes(alias)) known.aliases.push(alias);
      }
      if (!first.parentAt.has(p.image)) first.parentAt.set(p.image, a.parentAt.get(p.image)!);
    }
    for (const e of a.externalBases) {
      if (!externals.some((x) => x.reference === e.reference && x.line === e.line)) externals.push(e);
    }
  }
  // Versions may name different images on different lines: keep Dockerfile order overall.
  parents.sort((x, y) => x.line - y.line);
  reading.problems.push(...argsSetProblems(specs, spec, parents, at, dockerfile));
  externals.sort((x, y) => x.line - y.line);
  reading.analysis = { ...first!, parents, externalBases: externals, problems: reading.problems };
  reading.buildkitFeatures = parsed.buildkitFeatures;
  return reading;
}

/**
 * A build arg set in specs.yml (`args:` of a version, of the image, or of the image at a
 * version) that the Dockerfile uses to name a parent (`FROM …:${BASE_TAG}`, `FROM $BASE_IMAGE`):
 * imagestack passes the parent's tag or reference there, so the value written would be ignored.
 */
function argsSetProblems(specs: Specs, spec: ImageSpec, parents: readonly ParentRef[], at: Omit<Problem, 'message' | 'fix'>, dockerfile: string): Problem[] {
  const layers: Array<[string, BuildArgs | undefined]> = [
    ['args', spec.args],
    ...Object.entries(spec.versionArgs).map(([v, a]): [string, BuildArgs] => [`versions."${v}".args`, a]),
    ...specs.versions.map((v): [string, BuildArgs] => [`top-level versions."${v.name}".args`, v.args]),
  ];
  const out: Problem[] = [];
  for (const p of parents) {
    for (const arg of p.args) {
      const where = layers.find(([, a]) => a && Object.prototype.hasOwnProperty.call(a, arg.name));
      if (!where) continue;
      out.push({
        ...at,
        message:
          `build arg ${arg.name} is set in specs.yml (${where[0]} of "${spec.name}"), but ${dockerfile} ` +
          `names its parent "${p.image}" with it, so imagestack passes the parent's ${arg.value} there`,
        fix: `remove ${arg.name} from ${where[0]} in specs.yml`,
      });
    }
  }
  return out;
}

/** An image built for a version its parent skips has no parent tag to build FROM. */
function versionProblems(r: ImageReading, byName: ReadonlyMap<string, ImageReading>, at: Omit<Problem, 'message' | 'fix'>): Problem[] {
  const missing = new Map<string, string[]>();
  for (const [version, parents] of r.parentsByVersion) {
    for (const parent of parents) {
      if (!byName.get(parent)?.spec.skip.includes(version)) continue;
      missing.set(parent, [...(missing.get(parent) ?? []), version]);
    }
  }
  return [...missing].map(([parent, versions]) => {
    const list = versions.join(', ');
    const plural = versions.length > 1 ? 's' : '';
    return {
      ...at,
      message:
        `image "${r.spec.name}" is built for version${plural} ${list}, but its parent "${parent}" skips ${list}, ` +
        `so there is no ${parent} tag to build it FROM`,
      fix: `add ${list} to the \`skip:\` of "${r.spec.name}" in specs.yml, or remove ${list} from the \`skip:\` of "${parent}"`,
    };
  });
}

/** One problem for a whole cycle, located at its first edge. */
function cycleProblem(cycle: Cycle, byName: ReadonlyMap<string, ImageReading>): Problem {
  const edges = cycle.slice(0, -1).map((child, i) => {
    const parent = cycle[i + 1];
    const r = byName.get(child)!;
    const at = r.analysis!.parentAt.get(parent)!;
    return { child, parent, file: r.dockerfile, ...at };
  });
  const first = edges[0];
  return {
    file: first.file,
    line: first.line,
    column: first.column,
    message:
      `cycle: ${cycle.join(' → ')} (` +
      edges.map((e) => `${e.file}:${e.line} uses ${e.parent}`).join('; ') +
      ')',
    fix:
      cycle.length === 2
        ? `an image cannot be built from itself: make ${first.file} use another base`
        : 'remove one of these references: a stack must be acyclic (move what the images share into a common parent)',
  };
}

/** A relative path of plain names: no empty, `.` or `..` part, no `\\`, not absolute. */
function isPlainPath(p: string): boolean {
  if (p === '' || p.includes('\\')) return false;
  for (const part of p.split('/')) if (part === '' || part === '.' || part === '..') return false;
  return true;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
