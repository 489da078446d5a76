/**
 * The local names of one platform's image of a multi-platform entry (issue 14). Each platform's
 * image is built under a tag of its own in the engine, because a tag names one image there and
 * the classic builder takes a local tag as it is, whatever its platform (`BuildRequest.platform`):
 * - the engine's own platform keeps the entry's reference `<repository>:<tag>`, so `docker run`
 *   of the tag on the host runs the host's image, and its package manifest keeps today's name;
 * - any other platform gets `<repository>:<tag>-<os>-<architecture>[-<variant>]`
 *   (`…/base:1-abc1234-linux-arm64`).
 * "The engine" is the one holding the image: the run's, or a platform's own engine (`--engine`,
 * `engines.ts`, whose platform `docker info` gives), so an arm64 image on an arm64 engine keeps the
 * plain tag there. The package manifests' file names keep the run's engine's naming in any case.
 * In the registry the entry's tag names one image index of every platform (`publish.ts` in this folder).
 */
import { MAX_TAG_LENGTH } from '../../reference/reference';
import { tagReference } from '../../reference/repository';
import type { PlanEntry } from '../../plan/types';

/** Node's `process.arch` → the OCI architecture (Go's GOARCH names). */
const OCI_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/**
 * The platform of this machine, `linux/<architecture>`, taken as the engine's own (the engine
 * of DOCKER_HOST runs here; a remote engine of another architecture is not detected).
 */
export function hostPlatform(arch: string = process.arch): string {
  return `linux/${OCI_ARCH[arch] ?? arch}`;
}

/** The tag suffix of a platform: `linux/arm64` → `-linux-arm64`, `linux/arm/v7` → `-linux-arm-v7`. */
export function platformSuffix(platform: string): string {
  return `-${platform.replace(/\//g, '-')}`;
}

/**
 * The local tag of `platform`'s image of `e`: `e.tag` for the engine's own platform, else
 * `e.tag` + {@link platformSuffix} (the tag cut so that the whole stays within 128 characters).
 */
export function platformTag(e: Pick<PlanEntry, 'tag'>, platform: string, enginePlatform: string): string {
  if (platform === enginePlatform) return e.tag;
  const suffix = platformSuffix(platform);
  return `${e.tag.slice(0, MAX_TAG_LENGTH - suffix.length)}${suffix}`;
}

/** The local reference of `platform`'s image of `e` (`<qualified repository>:<platform tag>`). */
export function platformReference(e: Pick<PlanEntry, 'tag' | 'repository'>, platform: string, enginePlatform: string): string {
  return tagReference(e.repository, platformTag(e, platform, enginePlatform));
}

/**
 * The entry as one platform's gates see it: tag and reference are that platform's local ones,
 * so its package manifest files (`<tag>-linux-arm64.json`) sit beside the engine platform's
 * (`<tag>.json`) and a host test gets that platform's image in `IMAGESTACK_IMAGE`.
 */
export function platformEntry(e: PlanEntry, platform: string, enginePlatform: string): PlanEntry {
  if (platform === enginePlatform) return e;
  return { ...e, tag: platformTag(e, platform, enginePlatform), reference: platformReference(e, platform, enginePlatform) };
}
