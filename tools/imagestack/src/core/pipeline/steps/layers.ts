/**
 * Layers shared across versions (issue 13, item 5). imagestack's labels are per version
 * (`org.opencontainers.image.version`, `io.imagestack.version`, …) and go into each image
 * as one `LABEL`, the build's last step (engine/context.ts). So two versions of `base` built
 * from the same inputs are the same image up to that step, and differ only by it. A child
 * built `FROM` the labelled parent therefore starts, in each version, from a different
 * image, and the classic builder (whose cache key is the parent image ID plus the
 * instruction) runs every step of the child once per version.
 *
 * Here a child is built on the parent's image *before* its label step instead: the
 * parent's layers and configuration without imagestack's labels, the same image ID in every
 * version whose inputs are the same. For the length of the child's build that image gets a
 * tag in the parent's repository, `unlabelled-<12 hex of its ID>` (content-addressed, so
 * both versions name it alike even where a Dockerfile uses the tag arg inside a stage), and
 * the parent's tag arg is set to it. The child's own label step sets every imagestack label
 * again, with `org.opencontainers.image.base.name`/`base.digest` naming the parent's exact
 * tag and image (promise 3; labels.ts), whose layers are the ones the child is built on.
 *
 * The unlabelled image is the labelled one's `Parent`, which the engine knows for images
 * the classic builder made; a parent pulled from the registry (or built by BuildKit) has
 * none, and the child is built on the labelled parent as before.
 *
 * Builds of the same image whose parents resolve to the same images run one after the
 * other (a lane per image and parent images): two versions started at once would both miss
 * the cache and run every step twice; one after the other, the second takes the first's
 * layers from the cache. BuildKit keys a base image's cache by its layers (the chain ID of
 * the config's `rootfs`), not by its configuration, so with BuildKit (`options.buildkit`) the
 * lane is per image and parent *layers*: two versions whose parents differ only in their labels
 * (every version of `python` built on `base`) share a lane, and the second version's steps come
 * from the first's cache (`CACHED`) instead of running at the same time.
 */
import type { ImageEngine } from '../../ports';
import { formatReference, parseReference } from '../../reference/reference';
import { nodeKey } from '../../tags/tag';
import type { RunContext } from '../context';
import type { PlanEntry } from '../../plan/types';
import type { StepLog } from '../../engine/log';

/** The label every image imagestack builds carries; its absence below a labelled image means that image is unlabelled. */
const VERSION_LABEL = 'io.imagestack.version';

/**
 * The image ID of `reference`'s image before imagestack's label step: its `Parent`, when
 * `reference` is an image imagestack labelled and that parent carries no imagestack label
 * (so it was itself built on unlabelled parents); undefined otherwise (pulled, loaded, built
 * by BuildKit, or built before labels were kept out of the layers children share).
 */
export async function unlabelledImage(engine: Pick<ImageEngine, 'inspectImage'>, reference: string): Promise<string | undefined> {
  const image = await engine.inspectImage(reference);
  if (!image?.parent || image.labels[VERSION_LABEL] === undefined) return undefined;
  const parent = await engine.inspectImage(image.parent);
  return parent && parent.labels[VERSION_LABEL] === undefined ? parent.id : undefined;
}

/**
 * What a BuildKit build on `reference` is cached by: its layers (`layers <diff IDs>`), or the
 * reference itself when the engine does not have it (a parent BuildKit takes from the registry).
 */
async function layersKey(engine: Pick<ImageEngine, 'inspectImage'>, reference: string): Promise<string> {
  const layers = (await engine.inspectImage(reference))?.layers;
  return layers?.length ? `layers ${layers.join(' ')}` : reference;
}

/** The tag `unlabelled-<12 hex of imageId>` and its reference in `reference`'s repository. */
export function unlabelledReference(reference: string, imageId: string): { tag: string; reference: string } {
  const ref = parseReference(reference)!;
  const tag = `unlabelled-${imageId.replace(/^sha256:/, '').slice(0, 12)}`;
  return { tag, reference: formatReference({ registry: ref.registry, path: ref.path, tag }) };
}

/** Tags in use by builds of this process, with how many builds use each (the last one removes it). */
const inUse = new Map<string, number>();
/** Per run, the lanes: lane key → the promise of the last build queued in it. */
const lanes = new WeakMap<RunContext, Map<string, Promise<void>>>();

/**
 * Runs `build` with the parents of `e` resolved to their unlabelled images where the engine
 * has them (tagged for the length of the build, then untagged), in the lane of `e`'s image
 * and parent images (see the module comment). Never removes anything but the tags it added.
 *
 * @param buildArgs the build args, with the parents' tag args (`<PARENT>_TAG` → tag) as the pull step resolved them
 * @param onWait called when the build waits for another version's build of the same image
 * @param idle how to wait for it (default: plain await); the scheduler's lets another image start meanwhile
 * @param build receives `buildArgs` with each parent's args (`ParentRef.args`) set to its `unlabelled-…` tag, or that tag's reference, where there is one
 * @throws whatever `build` throws; EngineError when a tag cannot be added
 */
export async function withSharedLayers<T>(
  run: RunContext,
  e: PlanEntry,
  buildArgs: Record<string, string>,
  log: StepLog,
  onWait: (detail: string) => void,
  idle: (<W>(until: Promise<W>) => Promise<W>) | undefined,
  build: (buildArgs: Record<string, string>) => Promise<T>,
): Promise<T> {
  const node = run.stack.images.get(e.image)!;
  const args = { ...buildArgs };
  const tags: string[] = [];
  const from: string[] = [];
  try {
    for (const p of node.parents) {
      const reference = run.entries.get(nodeKey(p.image, e.version))!.reference;
      const id = await unlabelledImage(run.engine, reference);
      if (!id) {
        from.push(run.options.buildkit ? await layersKey(run.engine, reference) : reference);
        continue;
      }
      const side = unlabelledReference(reference, id);
      // The parent's own name, and each other spelling of it the Dockerfile uses (ParentRef.aliases).
      for (const name of [side.reference, ...p.aliases.map((alias) => `${alias}:${side.tag}`)]) {
        inUse.set(name, (inUse.get(name) ?? 0) + 1);
        tags.push(name);
        await run.engine.tagImage(id, name);
      }
      for (const a of p.args) args[a.name] = a.value === 'tag' ? side.tag : side.reference;
      from.push(id);
      log.line(`building on ${p.image}'s layers without its labels: ${id} (tagged ${side.reference} for this build; ${reference} is the labelled image)`);
    }
    return await inLane(run, `${e.image}\n${from.join('\n')}`, e, log, onWait, idle, () => build(args));
  } finally {
    for (const side of tags) {
      const left = inUse.get(side)! - 1;
      if (left > 0) inUse.set(side, left);
      else {
        inUse.delete(side);
        await run.engine.untagImage(side);
      }
    }
  }
}

/** Runs `fn` after every earlier build queued in lane `key` of `run` has ended (either way). */
async function inLane<T>(
  run: RunContext,
  key: string,
  e: PlanEntry,
  log: StepLog,
  onWait: (detail: string) => void,
  idle: (<W>(until: Promise<W>) => Promise<W>) | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  const runLanes = lanes.get(run) ?? lanes.set(run, new Map()).get(run)!;
  const before = runLanes.get(key);
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  runLanes.set(key, (before ?? Promise.resolve()).then(() => mine));
  try {
    if (before) {
      const detail = `waiting for another version's build of ${e.image} on the same parent images (its layers are this build's cache)`;
      log.line(detail);
      onWait(detail);
      await (idle ? idle(before) : before);
    }
    return await fn();
  } finally {
    done();
  }
}
