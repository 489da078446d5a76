/**
 * Version ranges of `package` checks: `>=1.24`, `<2`, `>=1.24 <2`, `=1.2.3-1`, `!=2.0`.
 * Pure, no I/O.
 *
 * A range is one or more comparisons separated by spaces (or commas), all of which must
 * hold. Operators: `>=`, `>`, `<=`, `<`, `=` (also `==`), `!=`. A bare version is an error
 * (write `=1.2.3` for an exact version).
 *
 * Packages found in the dpkg list are compared with dpkg's algorithm
 * ({@link compareDebianVersions}), and a bound is compared with only the parts it spells:
 * - no epoch in the bound → the installed version's epoch is ignored, so `>=1.24` accepts
 *   `1:1.24.2-1+deb12u1` (numpy) and `>=12` accepts `4:12.2.0-3` (gcc);
 * - no revision in the bound (no `-`) → the installed revision is ignored too, so `=1.2.3`
 *   accepts `1.2.3-1`, and `<=1.2.3` accepts `1.2.3-5`.
 * Packages found in the pip list are compared as PEP 440 versions (`1.0rc1 < 1.0`), falling
 * back to dpkg's algorithm on the whole text when either side is not PEP 440.
 */
import { compareParsed, compareVersionPart, parseDebianVersion, type DebianVersion } from './debian-version';
import { comparePep440, parsePep440 } from './pep440';

/** A comparison operator of a range. */
export type RangeOperator = '>=' | '>' | '<=' | '<' | '=' | '!=';

/** One comparison: `op version`. */
export interface Comparison {
  op: RangeOperator;
  version: string;
}

/** A parsed range: every comparison must hold. */
export interface VersionRange {
  /** The range as written. */
  text: string;
  comparisons: Comparison[];
}

/** Where a package version came from: decides the comparison algorithm. */
export type VersionScheme = 'dpkg' | 'pip';

/**
 * Parses a range such as `>=1.24 <2`.
 *
 * @throws Error with a one-line reason and the fix when the text is not a range: empty,
 *   a comparison without operator, or a version that is neither a Debian nor a PEP 440 version
 */
export function parseVersionRange(text: string): VersionRange {
  const tokens = text.trim().split(/[\s,]+/).filter((t) => t !== '');
  if (tokens.length === 0) throw new Error('the version range is empty; write e.g. ">=1.24" or ">=1.24 <2"');
  const comparisons: Comparison[] = [];
  for (let i = 0; i < tokens.length; i++) {
    let tok = tokens[i];
    // Allow a space after the operator: ">= 1.24".
    if (/^(>=|<=|==|!=|>|<|=)$/.test(tok) && i + 1 < tokens.length) tok += tokens[++i];
    const m = /^(>=|<=|==|!=|>|<|=)(.+)$/.exec(tok);
    if (!m) {
      throw new Error(`"${tok}" in version range "${text}" has no operator; write "=${tok}" for exactly that version, or ">=${tok}"`);
    }
    const version = m[2];
    if (!parseDebianVersion(version) && !parsePep440(version)) {
      throw new Error(`"${version}" in version range "${text}" is not a version (expected e.g. 1.24, 1:1.24.2-1, 2.0rc1)`);
    }
    comparisons.push({ op: (m[1] === '==' ? '=' : m[1]) as RangeOperator, version });
  }
  return { text: text.trim(), comparisons };
}

/**
 * Compares an installed version with a bound (see the module comment for which parts
 * of a dpkg version are compared).
 *
 * @returns negative, 0 or positive (installed vs bound)
 */
export function compareToBound(installed: string, bound: string, scheme: VersionScheme): number {
  if (scheme === 'pip') {
    if (parsePep440(installed) && parsePep440(bound)) return comparePep440(installed, bound);
    return compareVersionPart(installed, bound);
  }
  const a = parseDebianVersion(installed);
  const b = parseDebianVersion(bound);
  if (!a || !b) return compareVersionPart(installed, bound);
  const inst: DebianVersion = {
    ...a,
    epoch: b.hasEpoch ? a.epoch : 0,
    revision: b.hasRevision ? a.revision : '',
  };
  return compareParsed(inst, b);
}

/** True when `installed` satisfies every comparison of `range`. */
export function satisfies(installed: string, range: VersionRange, scheme: VersionScheme): boolean {
  return range.comparisons.every(({ op, version }) => {
    const c = compareToBound(installed, version, scheme);
    switch (op) {
      case '>=':
        return c >= 0;
      case '>':
        return c > 0;
      case '<=':
        return c <= 0;
      case '<':
        return c < 0;
      case '=':
        return c === 0;
      case '!=':
        return c !== 0;
    }
  });
}
