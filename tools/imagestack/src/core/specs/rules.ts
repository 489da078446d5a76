/**
 * The rules of specs.yml beyond its JSON Schema: cross-field facts a schema cannot say —
 * names that must be valid in image references (with the registry and namespace), build arg
 * names and the reserved ones, versions that must be declared, input globs and Dockerfiles
 * that must stay inside the workspace, and the registry/namespace overrides. (The gate and
 * release sections' own facts are checked where they are normalised: sections.ts.)
 *
 * Over 300 lines on purpose: one small `Rule` per cross-field fact, each with its message and
 * fix next to it; they share the name helpers (registry, namespace, path suggestions).
 *
 * Each rule reads the plain JSON defensively (the document may also have failed the
 * schema), so that one run reports every problem it can. Reference grammar: see
 * ../reference/reference.ts (distribution `reference` package, OCI distribution spec).
 */
import { isPathComponent, isRegistryHost, isRepositoryPath, isTag, MAX_NAME_LENGTH } from '../reference/reference';
import { qualifiedRepositoryOf } from '../reference/repository';
import { referencesArgs, referencesRule } from './references';
import { asObject, report, valueAt } from './context';
import type { CheckContext } from './context';
import type { DocPath } from './positions';
import { quoteValue } from '../util/quote';
import { closest, quoteList } from '../util/suggest';
import { MARKER_REPOSITORY, PROMOTIONS_IMAGE, STACK_CHECKS_REPOSITORY } from '../reserved';

/** A rule adds its problems to `ctx.problems`. */
export type Rule = (ctx: CheckContext) => void;

/** Longest version name: `<version>-dirty-<12 hex>` must fit the 128 characters of a tag. */
export const MAX_VERSION_LENGTH = 100;

/** Build arg names (`docker build --build-arg NAME=value`). */
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The build arg imagestack passes with the registry; users may not set it. */
export const REGISTRY_ARG = 'REGISTRY';

/**
 * The build arg imagestack passes with the tag of stack image `image`: the name upper-cased,
 * every character outside `[A-Z0-9]` replaced by `_`, then `_TAG`
 * (`gcc-assert` → `GCC_ASSERT_TAG`). Users may not set it.
 */
export function tagArgName(image: string): string {
  return `${image.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_TAG`;
}

function keysOf(x: unknown): string[] {
  const o = asObject(x);
  return o ? Object.keys(o) : [];
}

function declaredVersions(ctx: CheckContext): string[] {
  return keysOf(valueAt(ctx.json, ['versions']));
}

function imageNames(ctx: CheckContext): string[] {
  return keysOf(valueAt(ctx.json, ['images']));
}

/** Why `s` is not a registry host, and how to fix it. */
function registryProblem(s: string): { message: string; fix: string } | undefined {
  if (isRegistryHost(s)) return undefined;
  const message = `registry ${quoteValue(s)} is not a registry host`;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(s);
  if (scheme) {
    const rest = s.slice(scheme[0].length).replace(/\/+$/, '');
    return { message, fix: `remove the scheme: write ${quoteValue(rest)}` };
  }
  const slash = s.indexOf('/');
  if (slash > 0 && isRegistryHost(s.slice(0, slash))) {
    return {
      message,
      fix: `the registry is the host only: write ${quoteValue(s.slice(0, slash))} and put ${quoteValue(s.slice(slash + 1))} into the namespace`,
    };
  }
  return { message, fix: 'write a host name or IP address with an optional port and nothing else, e.g. "ghcr.io" or "127.0.0.1:5000"' };
}

/** A repository path close to `s` that is valid, if simple edits make one. */
function suggestPath(s: string, original = s): string | undefined {
  const t = s
    .toLowerCase()
    .replace(/[^a-z0-9._/-]+/g, '-')
    .replace(/\/+/g, '/')
    .replace(/^[/._-]+|[/._-]+$/g, '')
    .replace(/[._-]*\/[._-]*/g, '/');
  return t !== original && isRepositoryPath(t) ? t : undefined;
}

const PATH_CHARS = 'lowercase letters and digits, separated by ".", "_", "__" or "-"';

function namespaceProblem(s: string): { message: string; fix: string } | undefined {
  if (isRepositoryPath(s)) return undefined;
  const near = suggestPath(s);
  return {
    message: `namespace ${quoteValue(s)} is not a repository path`,
    fix: `use path components of ${PATH_CHARS}, joined by "/"${near ? `, e.g. ${quoteValue(near)}` : ''}`,
  };
}

