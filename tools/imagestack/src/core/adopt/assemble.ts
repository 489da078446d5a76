/**
 * From what was found to what is written (no I/O): joins the discovered images, a datahub
 * images/spec.yml when there is one, and the inference of ./infer.ts into one
 * {@link Adoption}: build order, the registry to push to, the version, the package manifest
 * commands shared by every image, and the decisions left to the user.
 */
import type { DatahubSpec } from './datahub';
import { DATAHUB_SPEC } from './datahub';
import type { Discovery } from './discover';
import { inferStack, type InferInput } from './infer';
import { parseDockerfile } from '../dockerfile/parse';
import type { Adoption, AdoptedImage, Decision, ManifestCommandSpec, TestFolder } from './types';

/** What {@link assembleAdoption} reads besides the discovery. */
export interface AssembleInput {
  discovery: Discovery;
  /** Dockerfile text by image name. */
  dockerfiles: ReadonlyMap<string, string>;
  /** What the `test/` folder of an image's context holds, by image name, for those that have one. */
  testFolders: ReadonlyMap<string, TestFolder>;
  /** The parsed images/spec.yml, when present. */
  datahub?: DatahubSpec;
  /** `--registry` / `--namespace` given to init, written instead of the inferred ones. */
  registry?: string;
  namespace?: string;
  /** The workspace folder's name (the namespace when nothing else gives one). */
  workspaceName: string;
  /** Now (for the default version `<year>.1`). */
  now: Date;
}

/** The registry written when neither the Dockerfiles nor the user give one (the local registry of `npm run setup`). */
export const DEFAULT_REGISTRY = '127.0.0.1:5000';

/**
 * Assembles the adoption (see the module comment). With a datahub spec, only the images it
 * lists are adopted (the other Dockerfile folders are left out, with the reason), with its
 * build args, info commands (as package manifest commands: those every image runs go to
 * `defaults`) and tag prefix (as the version); its `depend_on` is compared with the edges
 * read from the Dockerfiles.
 */
export function assembleAdoption(input: AssembleInput): Adoption {
  const { discovery, datahub } = input;
  const decisions: Decision[] = [];
  const leftOut = [...discovery.leftOut];
  let found = discovery.images;
  if (datahub) {
    found = found.filter((i) => {
      if (datahub.images.has(i.name)) return true;
      leftOut.push({ path: i.dockerfile === 'Dockerfile' ? `${i.context}/` : `${i.context}/${i.dockerfile}`, why: `not an image of ${DATAHUB_SPEC}` });
      return false;
    });
    for (const name of datahub.images.keys()) {
      if (!found.some((i) => i.name === name)) decisions.push({ image: name, at: DATAHUB_SPEC, message: `${DATAHUB_SPEC} lists "${name}" but no folder images/${name}/ with a Dockerfile was found: it is not in specs.yml` });
    }
  }
  const inputs: InferInput[] = found.map((i) => {
    const d = datahub?.images.get(i.name);
    return { ...i, text: input.dockerfiles.get(i.name) ?? '', args: d?.args ?? {}, ...(d?.imageName ? { declaredRepository: d.imageName } : {}) };
  });
  const inference = inferStack(inputs);
  decisions.push(...inference.decisions);

  // Package manifest commands every image runs (same name and command) go to defaults.
  const perImage = found.map((i) => datahub?.images.get(i.name)?.manifest ?? []);
  const shared = (perImage[0] ?? []).filter((c) => perImage.length > 1 && perImage.every((l) => l.some((o) => sameCommand(o, c))));
  // Build args imagestack passes itself (a parent's tag or reference, the references ARGs) are not carried over.
  const passed = (name: string) =>
    new Set([...(inference.images.get(name)?.edges ?? []).map((e) => e.arg), inference.references?.args?.registry, inference.references?.args?.namespace].filter((a): a is string => a !== undefined));
  const carried = (name: string) => {
    const args = { ...(datahub?.images.get(name)?.args ?? {}) };
    for (const arg of passed(name)) {
      if (!Object.prototype.hasOwnProperty.call(args, arg)) continue;
      delete args[arg];
      decisions.push({ image: name, at: DATAHUB_SPEC, message: `build_args ${arg} is not carried over: imagestack passes ${arg} itself (it names the parent, or carries the registry or namespace)` });
    }
    return args;
  };
  const images: AdoptedImage[] = found.map((i, k) => ({
    ...i,
    edges: inference.images.get(i.name)?.edges ?? [],
    externals: inference.images.get(i.name)?.externals ?? [],
    args: carried(i.name),
    manifest: perImage[k].filter((c) => !shared.some((s) => sameCommand(s, c))),
    ...(input.testFolders.has(i.name) ? { testFolder: input.testFolders.get(i.name) } : {}),
    ...secretsField(input.dockerfiles.get(i.name) ?? ''),
  }));
  for (const i of images) {
    for (const id of i.secrets ?? []) {
      decisions.push({ image: i.name, message: `a RUN step mounts build secret "${id}": written as secrets: [{ id: ${id}, env: ${secretVariable(id)} }] (BuildKit builds it from that environment variable); set it where imagestack runs, or write file: <path> instead` });
    }
  }

  if (datahub) {
    for (const i of images) {
      const dependOn = datahub.images.get(i.name)?.dependOn ?? [];
      const parents = i.edges.map((e) => e.parent);
      const missing = dependOn.filter((p) => !parents.includes(p));
      const extra = parents.filter((p) => !dependOn.includes(p));
      if (missing.length) decisions.push({ image: i.name, at: DATAHUB_SPEC, message: `depend_on names ${missing.join(', ')}, but ${i.context}/${i.dockerfile} does not build on it: imagestack takes parents from the Dockerfiles only` });
      if (extra.length) decisions.push({ image: i.name, at: DATAHUB_SPEC, message: `${i.context}/${i.dockerfile} builds on ${extra.join(', ')}, which depend_on does not name: imagestack builds it first anyway` });
      if (datahub.images.get(i.name)?.integrationTests) decisions.push({ image: i.name, message: `integration_tests: true in ${DATAHUB_SPEC}: give it a test: command in specs.yml to have its tests gate the push` });
    }
  }
  for (const i of images) {
    const t = i.testFolder;
    if (!t) continue;
    const message =
      t.kind === 'pytest'
        ? `${i.context}/test/ holds pytest files: written as test.host (run on this machine after the build, the image's reference in IMAGESTACK_IMAGE); check that the suite reads the image from there`
        : t.kind === 'script'
          ? `${i.context}/test/ holds ${t.script}: written as test.command, run inside a container of the image; check that it is the suite's entry point`
          : `${i.context}/test/ holds tests init cannot tell how to run: written as a test.command that fails (so nothing is pushed untested) until you write the real one`;
    decisions.push({ image: i.name, message });
  }

  const ordered = buildOrder(images, decisions);
  const refs = inference.references;
  const registry = input.registry ?? refs?.registry ?? DEFAULT_REGISTRY;
  const namespace = input.namespace ?? refs?.namespace ?? (input.workspaceName.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+|[._-]+$/g, '') || 'images');
  const pushFrom =
    input.registry || input.namespace ? 'the --registry/--namespace given to init' : refs ? 'the registry/namespace the Dockerfiles refer to' : 'a default: no Dockerfile names one';
  decisions.unshift({
    message: `push registry: ${registry}/${namespace}, from ${pushFrom}; imagestack pushes there unless --registry/--namespace (or IMAGESTACK_REGISTRY/IMAGESTACK_NAMESPACE) say otherwise at run time${refs ? `; the Dockerfiles keep referring to ${refs.registry}/${refs.namespace} (references:)` : ''}`,
  });
  const version = datahub?.tagPrefix ?? `${input.now.getUTCFullYear()}.1`;
  if (!datahub?.tagPrefix) decisions.push({ message: `version "${version}": tags are <version>-<sha7>; rename it, or add versions with their build args` });
  return {
    registry,
    namespace,
    pushFrom,
    // Written even when equal to registry/namespace: a --registry override at run time then
    // still finds the Dockerfiles' spelling.
    ...(refs ? { references: refs } : {}),
    version,
    versionArgs: {},
    defaultManifest: shared,
    images: ordered,
    leftOut,
    decisions,
    searched: discovery.searched,
    ...(datahub ? { datahubSpec: DATAHUB_SPEC } : {}),
  };
}

