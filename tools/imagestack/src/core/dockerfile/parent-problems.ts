/**
 * The problems ./analyze.ts reports about a reference to a stack image: an unknown name under
 * the stack's registry/namespace, a tag imagestack cannot set, an ARG carrying two parents,
 * and `COPY --from=` through variables. Each says where, what is wrong and the line to write.
 */
import type { Problem } from '../errors';
import { REGISTRY_ARG, tagArgName, type ParentArg } from '../graph/types';
import { editDistance } from '../util/suggest';
import type { StackContext } from './analyze';
import { splitRawReference } from './expand';
import type { ImageUse } from './resolve';

/** `"raw"`, or `"raw" (resolved: "value")` when variables changed it. */
function shown(use: ImageUse): string {
  return use.text.raw === use.expansion.value ? `"${use.text.raw}"` : `"${use.text.raw}" (resolved: "${use.expansion.value}")`;
}

/**
 * A reference under the stack's registry/namespace (spelled `spelled`) whose rest `name` is
 * not an image of specs.yml. When the rest ends with `/<image>` of the stack (ARGs put a path
 * between the namespace and the image, as `ARG BASE_IMAGE=$REGISTRY/$OWNER/x` does when
 * imagestack's REGISTRY is `<registry>/<namespace>`), the fix is `references.args`.
 */
export function unknownParentProblem(ctx: StackContext, use: ImageUse, name: string, spelled: string): Problem {
  const at = { file: ctx.file, line: use.text.line, column: use.text.column };
  const image = name.split('/').pop()!;
  if (name.includes('/') && ctx.images.includes(image)) {
    const extra = name.slice(0, -image.length - 1);
    return {
      ...at,
      message:
        `${use.text.instruction} names ${shown(use)}: "${extra}/" stands between the stack's ${spelled}/ and its image "${image}", ` +
        `so it names no image of the stack (imagestack passes ${REGISTRY_ARG}=${ctx.registry}/${ctx.namespace})`,
      fix:
        'tell imagestack how the Dockerfiles spell the stack, in specs.yml: ' +
        '`references: { registry: <host the Dockerfiles name>, namespace: <namespace they name>, args: { registry: <their registry ARG>, namespace: <their namespace ARG> } }`' +
        ` (e.g. \`args: { registry: REGISTRY, namespace: OWNER }\`)`,
    };
  }
  const closest = closestName(name, ctx.images);
  return {
    ...at,
    message:
      `${use.text.instruction} names ${shown(use)}, a repository of this stack (${spelled}), ` +
      `but "${name}" is not an image of specs.yml (images: ${ctx.images.join(', ') || 'none'})` +
      (closest ? `; did you mean "${closest}"?` : ''),
    fix: closest
      ? `correct the name to "${closest}", or add "${name}" to specs.yml \`images:\``
      : name.includes('/')
        ? `name a stack image as ${spelled}/<image>, or add the image to specs.yml \`images:\``
        : `add "${name}" to specs.yml \`images:\`, or correct the name`,
  };
}

/** How a use writes its tag, in words: a digest, a fixed tag, a tag from inside an ARG's value, or none. */
function writtenTag(use: ImageUse): string {
  const raw = splitRawReference(use.text.raw);
  const value = splitRawReference(use.expansion.value);
  if (raw.digest !== undefined) return `digest "@${raw.digest}"`;
  if (raw.tag !== undefined) return `tag "${raw.tag}"`;
  if (value.digest !== undefined) return `digest "@${value.digest}" from the value of its build args`;
  if (value.tag !== undefined) return `tag "${value.tag}" from the value of its build args`;
  return 'no tag (Docker would use "latest")';
}

/**
 * A stack parent whose tag imagestack cannot set: a fixed tag, a digest, no tag, a tag made
 * of more than one part, or another stack image's `<NAME>_TAG`. The fix writes the line with
 * `:${<NAME>_TAG}` (keeping the repository as written when it visibly ends with the name).
 */
