/**
 * Python package versions (PEP 440, "Version scheme"), for `package` checks that find the
 * package in the pip list: a thin layer over `@renovatebot/pep440` (a port of the
 * `packaging` library's `Version`), which parses and orders (epoch, release with trailing
 * zeros ignored, pre, post, dev, local). Pure, no I/O.
 */
import type { Pep440Version } from '@renovatebot/pep440';

/**
 * The package, required on first use: specs.yml is read (and its ranges checked) by every
 * command, but a range naming a Python version is rare, and the package's five modules cost
 * every run to load.
 */
function pep440(): typeof import('@renovatebot/pep440') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@renovatebot/pep440') as typeof import('@renovatebot/pep440');
}

export type { Pep440Version };

/**
 * Parses a PEP 440 version (normalizing spellings: `1.0alpha1` = `1.0a1`, `1.0-1` = `1.0.post1`).
 * @returns `undefined` when the text is not PEP 440 (e.g. a legacy version `2004d`)
 */
export function parsePep440(text: string): Pep440Version | undefined {
  return pep440().explain(text) ?? undefined;
}

/**
 * Compares two PEP 440 versions like `packaging.version.Version`: `1.0.dev0 < 1.0a1 <
 * 1.0rc1 < 1.0 = 1.0.0 < 1.0+local < 1.0.post1 < 1!0.5`.
 *
 * @returns -1, 0 or 1
 * @throws Error naming the text when either is not PEP 440
 */
export function comparePep440(a: string, b: string): number {
  const { compare, explain } = pep440();
  if (!explain(a)) throw new Error(`not a PEP 440 version: "${a}"`);
  if (!explain(b)) throw new Error(`not a PEP 440 version: "${b}"`);
  return Math.sign(compare(a, b)) || 0;
}
