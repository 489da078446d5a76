/**
 * Inferring a stack from its Dockerfiles alone (no I/O): which registry/namespace the
 * Dockerfiles spell the stack's repositories with, which ARGs carry them, and each image's
 * parent edges with the reason for each, read with the project's Dockerfile parser and
 * resolver (core/dockerfile) exactly as Docker resolves `FROM` with the Dockerfile's own
 * ARG defaults.
 *
 * The stack's spelling is found by vote: every reference `<registry>/<path>/<last>` whose
 * `<last>` is the name of another image of the stack votes for `<registry>/<path>` (so does
 * each `image_name` of images/spec.yml). The most voted prefix wins; a reference named like a
 * stack image under another prefix stays an external base, and the report says so (so a
 * wrong reading is visible). imagestack's own convention (`${REGISTRY}/<name>:${<NAME>_TAG}`,
 * REGISTRY without a default) votes for a prefix of its own and needs no `references:`.
 */
import { parseReference } from '../reference/reference';
import { parseDockerfile, resolveDockerfile, type ImageUse, type ParsedDockerfile } from '../dockerfile/parse';
import { expandWord, splitRawReference } from '../dockerfile/expand';
import { TAG_PLACEHOLDER } from '../dockerfile/analyze';
import { REGISTRY_ARG, tagArgName } from '../graph/types';
import type { BuildArgs } from '../specs/types';
import type { Decision, ExternalUse, FoundImage, ParentEdge, References } from './types';

/** The value given to an imagestack-convention `${REGISTRY}` with no default (a prefix no real registry has). */
const OWN_PREFIX = 'imagestack.invalid/own';

/** One image to infer from: where it is, its Dockerfile's text and the build args it is built with. */
export interface InferInput extends FoundImage {
  /** The Dockerfile's content. */
  text: string;
  /** Build args (images/spec.yml `build_args`); they override the Dockerfile's ARG defaults. */
  args: BuildArgs;
  /** The qualified repository images/spec.yml names it with (`image_name`), when it does. */
  declaredRepository?: string;
}

/** The result of {@link inferStack}. */
export interface Inference {
  /** The Dockerfiles' spelling of the stack's repositories; undefined when none names a stack image, or only imagestack's own way does. */
  references?: References;
  /** True when Dockerfiles use imagestack's own convention (`${REGISTRY}/<name>:${<NAME>_TAG}`). */
  ownConvention: boolean;
  /** Per image name: its parent edges (first use of each parent) and its external bases. */
  images: Map<string, { edges: ParentEdge[]; externals: ExternalUse[] }>;
  decisions: Decision[];
}

interface Reading {
  image: InferInput;
  file: string;
  parsed: ParsedDockerfile;
  /** Global ARG name → its value (a build arg's, else the expanded default). */
  values: Map<string, string | undefined>;
  uses: ImageUse[];
}

/**
 * Infers the stack's references and edges (see the module comment).
 *
 * @param images every image found, with its Dockerfile text and build args
 * @returns per image its edges (explained) and external bases; decisions for what could not be
 *   inferred: a reference that does not resolve, a stack parent with a fixed tag (the one
 *   Dockerfile line to change, shown), a Dockerfile naming itself, ARGs carrying the registry
 *   or namespace under different names in different Dockerfiles
 */
