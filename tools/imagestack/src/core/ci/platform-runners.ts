/**
 * The `runs-on` label of a CI matrix job that builds one platform (issue 14): a runner of that
 * architecture builds it natively, no emulation. Defaults are GitHub's hosted runners
 * (`ubuntu-latest` is x86-64; `ubuntu-24.04-arm` is GitHub's hosted arm64 runner, "GitHub-hosted
 * runners", standard runners for public repositories); `imagestack matrix --runner
 * <platform>=<label>` overrides one (a self-hosted label, a larger runner).
 */
import { InputError } from '../errors';

/** The default `runs-on` label per platform (`os/architecture[/variant]`). */
export const DEFAULT_RUNNERS: Readonly<Record<string, string>> = {
  'linux/amd64': 'ubuntu-latest',
  'linux/arm64': 'ubuntu-24.04-arm',
};

const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;
// GitHub labels: letters, digits, and - _ . (self-hosted labels are free text without commas).
const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Parses `--runner` values `<platform>=<label>` (the last one for a platform wins).
 *
 * @returns platform → label
 * @throws InputError naming the value and the expected shape
 */
export function parseRunnerFlags(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const platform = v.slice(0, eq).trim();
    const label = v.slice(eq + 1).trim();
    if (eq < 0 || !PLATFORM.test(platform) || !LABEL.test(label)) {
      throw new InputError({
        file: '--runner',
        message: `"${v}" is not <platform>=<runs-on label> (e.g. linux/arm64=ubuntu-24.04-arm)`,
        fix: 'pass --runner linux/arm64=<label of a runner of that architecture>',
      });
    }
    out[platform] = label;
  }
  return out;
}

/**
 * The `runs-on` label for `platform`: the override, else the default.
 *
 * @param image names the image in the error
 * @throws InputError when the platform has neither, naming the flag that fixes it
 */
export function runnerFor(platform: string, overrides: Readonly<Record<string, string>>, image: string): string {
  const label = overrides[platform] ?? DEFAULT_RUNNERS[platform];
  if (label) return label;
  throw new InputError({
    file: 'matrix',
    message: `image "${image}" is built for ${platform}, and there is no runner label for ${platform} (defaults: ${Object.entries(DEFAULT_RUNNERS)
      .map(([p, l]) => `${p}=${l}`)
      .join(', ')})`,
    fix: `name a runner of that architecture: imagestack matrix --runner ${platform}=<runs-on label>`,
  });
}