const registryRule: Rule = (ctx) => {
  const v = valueAt(ctx.json, ['registry']);
  if (typeof v !== 'string' || v === '') return;
  const p = registryProblem(v);
  if (p) report(ctx, ['registry'], 'value', p.message, p.fix);
};

const namespaceRule: Rule = (ctx) => {
  const v = valueAt(ctx.json, ['namespace']);
  if (typeof v !== 'string' || v === '') return;
  const p = namespaceProblem(v);
  if (p) report(ctx, ['namespace'], 'value', p.message, p.fix);
};

/** Registry and namespace from the command line or the environment: no line to point at. */
const overridesRule: Rule = (ctx) => {
  const { registry, namespace } = ctx.overrides;
  if (registry !== undefined) {
    const from = ctx.overrides.registryFrom ?? '--registry';
    const p = registry === '' ? { message: 'registry is empty', fix: 'give a registry host such as "ghcr.io", or leave it unset to use specs.yml' } : registryProblem(registry);
    if (p) ctx.problems.push({ file: from, message: `${p.message} (from ${from})`, fix: p.fix });
  }
  if (namespace !== undefined) {
    const from = ctx.overrides.namespaceFrom ?? '--namespace';
    const p = namespace === '' ? { message: 'namespace is empty', fix: 'give a repository path such as "my-org/images", or leave it unset to use specs.yml' } : namespaceProblem(namespace);
    if (p) ctx.problems.push({ file: from, message: `${p.message} (from ${from})`, fix: p.fix });
  }
};

const versionNamesRule: Rule = (ctx) => {
  for (const name of declaredVersions(ctx)) {
    const at: DocPath = ['versions', name];
    if (name.length > MAX_VERSION_LENGTH) {
      report(
        ctx,
        at,
        'key',
        `version name ${quoteValue(name.slice(0, 20) + '…')} is ${name.length} characters long, more than ${MAX_VERSION_LENGTH}`,
        `shorten it to at most ${MAX_VERSION_LENGTH} characters, so that its tags (<version>-<sha7>, <version>-dirty-<12 hex>) fit in 128`,
      );
    } else if (!isTag(name)) {
      const near = name.replace(/[^\w.-]+/g, '-').replace(/^[.-]+/, '');
      report(
        ctx,
        at,
        'key',
        `version name ${quoteValue(name)} cannot start a tag (tags are <version>-<sha7>)`,
        `use only letters, digits, "_", "." and "-", not starting with "." or "-"${near && isTag(near) ? `, e.g. ${quoteValue(near)}` : ''}`,
      );
    }
  }
};