export function inferStack(images: readonly InferInput[]): Inference {
  const names = new Set(images.map((i) => i.name));
  const decisions: Decision[] = [];
  const readings = images.map((image) => read(image, decisions));

  const votes = new Map<string, number>();
  const vote = (prefix: string) => votes.set(prefix, (votes.get(prefix) ?? 0) + 1);
  for (const r of readings) {
    if (r.image.declaredRepository) {
      const s = splitRepository(r.image.declaredRepository);
      if (s) vote(s.prefix);
    }
    for (const use of r.uses) {
      const s = useRepository(use);
      if (s && names.has(s.last) && s.last !== r.image.name) vote(s.prefix);
    }
  }
  const prefix = [...votes].sort((a, b) => b[1] - a[1])[0]?.[0];

  const out: Inference['images'] = new Map();
  const argVotes = { registry: new Map<string, number>(), namespace: new Map<string, number>() };
  for (const r of readings) {
    const edges: ParentEdge[] = [];
    const externals: ExternalUse[] = [];
    for (const use of r.uses) {
      const s = useRepository(use);
      if (!s || use.target.kind !== 'image') continue;
      const line = use.text.instructionLine;
      if (s.prefix !== prefix || !names.has(s.last)) {
        const note = names.has(s.last)
          ? s.last === r.image.name
            ? `named like this image itself, but not under ${shown(prefix)}: read as an external base`
            : `named like stack image "${s.last}", but not under ${shown(prefix)}: read as an external base`
          : undefined;
        const reference = use.target.reference;
        if (!externals.some((x) => x.reference === reference)) externals.push({ reference, line, ...(note ? { note } : {}) });
        continue;
      }
      if (s.last === r.image.name) {
        decisions.push({
          image: r.image.name,
          at: `${r.file}:${line}`,
          message: `${use.text.instruction} ${use.text.raw} names this image itself (${use.target.reference}): an image cannot be its own parent; name its real base there`,
        });
        continue;
      }
      const edge = edgeOf(r, use, s.last);
      if (edge.form === 'fixed') decisions.push(fixedTagDecision(r, use, edge));
      for (const [kind, value] of [['registry', prefix === OWN_PREFIX ? undefined : splitPrefix(prefix).registry], ['namespace', splitPrefix(prefix).namespace]] as const) {
        if (value === undefined) continue;
        for (const name of chainArgs(r, use.text.raw)) {
          if (name !== edge.arg && r.values.get(name) === value) argVotes[kind].set(name, (argVotes[kind].get(name) ?? 0) + 1);
        }
      }
      if (!edges.some((e) => e.parent === edge.parent)) edges.push(edge);
    }
    out.set(r.image.name, { edges, externals });
  }

  let references: References | undefined;
  if (prefix !== undefined && prefix !== OWN_PREFIX) {
    const { registry, namespace } = splitPrefix(prefix);
    const args: NonNullable<References['args']> = {};
    for (const kind of ['registry', 'namespace'] as const) {
      const ranked = [...argVotes[kind]].sort((a, b) => b[1] - a[1]);
      if (ranked[0]) args[kind] = ranked[0][0];
      if (ranked.length > 1) {
        decisions.push({
          message: `the Dockerfiles carry the ${kind} in different ARGs (${ranked.map(([n]) => n).join(', ')}); references.args names ${ranked[0][0]}, the most used: rename the others to it`,
        });
      }
    }
    references = { registry, namespace, ...(args.registry || args.namespace ? { args } : {}) };
  }
  return { references, ownConvention: prefix === OWN_PREFIX, images: out, decisions };
}

/** Parses and resolves one Dockerfile with its own ARG defaults and its build args. */
function read(image: InferInput, decisions: Decision[]): Reading {
  const file = `${image.context}/${image.dockerfile}`;
  const parsed = parseDockerfile(image.text);
  const resolved = resolveDockerfile(parsed, {
    file,
    provided: image.args,
    placeholder: (name) => (name === REGISTRY_ARG ? OWN_PREFIX : name.endsWith('_TAG') ? TAG_PLACEHOLDER : undefined),
  });
  for (const p of resolved.problems) {
    decisions.push({ image: image.name, at: `${p.file}:${p.line ?? 1}`, message: `${p.message}; init cannot tell what it names (fix: ${p.fix})` });
  }
  const values = new Map<string, string | undefined>();
  const lookup = (n: string) => values.get(n);
  for (const arg of parsed.globalArgs) {
    if (Object.prototype.hasOwnProperty.call(image.args, arg.name)) values.set(arg.name, image.args[arg.name]);
    else values.set(arg.name, arg.rawDefault === undefined ? undefined : expandWord(arg.rawDefault, lookup, parsed.escapeChar).value);
  }
  return { image, file, parsed, values, uses: resolved.uses };
}

