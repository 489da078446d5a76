/**
 * What each builder can build: one capability table per builder, and the problems that refuse
 * at plan time a Dockerfile feature the builder in use cannot do (DESIGN.md promise 6: bad
 * input is refused before anything is built). ./parse.ts and its fast path ./scan.ts find the
 * uses ({@link BuildkitFeature}); ./analyze.ts (with the legacy builder's table) or the plan
 * (with the table of the builder it detected, `core/engine/buildkit/detect.ts`) reports them.
 *
 * - The legacy builder (`classic`) fails on a heredoc (`unknown instruction` on its first
 *   line), on `COPY --link` (`Unknown flag: link`), `--chmod` and the `RUN` flags (they
 *   require BuildKit), and ignores the `# syntax=` and `# check=` directives.
 * - BuildKit (`buildkit`) builds with the Dockerfile frontend its engine embeds, unless a
 *   `# syntax=` directive names a frontend image to pull. Each feature needs a frontend
 *   version ({@link BUILDKIT_TABLE}: measured on Docker Engine 20.10, whose BuildKit has
 *   frontend 1.2 and refuses heredocs, `--link` and `RUN --network`; the later versions are
 *   the Dockerfile frontend's release notes, moby/buildkit `frontend/dockerfile/docs`).
 *   `RUN --mount=type=ssh` and `RUN --security` are refused by every builder: imagestack
 *   forwards no SSH agent and grants no entitlement.
 */
import type { Problem } from '../errors';
import type { BuildkitFeature } from './types';

/** The builders imagestack builds with. */
export type BuilderName = 'classic' | 'buildkit';

/**
 * The flags only BuildKit knows, by instruction, as their names are written (Docker
 * compares flag names case-sensitively).
 */
export const BUILDKIT_FLAGS: Readonly<Record<'RUN' | 'COPY' | 'ADD', ReadonlySet<string>>> = {
  RUN: new Set(['mount', 'network', 'security']),
  COPY: new Set(['link', 'chmod', 'parents', 'exclude']),
  ADD: new Set(['link', 'chmod', 'exclude']),
};

/**
 * Whether one word of a `RUN`/`COPY`/`ADD` opens a heredoc: `<<NAME`, `<<-NAME`, with an
 * optional file descriptor before and the name optionally quoted (BuildKit's
 * `parser.ParseHeredoc`: `^(\d*)<<(-?)([^<]*)$` with a non-empty name). `<<<` (a here
 * string) and `$((1<<2))` are not heredocs.
 */