export function tagProblem(ctx: StackContext, use: ImageUse, name: string, declared: ReadonlySet<string>): Problem {
  const tagArg = tagArgName(name);
  const parts = splitRawReference(use.text.raw);
  // Keep the repository as written when it is visibly `<something>/<name>`; otherwise (e.g.
  // the whole reference comes from one variable) write the canonical form.
  const repository = parts.repository.endsWith(`/${name}`) ? parts.repository : `\${${REGISTRY_ARG}}/${name}`;
  const wanted = `${repository}:\${${tagArg}}`;
  const { lineText, column } = use.text;
  const start = column - 1;
  const fixedLine =
    lineText.slice(start, start + use.text.raw.length) === use.text.raw
      ? `${lineText.slice(0, start)}${wanted}${lineText.slice(start + use.text.raw.length)}`.trim()
      : use.text.instruction === 'FROM'
        ? `FROM ${wanted}`
        : use.text.instruction === 'COPY --from'
          ? `COPY --from=${wanted} …`
          : `RUN --mount=…,from=${wanted} …`;
  const missing = [tagArg, ...(wanted.includes(`\${${REGISTRY_ARG}}`) ? [REGISTRY_ARG] : [])].filter((a) => !declared.has(a));
  return {
    file: ctx.file,
    line: use.text.line,
    column: use.text.column,
    message:
      `${use.text.instruction} names stack image "${name}" with ${writtenTag(use)}; ` +
      `a parent's tag must be the build arg \${${tagArg}}, which imagestack sets to the tag it builds or finds for "${name}"`,
    fix:
      `write \`${fixedLine}\`` +
      (missing.length ? ` and declare ${missing.map((a) => `\`ARG ${a}\``).join(', ')} before the first FROM` : ''),
  };
}

/** One ARG used for two parents (or for a parent's tag and its reference): imagestack can pass it one value. */
export function argConflictProblem(
  ctx: StackContext,
  use: ImageUse,
  name: string,
  slot: ParentArg,
  before: { image: string; value: ParentArg['value']; use: ImageUse },
): Problem {
  const what = (image: string, value: ParentArg['value']) => (value === 'tag' ? `the tag of "${image}"` : `the reference of "${image}"`);
  return {
    file: ctx.file,
    line: use.text.line,
    column: use.text.column,
    message:
      `ARG ${slot.name} carries ${what(name, slot.value)} here, and ${what(before.image, before.value)} on line ${before.use.text.line}; ` +
      'imagestack passes one value per build arg',
    fix: `give this reference its own ARG, e.g. \`${slot.value === 'tag' ? `:\${${tagArgName(name)}}` : `ARG ${tagArgName(name).replace(/_TAG$/, '_IMAGE')}`}\` (declared before the first FROM)`,
  };
}

/**
 * `COPY --from=${REGISTRY}/x:${X_TAG}`: the edge is real, but the Docker engine does not
 * expand build args in `--from` (the classic builder takes the text literally, BuildKit
 * refuses it: moby/buildkit dockerfile2llb), so the build would fail. The fix is a stage.
 */
export function copyFromVariableProblem(ctx: StackContext, use: ImageUse, name: string): Problem {
  const stage = name.replace(/[^a-z0-9]/g, '-');
  return {
    file: ctx.file,
    line: use.text.line,
    column: use.text.column,
    message:
      `COPY --from=${use.text.raw} names stack image "${name}" through build args, ` +
      'but the Docker engine does not expand build args in COPY --from (the build would fail)',
    fix:
      `add a stage \`FROM \${${REGISTRY_ARG}}/${name}:\${${tagArgName(name)}} AS ${stage}\` ` +
      `before this line and write \`COPY --from=${stage} …\``,
  };
}

/** The name in `names` closest to `name` by edit distance, when at most 2 (ties: first in order). */
export function closestName(name: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of names) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

export { editDistance };