const imageNamesRule: Rule = (ctx) => {
  const registry = ctx.overrides.registry ?? valueAt(ctx.json, ['registry']);
  const namespace = ctx.overrides.namespace ?? valueAt(ctx.json, ['namespace']);
  const prefixOk = typeof registry === 'string' && isRegistryHost(registry) && typeof namespace === 'string' && isRepositoryPath(namespace);
  const byArg = new Map<string, string>();
  for (const name of imageNames(ctx)) {
    const at: DocPath = ['images', name];
    if (!isPathComponent(name)) {
      const near = suggestPath(name.replace(/\//g, '-'), name);
      report(
        ctx,
        at,
        'key',
        `image name ${quoteValue(name)} is not a valid repository name component`,
        `use ${PATH_CHARS}${near ? `, e.g. ${quoteValue(near)}` : ''}, and name the folder images/<name>/ the same`,
      );
      continue;
    }
    if (prefixOk) {
      const repository = qualifiedRepositoryOf(registry, namespace, name);
      if (repository.length > MAX_NAME_LENGTH) {
        report(
          ctx,
          at,
          'key',
          `repository name ${quoteValue(repository, 320)} is ${repository.length} characters long, more than ${MAX_NAME_LENGTH}`,
          `shorten the image name, the namespace or the registry by ${repository.length - MAX_NAME_LENGTH} characters`,
        );
      }
    }
    const arg = tagArgName(name);
    const other = byArg.get(arg);
    if (other !== undefined) {
      report(
        ctx,
        at,
        'key',
        `images ${quoteValue(other)} and ${quoteValue(name)} would both get the build arg ${arg}`,
        `rename one of them so that their names differ in more than ".", "_" and "-"`,
      );
    } else {
      byArg.set(arg, name);
    }
  }
};

/**
 * Image names imagestack uses for its own repositories in the namespace, with what each holds:
 * `imagestack-promotions` the promotion history (core/release/record.ts), `imagestack-runs`
 * the CI matrix jobs' failure markers (core/ci/markers.ts).
 */
export const RESERVED_IMAGE_NAMES: ReadonlyMap<string, string> = new Map([
  [PROMOTIONS_IMAGE, 'the promotion history of the stack'],
  [MARKER_REPOSITORY, "the CI matrix jobs' failure markers"],
  [STACK_CHECKS_REPOSITORY, 'the outcomes of the stack-wide checks'],
]);

const reservedImageNamesRule: Rule = (ctx) => {
  for (const name of imageNames(ctx)) {
    const holds = RESERVED_IMAGE_NAMES.get(name);
    if (!holds) continue;
    report(
      ctx,
      ['images', name],
      'key',
      `image name ${quoteValue(name)} is reserved: imagestack keeps ${holds} in the repository <namespace>/${name}`,
      `rename the image (and its folder images/${name}/), e.g. to ${quoteValue(`${name.replace(/^imagestack-/, '')}-image`)}`,
    );
  }
};

/** Every `args` mapping of the document, by path. */
function argsPaths(ctx: CheckContext): DocPath[] {
  const paths: DocPath[] = declaredVersions(ctx).map((v) => ['versions', v, 'args']);
  for (const image of imageNames(ctx)) {
    paths.push(['images', image, 'args']);
    for (const v of keysOf(valueAt(ctx.json, ['images', image, 'versions']))) paths.push(['images', image, 'versions', v, 'args']);
  }
  return paths;
}

const buildArgsRule: Rule = (ctx) => {
  const reserved = new Map<string, string>([[REGISTRY_ARG, 'imagestack passes REGISTRY to every build itself']]);
  for (const [what, name] of Object.entries(referencesArgs(ctx.json))) {
    reserved.set(name, `imagestack passes ${name}, the ${what} it pushes to, to every build itself (\`references.args\`)`);
  }
  for (const image of imageNames(ctx)) {
    const arg = tagArgName(image);
    if (!reserved.has(arg)) reserved.set(arg, `imagestack passes ${arg}, the tag of image "${image}", to every build itself`);
  }
  for (const path of argsPaths(ctx)) {
    for (const name of keysOf(valueAt(ctx.json, path))) {
      const at = [...path, name];
      if (!ARG_NAME.test(name)) {
        const near = name.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^(?=[0-9])/, '_');
        report(
          ctx,
          at,
          'key',
          `build arg name ${quoteValue(name)} is not valid`,
          `use letters, digits and "_", not starting with a digit${ARG_NAME.test(near) ? `, e.g. ${quoteValue(near)}` : ''}`,
        );
      } else if (reserved.has(name)) {
        report(ctx, at, 'key', `build arg ${name} is reserved: ${reserved.get(name)}`, `remove ${name} from "args"`);
      }
    }
  }
};

function undeclared(version: string, declared: readonly string[]): string {
  const near = closest(version, declared, 3);
  const list = `the declared versions are ${quoteList(declared)}`;
  return near ? `did you mean ${quoteValue(near)}? ${list[0].toUpperCase()}${list.slice(1)}` : `remove it, or declare it under "versions"; ${list}`;
}

const skipRule: Rule = (ctx) => {
  const declared = declaredVersions(ctx);
  if (declared.length === 0) return;
  for (const image of imageNames(ctx)) {
    const skip = valueAt(ctx.json, ['images', image, 'skip']);
    if (!Array.isArray(skip)) continue;
    skip.forEach((v, i) => {
      if (typeof v === 'string' && v !== '' && !declared.includes(v)) {
        report(ctx, ['images', image, 'skip', i], 'value', `image "${image}" skips ${quoteValue(v)}, which is not a declared version`, undeclared(v, declared));
      }
    });
    if (declared.every((v) => skip.includes(v))) {
      report(
        ctx,
        ['images', image, 'skip'],
        'key',
        `image "${image}" skips every version (${quoteList(declared)}), so it is never built`,
        `remove at least one version from "skip", or remove the image`,
      );
    }
  }
};

const imageVersionsRule: Rule = (ctx) => {
  const declared = declaredVersions(ctx);
  if (declared.length === 0) return;
  for (const image of imageNames(ctx)) {
    for (const v of keysOf(valueAt(ctx.json, ['images', image, 'versions']))) {
      if (!declared.includes(v)) {
        report(
          ctx,
          ['images', image, 'versions', v],
          'key',
          `image "${image}" has a section for version ${quoteValue(v)}, which is not a declared version`,
          undeclared(v, declared),
        );
      }
    }
  }
};

function checkGlobs(ctx: CheckContext, path: DocPath): void {
  const globs = valueAt(ctx.json, path);
  if (!Array.isArray(globs)) return;
  globs.forEach((g, i) => {
    if (typeof g !== 'string' || g === '') return; // the schema reports these
    const at = [...path, i];
    if (g.trim() === '') {
      report(ctx, at, 'value', `input glob ${quoteValue(g)} is blank`, 'write a glob such as "scripts/common/**", or remove the item');
    } else if (g.startsWith('/') || /^[A-Za-z]:[\\/]/.test(g)) {
      report(
        ctx,
        at,
        'value',
        `input glob ${quoteValue(g)} is an absolute path`,
        `write it relative to the folder of specs.yml${g.startsWith('/') && g.length > 1 ? `, e.g. ${quoteValue(g.replace(/^\/+/, ''))}` : ''}`,
      );
    } else if (g.split(/[\\/]/).includes('..')) {
      report(
        ctx,
        at,
        'value',
        `input glob ${quoteValue(g)} reaches outside the folder of specs.yml`,
        'remove the ".." segments: inputs must be files inside the folder of specs.yml',
      );
    }
  });
}

const inputsRule: Rule = (ctx) => {
  checkGlobs(ctx, ['inputs']);
  for (const image of imageNames(ctx)) checkGlobs(ctx, ['images', image, 'inputs']);
};

/** The image's `context:` as written, when it is a string, else its default `images/<name>`. */
function contextOf(ctx: CheckContext, image: string): string {
  const c = valueAt(ctx.json, ['images', image, 'context']);
  return typeof c === 'string' && c !== '' ? c.replace(/\/+$/, '') : `images/${image}`;
}

const contextRule: Rule = (ctx) => {
  for (const image of imageNames(ctx)) {
    const c = valueAt(ctx.json, ['images', image, 'context']);
    if (typeof c !== 'string' || c === '') continue;
    const segments = c.split(/[\\/]/).filter((s) => s !== '' && s !== '.');
    let message: string | undefined;
    if (/^([\\/]|[A-Za-z]:)/.test(c)) message = `context ${quoteValue(c)} of image "${image}" is an absolute path`;
    else if (segments.includes('..')) message = `context ${quoteValue(c)} of image "${image}" reaches outside the folder of specs.yml`;
    else if (segments.length === 0) message = `context ${quoteValue(c)} of image "${image}" is the whole workspace: every file would be its input`;
    if (message) {
      report(ctx, ['images', image, 'context'], 'value', message, `write a folder relative to the folder of specs.yml, e.g. "images/${image}" (the default)`);
    }
  }
};

const dockerfileRule: Rule = (ctx) => {
  for (const image of imageNames(ctx)) {
    const f = valueAt(ctx.json, ['images', image, 'dockerfile']);
    if (typeof f !== 'string' || f === '') continue;
    if (f.startsWith('/') || f.split(/[\\/]/).includes('..')) {
      const context = contextOf(ctx, image);
      report(
        ctx,
        ['images', image, 'dockerfile'],
        'value',
        `dockerfile ${quoteValue(f)} of image "${image}" is outside its context ${context}/`,
        `move the Dockerfile into ${context}/ and write its path relative to that folder, e.g. "Dockerfile"`,
      );
    }
  }
};

/** The rules, in the order their problems are found (problems are sorted by position afterwards). */
export const RULES: readonly Rule[] = [
  overridesRule,
  registryRule,
  namespaceRule,
  versionNamesRule,
  imageNamesRule,
  reservedImageNamesRule,
  buildArgsRule,
  skipRule,
  imageVersionsRule,
  inputsRule,
  contextRule,
  dockerfileRule,
  referencesRule,
];

/** Runs every rule of {@link RULES} on `ctx`, adding problems to `ctx.problems`. */
export function checkRules(ctx: CheckContext): void {
  for (const rule of RULES) rule(ctx);
}