function sameCommand(a: ManifestCommandSpec, b: ManifestCommandSpec): boolean {
  return a.name === b.name && a.command === b.command && a.description === b.description;
}

/** Parents first (by depth in the graph), then by context path; a cycle is a decision and its images keep path order at the end. */
function buildOrder(images: AdoptedImage[], decisions: Decision[]): AdoptedImage[] {
  const byName = new Map(images.map((i) => [i.name, i]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return Number.POSITIVE_INFINITY;
    visiting.add(name);
    const parents = byName.get(name)?.edges.map((e) => e.parent) ?? [];
    const d = parents.length ? 1 + Math.max(...parents.map(depthOf)) : 0;
    visiting.delete(name);
    depth.set(name, d);
    return d;
  };
  for (const i of images) depthOf(i.name);
  const cyclic = images.filter((i) => depth.get(i.name) === Number.POSITIVE_INFINITY);
  if (cyclic.length) decisions.push({ message: `the Dockerfiles form a cycle through ${cyclic.map((i) => i.name).join(', ')}: imagestack refuses it; make one of them build on something else` });
  return [...images].sort((a, b) => (depth.get(a.name) ?? 0) - (depth.get(b.name) ?? 0) || (a.context < b.context ? -1 : a.context > b.context ? 1 : 0));
}

/**
 * The ids of the build secrets the Dockerfile mounts (`RUN --mount=type=secret,id=<id>`, in
 * order, once each), as the `secrets` field of an adopted image; none: no field.
 */
function secretsField(dockerfile: string): { secrets?: string[] } {
  const ids: string[] = [];
  for (const f of parseDockerfile(dockerfile).buildkitFeatures) {
    if (f.kind !== 'flag' || f.text !== '--mount' || !f.value) continue;
    const opts = new Map(f.value.split(',').map((kv) => [kv.split('=')[0].trim().toLowerCase(), kv.slice(kv.indexOf('=') + 1).trim()] as const));
    const id = opts.get('id') ?? (opts.get('target') ? opts.get('target')!.split('/').pop() : undefined);
    if (opts.get('type') === 'secret' && id && !ids.includes(id)) ids.push(id);
  }
  return ids.length ? { secrets: ids } : {};
}

/** The environment variable init writes as a secret's source: the id upper-cased, other characters `_` (`pip_token` → `PIP_TOKEN`). */
export function secretVariable(id: string): string {
  const v = id.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return /^[A-Z_]/.test(v) ? v : `_${v}`;
}
