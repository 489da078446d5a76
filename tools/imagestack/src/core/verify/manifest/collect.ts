/**
 * Running the package-list commands (dpkg, pip) in an image: for the previous tag of a
 * manifest diff, and for `package` checks when no manifest was made in this run.
 */
import { EngineError } from '../../errors';
import type { ContainerEngine } from '../../ports';
import type { ContainerRunOptions } from '../container';
import { runCommands } from '../run-commands';
import { DPKG_COMMAND, parseDpkgList, parsePipList, PIP_COMMAND, type Packages, type PipSource } from './packages';

/**
 * The dpkg and pip lists of `image`, from one container.
 *
 * @returns the lists and where the pip list came from
 * @throws EngineError when the engine fails, or when `dpkg-query` fails or times out (the
 *   image has no dpkg database: there is no list to compare)
 */
export async function collectPackages(
  docker: ContainerEngine,
  image: string,
  opts: ContainerRunOptions = {},
): Promise<{ packages: Packages; pipSource: PipSource }> {
  const { results } = await runCommands(docker, image, [DPKG_COMMAND, PIP_COMMAND], opts);
  const [dpkg, pip] = results;
  if (dpkg.exitCode !== 0) {
    throw new EngineError(
      `${DPKG_COMMAND.command} failed in ${image} (${dpkg.timedOut ? 'time limit' : `exit ${dpkg.exitCode}`}): ${dpkg.stderr.trim().split('\n').slice(-3).join(' ')}`,
    );
  }
  const parsed = parsePipList(pip.stdout);
  return { packages: { dpkg: parseDpkgList(dpkg.stdout), pip: parsed.packages }, pipSource: parsed.source };
}
