/**
 * `references:` in specs.yml: how the Dockerfiles spell the stack's repositories when not
 * `<registry>/<namespace>`, and which of their ARGs carry the registry and the namespace
 * (README, "How a Dockerfile names its parents"). Its shape is specs.schema.json's; this
 * module reads it into {@link ReferencesSpec} and checks what the schema cannot say.
 */
import { isRegistryHost, isRepositoryPath } from '../reference/reference';
import { quoteValue } from '../util/quote';
import { asObject, report, valueAt } from './context';
import type { Rule } from './rules';
import type { ReferencesSpec } from './types';

/** The `references:` of a specs.yml's plain JSON, when it has one of the right shape. */
export function readReferences(json: unknown): ReferencesSpec | undefined {
  const r = asObject(valueAt(json, ['references']));
  if (!r || typeof r.registry !== 'string' || typeof r.namespace !== 'string') return undefined;
  return { registry: r.registry, namespace: r.namespace, args: referencesArgs(json) };
}

/** `references.args` of a specs.yml's plain JSON: what → ARG name, the string entries only. */
export function referencesArgs(json: unknown): { registry?: string; namespace?: string } {
  const a = asObject(valueAt(json, ['references', 'args'])) ?? {};
  return {
    ...(typeof a.registry === 'string' ? { registry: a.registry } : {}),
    ...(typeof a.namespace === 'string' ? { namespace: a.namespace } : {}),
  };
}

/** The `<NAME>_TAG` build arg of an image (as specs/rules.ts and graph/types.ts name it). */
function tagArgOf(image: string): string {
  return `${image.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_TAG`;
}

/**
 * `references.registry` is a registry host, `references.namespace` a repository path, and
 * the two `args` are different ARGs, neither a stack image's `<NAME>_TAG`.
 */
export const referencesRule: Rule = (ctx) => {
  const registry = valueAt(ctx.json, ['references', 'registry']);
  if (typeof registry === 'string' && registry !== '' && !isRegistryHost(registry)) {
    report(ctx, ['references', 'registry'], 'value', `references.registry ${quoteValue(registry)} is not a registry host`, 'write the host the Dockerfiles name and nothing else, e.g. "quay.io" (for Docker Hub, "docker.io")');
  }
  const namespace = valueAt(ctx.json, ['references', 'namespace']);
  if (typeof namespace === 'string' && namespace !== '' && !isRepositoryPath(namespace)) {
    report(ctx, ['references', 'namespace'], 'value', `references.namespace ${quoteValue(namespace)} is not a repository path`, 'write the namespace the Dockerfiles name, lowercase path components joined by "/", e.g. "jupyter"');
  }
  const args = referencesArgs(ctx.json);
  if (args.registry !== undefined && args.registry === args.namespace) {
    report(ctx, ['references', 'args', 'namespace'], 'value', `references.args names ${args.registry} for both the registry and the namespace`, 'name two different ARGs, the one for the registry host (e.g. REGISTRY) and the one for the namespace (e.g. OWNER), or remove one of them');
  }
  const images = Object.keys(asObject(valueAt(ctx.json, ['images'])) ?? {});
  for (const what of ['registry', 'namespace'] as const) {
    const name = args[what];
    const image = images.find((i) => tagArgOf(i) === name);
    if (name !== undefined && image !== undefined) {
      report(ctx, ['references', 'args', what], 'value', `references.args.${what} is ${name}, the build arg that carries the tag of image "${image}"`, `name the Dockerfiles' ARG that carries the ${what}`);
    }
  }
};