/** Classifies how `use` names `parent` (see {@link ParentForm}) and says why. */
function edgeOf(r: Reading, use: ImageUse, parent: string): ParentEdge {
  const raw = use.text.raw.trim();
  const base = {
    parent,
    file: r.file,
    line: use.text.instructionLine,
    instruction: use.text.instruction,
    raw: use.text.raw,
    resolved: use.target.kind === 'image' ? use.target.reference : use.expansion.value,
  };
  const via = describeArgs(r, raw);
  const withVia = via ? { via } : {};
  const whole = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/.exec(raw);
  const wholeArg = whole?.[1] ?? whole?.[2];
  if (wholeArg && r.values.has(wholeArg)) return { ...base, form: 'whole-reference', arg: wholeArg, ...withVia };
  const parts = splitRawReference(raw);
  const tag = parts.digest === undefined && parts.tag !== undefined ? /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/.exec(parts.tag) : null;
  const tagArg = tag?.[1] ?? tag?.[2];
  if (tagArg && (r.values.has(tagArg) || tagArg === tagArgName(parent))) {
    const own = tagArg === tagArgName(parent) && base.resolved.startsWith(`${OWN_PREFIX}/`);
    return own ? { ...base, form: 'tag-arg-own', arg: tagArg } : { ...base, form: 'tag-arg', arg: tagArg, ...withVia };
  }
  return { ...base, form: 'fixed', ...withVia };
}

/** The global ARGs `text` uses, directly or through other ARGs' defaults, in order of first use. */
function chainArgs(r: Reading, text: string): string[] {
  const seen: string[] = [];
  const visit = (t: string) => {
    for (const v of expandWord(t, (n) => r.values.get(n) ?? '', r.parsed.escapeChar).variables) {
      if (seen.includes(v.name)) continue;
      seen.push(v.name);
      const def = r.parsed.globalArgs.find((a) => a.name === v.name);
      if (def?.rawDefault !== undefined && !Object.prototype.hasOwnProperty.call(r.image.args, v.name)) visit(def.rawDefault);
    }
  };
  visit(text);
  return seen;
}

/** `BASE_IMAGE=$REGISTRY/$OWNER/x, REGISTRY=quay.io, OWNER=jupyter` for the ARGs `text` goes through. */
function describeArgs(r: Reading, text: string): string | undefined {
  const parts = chainArgs(r, text).map((name) => {
    if (Object.prototype.hasOwnProperty.call(r.image.args, name)) return `${name}=${r.image.args[name]} (build arg)`;
    const def = r.parsed.globalArgs.find((a) => a.name === name)?.rawDefault;
    return def === undefined ? `${name} (no default)` : `${name}=${def}`;
  });
  return parts.length ? parts.join(', ') : undefined;
}

/** The decision for a stack parent named with a fixed tag: the line to write instead. */
function fixedTagDecision(r: Reading, use: ImageUse, edge: ParentEdge): Decision {
  const parts = splitRawReference(use.text.raw);
  const arg = 'BASE_TAG';
  const current = parts.digest !== undefined ? undefined : (parts.tag ?? 'latest');
  const written = parts.digest !== undefined ? `digest @${parts.digest}` : parts.tag !== undefined ? `tag "${parts.tag}"` : 'no tag (latest)';
  return {
    image: r.image.name,
    at: `${r.file}:${edge.line}`,
    message:
      `${use.text.instruction} ${use.text.raw} names stack image "${edge.parent}" with ${written}, which imagestack cannot replace by the tag it builds: ` +
      `write \`${use.text.instruction === 'FROM' ? 'FROM ' : `${use.text.instruction}=`}${parts.repository}:\${${arg}}\` and declare \`ARG ${arg}${current ? `=${current}` : ''}\` before the first FROM`,
  };
}

/** The repository a use names, split as `<prefix>/<last>`, when it names an image. */
function useRepository(use: ImageUse): { prefix: string; last: string } | undefined {
  if (use.target.kind !== 'image') return undefined;
  return splitRepository(`${use.target.parsed.registry}/${use.target.parsed.path}`);
}

/** `<registry>/<path>` (normalised as the engine reads it) split at its last `/`. */
function splitRepository(repository: string): { prefix: string; last: string } | undefined {
  const ref = parseReference(repository);
  if (!ref) return undefined;
  const full = `${ref.registry}/${ref.path}`;
  const i = full.lastIndexOf('/');
  return { prefix: full.slice(0, i), last: full.slice(i + 1) };
}

/** `quay.io/jupyter` → registry `quay.io`, namespace `jupyter`. */
function splitPrefix(prefix: string | undefined): { registry: string; namespace: string } {
  const p = prefix ?? '';
  const i = p.indexOf('/');
  return { registry: p.slice(0, i), namespace: p.slice(i + 1) };
}

function shown(prefix: string | undefined): string {
  return prefix === undefined ? 'the stack' : prefix === OWN_PREFIX ? '${REGISTRY}' : prefix;
}

