/**
 * What every step of one run shares: the stack, the selected entries, the ports, the
 * options that change what a step does, and what the run built so far. Made once by
 * `runPipeline` (or by a unit test, with fakes of the ports).
 */
import type { MarkerRegistry } from '../ci/markers';
import type { Stack } from '../graph/types';
import type { PlanEntry } from '../plan/types';
import type { AuthConfig, Clock, ImageEngine, RegistryCredentials, RegistryReader, RegistryWriter } from '../ports';
import type { PlatformEngine } from './platforms/engines';
import type { Gate, PipelineEvent } from './types';

/** The registry operations a run makes (reads, credentials, failure markers in CI, and the per-platform pushes of multi-platform images). */
export type RunRegistry = RegistryReader & RegistryCredentials & MarkerRegistry & Pick<RegistryWriter, 'pushImage'>;

/** The shared state of one run (see the module comment). */
export interface RunContext {
  stack: Stack;
  /** Every plan entry by key (`<image>@<version>`), with forced tags applied. */
  entries: Map<string, PlanEntry>;
  /** The keys this run works on (selected, and the ancestors they need). */
  needed: Set<string>;
  engine: ImageEngine;
  registry: RunRegistry;
  /** The engine's credentials for the stack's registry (pulls of parents, pushes). */
  auth: AuthConfig;
  clock: Clock;
  /** Folder for logs and reports, absolute. */
  outputDir: string;
  /** `org.opencontainers.image.source`, when known. */
  source?: string;
  /** `org.opencontainers.image.created` of an entry: its source commit's committer date (ISO 8601). */
  commitDate(e: PlanEntry): Promise<string>;
  options: {
    /** Build missing images (false: only use what the engine has). */
    build: boolean;
    push: boolean;
    pushDirty: boolean;
    force: boolean;
    /** Build without layer cache (`BuildRequest.noCache`; `refresh --packages`). */
    noCache?: boolean;
    gates: readonly Gate[];
    /** CI matrix mode: wait for parents another job builds. */
    waitForParents?: { timeoutMs: number; pollMs?: number };
    runId?: string;
    /**
     * CI platform job (issue 14, `platforms/matrix-jobs.ts`): the selected entries are filtered
     * to this one platform, whose image is pushed by digest with a digest record, no tag.
     */
    platformJob?: string;
    /** CI publish job (`platforms/matrix-jobs.ts`): build nothing; put each selected image's index from its platform jobs' records. */
    publishJob?: boolean;
    /**
     * BuildKit: give each build its previous tags and its parents as `--cache-from`, and the
     * planned commit whose history orders the previous tags (`steps/cache-from.ts`).
     */
    cacheFrom?: { head: string };
    /**
     * The builder is BuildKit (run.ts): a parent whose tag was in the registry at plan time (and
     * that the build names by no other spelling) is not pulled before the build, BuildKit takes
     * its layers from the registry as the build needs them (`steps/parents.ts`); versions of an
     * image whose parents have the same layers build one after the other (`steps/layers.ts`).
     */
    buildkit?: boolean;
    /** Build secrets resolved for the run, by image (ids and sources; see `specs/builder.ts`). */
    secrets?: ReadonlyMap<string, Array<{ id: string; env?: string; file?: string }>>;
  };
  /**
   * The engine's own platform (`os/architecture`, e.g. `linux/amd64`): a multi-platform entry's
   * image for it keeps the entry's tag locally (`platforms/names.ts`).
   */
  enginePlatform: string;
  /**
   * Per platform named by `--engine` / IMAGESTACK_ENGINES, the engine that builds, gates and
   * pushes that platform's images of multi-platform entries (`platforms/engines.ts`); a platform
   * without one uses `engine`.
   */
  platformEngines?: ReadonlyMap<string, PlatformEngine>;
  /** DOCKER_HOST of `engine` when it is not this process's (one platform's engine): host-side tests get it. */
  dockerHost?: string;
  emit(event: PipelineEvent): void;
  /**
   * Per key built in this run, the digest children name as `org.opencontainers.image.base.digest`:
   * the registry digest when pushed, else the image ID. Filled as images finish.
   */
  built: Map<string, string>;
}