export function isHeredoc(word: string): boolean {
  const m = /^\d*<<-?([^<]*)$/.exec(word);
  return m !== null && m[1].replace(/["']/g, '') !== '';
}

/** What the builder in use can build (one of the tables below, filled in for the engine found). */
export interface BuilderCapabilities {
  builder: BuilderName;
  /** Why this builder is the one in use (`builder: classic`, `no BuildKit client: …`), for the legacy builder's messages. */
  why?: string;
  /**
   * The builder as messages name it, with why it is the one in use, e.g. `the legacy builder
   * imagestack uses (builder: classic)` or `BuildKit of Docker Engine 20.10.24 (Dockerfile frontend 1.2)`.
   */
  description: string;
  /** BuildKit: the Dockerfile frontend version its engine embeds, `[major, minor]`. */
  frontend?: readonly [number, number];
  /**
   * BuildKit: the `# syntax=` frontend images that can be used (in the engine, or answered by
   * their registry), found before the check; any other is refused.
   */
  reachableFrontends?: ReadonlySet<string>;
  /** BuildKit: where the frontends of {@link reachableFrontends} were looked for, for the message. */
  frontendWhy?: string;
}

/** The legacy builder's capabilities (it builds none of the BuildKit features). */
export function classicCapabilities(why = 'builder: classic'): BuilderCapabilities {
  return { builder: 'classic', why, description: `the legacy builder (${why})` };
}

/** A feature's key in the tables: the heredoc, the flag's name, `--mount` by its type, or the directive. */
export function featureKey(f: BuildkitFeature): string {
  if (f.kind !== 'flag') return f.kind;
  if (f.text !== '--mount') return f.text;
  const type = (f.value ?? '').split(',').find((kv) => kv.trim().toLowerCase().startsWith('type='));
  return `--mount type=${type ? type.trim().slice(5).toLowerCase() : 'bind'}`;
}

/**
 * BuildKit's table: per feature, the Dockerfile frontend version that builds it, or `never`
 * with why imagestack refuses it with every frontend.
 */
export const BUILDKIT_TABLE: Readonly<Record<string, readonly [number, number] | { never: string }>> = {
  heredoc: [1, 4],
  '--link': [1, 4],
  '--chmod': [1, 2],
  '--network': [1, 4],
  '--parents': [1, 20],
  '--exclude': [1, 20],
  '--security': { never: 'it needs the labs frontend and the security.insecure entitlement, which imagestack does not grant' },
  '--mount type=bind': [1, 2],
  '--mount type=cache': [1, 2],
  '--mount type=tmpfs': [1, 2],
  '--mount type=secret': [1, 2],
  '--mount type=ssh': { never: 'imagestack forwards no SSH agent to builds' },
  check: [1, 8],
  syntax: [1, 0],
  // Variables in `--mount` options (`from=${REGISTRY}/x:${X_TAG}`) are expanded from frontend
  // 1.3 (moby/buildkit#2089); 1.2 takes `${REGISTRY}` literally and fails at build time
  // (measured on Engine 20.10: `failed to parse stage name "${SRC}"`).
  '--mount variables': [1, 3],
};

/** The embedded Dockerfile frontend of a Docker Engine major version (moby's vendored BuildKit). */
export function embeddedFrontend(engineVersion: string): readonly [number, number] {
  const major = Number(/^(\d+)/.exec(engineVersion)?.[1] ?? 0);
  const table: Array<[number, [number, number]]> = [
    [28, [1, 14]],
    [27, [1, 9]],
    [26, [1, 7]],
    [25, [1, 6]],
    [24, [1, 5]],
    [23, [1, 4]],
    [20, [1, 2]],
  ];
  return table.find(([m]) => major >= m)?.[1] ?? [1, 0];
}

const LEGACY_WHY = 'the legacy builder imagestack uses cannot do it';

const FIX: Record<string, string> = {
  'heredoc RUN': 'write the commands on the RUN line (joined with `&&`), or COPY a script from the build context and RUN it',
  'heredoc COPY': 'put the content in a file in the build context and COPY that file',
  '--link': 'remove `--link` (a plain COPY copies the same files)',
  '--chmod': 'remove `--chmod=…` and set the mode with a separate `RUN chmod <mode> <path>`',
  '--parents': 'remove `--parents` and COPY each folder to its place',
  '--exclude': 'remove `--exclude=…` and list the files to copy (or exclude them in .dockerignore)',
  '--mount': 'remove `--mount=…`: COPY what the command needs, and without a cache mount clean up in the same RUN',
  '--mount variables': 'name the parent in a stage (`FROM ${REGISTRY}/x:${X_TAG} AS x`) and write `from=x`, or write the option\'s value without variables',
  '--mount type=ssh': 'declare the credential under `secrets:` in specs.yml and read it with `RUN --mount=type=secret,id=<id>`',
  '--network': 'remove `--network=…` (the step then uses the build\'s network)',
  '--security': 'remove `--security=…` (the step then runs in the default sandbox)',
  syntax: 'remove the `# syntax=` line',
  check: 'remove the `# check=` line (run the checks with `docker build --check` on a newer engine)',
};

const fmt = (v: readonly [number, number]) => `${v[0]}.${v[1]}`;
const atLeast = (have: readonly [number, number], need: readonly [number, number]) => have[0] > need[0] || (have[0] === need[0] && have[1] >= need[1]);

/** What the feature is, as the first words of its problem. */
function what(f: BuildkitFeature): string {
  if (f.kind === 'heredoc') return `${f.instruction} uses a heredoc (${f.text})`;
  if (f.kind === 'flag') return f.text === '--mount' ? `${f.instruction} ${featureKey(f)}` : `${f.instruction} ${f.text}`;
  return f.kind === 'syntax'
    ? `the \`# syntax=\` parser directive selects a BuildKit frontend${f.value ? ` (${f.value})` : ''}`
    : 'the `# check=` parser directive (build checks)';
}

function fixOf(f: BuildkitFeature): string {
  const key = featureKey(f);
  if (f.kind === 'heredoc') return FIX[`heredoc ${f.instruction === 'RUN' ? 'RUN' : 'COPY'}`];
  return FIX[key] ?? FIX[f.text] ?? FIX[f.kind];
}

/**
 * One problem per use in `features` that `caps` cannot build, at its line and column: what it
 * is, which builder cannot do it and why, and how to write the Dockerfile without it (or what
 * to change so the builder can).
 *
 * @param caps the builder in use (default: the legacy builder)
 * @param features the uses, as `ParsedDockerfile.buildkitFeatures` gives them
 * @param file the Dockerfile's path as shown to the user
 */
export function builderProblems(caps: BuilderCapabilities, features: readonly BuildkitFeature[], file: string): Problem[] {
  const out: Problem[] = [];
  const syntax = features.find((f) => f.kind === 'syntax');
  const ownFrontend = caps.builder === 'buildkit' && syntax?.value !== undefined && caps.reachableFrontends?.has(syntax.value);
  for (const f of features) {
    const at = { file, line: f.line, column: f.column };
    if (caps.builder === 'classic') {
      const why = `${LEGACY_WHY} (${caps.why ?? 'builder: classic'})`;
      const message =
        f.kind === 'flag' ? `${f.instruction} ${f.text} needs BuildKit: ${why}` : f.kind === 'syntax' ? `the \`# syntax=\` parser directive selects a BuildKit frontend: ${why}` : `${what(f)}: ${why}`;
      out.push({ ...at, message, fix: fixOf(f) });
      continue;
    }
    if (f.kind === 'flag' && f.text === '--mount' && f.value?.includes('$') && !ownFrontend && caps.frontend && !atLeast(caps.frontend, BUILDKIT_TABLE['--mount variables'] as [number, number])) {
      out.push({
        ...at,
        message: `${f.instruction} --mount=${f.value} uses variables, which Dockerfile frontend 1.3 or later expands: ${caps.description} takes them literally`,
        fix: FIX['--mount variables'],
      });
    }
    const need = BUILDKIT_TABLE[featureKey(f)] ?? BUILDKIT_TABLE[f.text];
    if (need === undefined) continue;
    if (!Array.isArray(need)) {
      out.push({ ...at, message: `${what(f)}: imagestack refuses it with every builder (${(need as { never: string }).never})`, fix: fixOf(f) });
    } else if (f.kind === 'syntax') {
      if (!ownFrontend) {
        out.push({
          ...at,
          message: `${what(f)}, which BuildKit must pull before it builds, but it can be neither found in the engine nor reached${caps.frontendWhy ? ` (${caps.frontendWhy})` : ''}`,
          fix: `remove the \`# syntax=\` line (${caps.description} is used), or make ${f.value ?? 'the frontend image'} available: \`docker pull ${f.value ?? '<image>'}\` where its registry is reachable (or \`docker load\` it into the engine)`,
        });
      }
    } else if (!ownFrontend && caps.frontend && !atLeast(caps.frontend, need as readonly [number, number])) {
      const n = need as readonly [number, number];
      out.push({
        ...at,
        message: `${what(f)} needs Dockerfile frontend ${fmt(n)} or later: ${caps.description} cannot do it`,
        fix: `${fixOf(f)}; or build on a Docker Engine whose BuildKit embeds frontend ${fmt(n)} (${n[1] <= 4 ? 'Engine 23 or later' : 'a recent Engine'})`,
      });
    }
  }
  return out;
}

/** {@link builderProblems} for the legacy builder (what ./analyze.ts reports when no builder is given). */
export function legacyBuilderProblems(features: readonly BuildkitFeature[], file: string): Problem[] {
  return builderProblems(classicCapabilities(), features, file);
}
