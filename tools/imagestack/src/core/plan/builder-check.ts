/**
 * The plan-time check of the builder (issue 13, DESIGN.md promise 6): the Dockerfile features
 * the builder in use cannot do, the `# syntax=` frontends it cannot reach, and the secrets a
 * Dockerfile mounts that specs.yml does not declare, all found before anything is built; and,
 * for the images a run builds, the secrets whose source is missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Problem } from '../errors';
import { builderProblems } from '../dockerfile/capabilities';
import type { BuildkitFeature } from '../dockerfile/types';
import { frontendReachable, selectBuilder, type SelectedBuilder } from '../engine/buildkit/detect';
import type { Stack } from '../graph/types';
import { registerSecret } from '../registry/redact';
import type { BuilderChoice } from '../specs/builder';

/** Whether any Dockerfile of the stack uses a feature only BuildKit builds. */
export function usesBuildkitFeatures(stack: Stack): boolean {
  for (const image of stack.images.values()) if (image.buildkitFeatures?.length) return true;
  return false;
}

/**
 * Selects the builder (`choice` from `from`, else specs.yml `builder`, else `auto`) and checks the
 * stack's Dockerfiles against it.
 *
 * @returns the builder and the problems (empty when the stack can be built with it)
 * @throws InputError when `buildkit` is asked for and there is none (see `selectBuilder`)
 */
export async function checkBuilder(stack: Stack, choice?: BuilderChoice, from = '--builder'): Promise<{ builder: SelectedBuilder; problems: Problem[] }> {
  const builder = await selectBuilder(choice ?? stack.specs.builder ?? 'auto', choice ? from : 'specs.yml');
  const problems: Problem[] = [];
  const features = [...stack.images.values()].flatMap((i) => i.buildkitFeatures ?? []);
  if (builder.client) {
    const frontends = [...new Set(features.filter((f) => f.kind === 'syntax' && f.value).map((f) => f.value!))];
    const reachable = new Set<string>();
    for (const ref of frontends) if (await frontendReachable(builder.client, ref)) reachable.add(ref);
    builder.caps = { ...builder.caps, reachableFrontends: reachable, frontendWhy: 'looked for in the engine and asked of its registry' };
  }
  for (const image of stack.images.values()) {
    if (!image.buildkitFeatures?.length) continue;
    problems.push(...builderProblems(builder.caps, image.buildkitFeatures, image.dockerfile));
    if (builder.caps.builder === 'buildkit') problems.push(...undeclaredSecrets(image.buildkitFeatures, image.dockerfile, image.name, (image.spec.secrets ?? []).map((s) => s.id)));
  }
  return { builder, problems };
}

/** The id a `--mount=type=secret,…` value names: `id=`, else the target's base name (BuildKit's default). */
export function secretMountId(value: string): string | undefined {
  const kv = new Map(value.split(',').map((p) => [p.split('=')[0].trim().toLowerCase(), p.slice(p.indexOf('=') + 1).trim()] as const));
  if ((kv.get('type') ?? 'bind').toLowerCase() !== 'secret') return undefined;
  return kv.get('id') ?? path.posix.basename(kv.get('target') ?? kv.get('dst') ?? kv.get('destination') ?? '');
}

function undeclaredSecrets(features: readonly BuildkitFeature[], file: string, image: string, declared: readonly string[]): Problem[] {
  const out: Problem[] = [];
  for (const f of features) {
    if (f.kind !== 'flag' || f.text !== '--mount' || !f.value) continue;
    const id = secretMountId(f.value);
    if (id === undefined || declared.includes(id)) continue;
    out.push({
      file,
      line: f.line,
      column: f.column,
      message: `RUN --mount=${f.value} mounts secret "${id}", which specs.yml does not declare for image "${image}" (declared: ${declared.join(', ') || 'none'}); the step would run without it`,
      fix: `add \`secrets: [{ id: ${id}, env: <VARIABLE> }]\` (or \`file: <path>\`) under \`images.${image}\` or at the top level of specs.yml`,
    });
  }
  return out;
}

/** A build secret ready for the builder: its id and an environment variable or an absolute file. */
export interface ResolvedSecret {
  id: string;
  env?: string;
  file?: string;
}

/**
 * The secrets of `images` (those a run builds), their sources checked: an environment variable
 * that is set and not empty, a file that exists. Each value is registered for redaction (it is
 * replaced by `***` in any log or message). Missing sources are problems naming the secret, the
 * image and where specs.yml declares it.
 *
 * @param env the environment the builder will see (default: this process's)
 */
export function resolveSecrets(stack: Stack, images: Iterable<string>, env: NodeJS.ProcessEnv = process.env): { secrets: Map<string, ResolvedSecret[]>; problems: Problem[] } {
  const secrets = new Map<string, ResolvedSecret[]>();
  const problems: Problem[] = [];
  const specsFile = path.relative(stack.specs.root, stack.specs.file) || 'specs.yml';
  const reported = new Set<string>();
  for (const name of new Set(images)) {
    const list: ResolvedSecret[] = [];
    for (const s of stack.images.get(name)?.spec.secrets ?? []) {
      const at = { file: specsFile, ...(s.line ? { line: s.line } : {}) };
      if (s.env !== undefined) {
        const value = env[s.env];
        if (!value) {
          if (!reported.has(`${s.line}:${s.id}`)) problems.push({ ...at, message: `secret "${s.id}" (used to build ${name}) comes from environment variable ${s.env}, which is ${value === '' ? 'empty' : 'not set'}`, fix: `set ${s.env} in the environment of imagestack (in CI: from the CI's secret store), or remove the secret from specs.yml` });
          reported.add(`${s.line}:${s.id}`);
          continue;
        }
        registerSecret(value);
        list.push({ id: s.id, env: s.env });
      } else {
        const file = path.resolve(stack.specs.root, s.file!);
        if (!existsSync(file)) {
          if (!reported.has(`${s.line}:${s.id}`)) problems.push({ ...at, message: `secret "${s.id}" (used to build ${name}) comes from file ${s.file}, which does not exist`, fix: `create ${file} (kept out of git), or correct \`file:\` in specs.yml` });
          reported.add(`${s.line}:${s.id}`);
          continue;
        }
        try {
          registerSecret(readFileSync(file, 'utf8').trim());
        } catch {
          // unreadable: the builder reports it
        }
        list.push({ id: s.id, file });
      }
    }
    if (list.length) secrets.set(name, list);
  }
  return { secrets, problems };
}
