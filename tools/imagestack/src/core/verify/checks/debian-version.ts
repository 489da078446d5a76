/**
 * Debian package versions (Debian Policy 5.6.12 "Version"): `[epoch:]upstream[-revision]`,
 * compared exactly as dpkg does (dpkg's lib/dpkg/version.c, `dpkg_version_compare` and
 * `verrevcmp`). Pure, no I/O.
 */

/** A parsed Debian version. */
export interface DebianVersion {
  /** The epoch; 0 when absent. */
  epoch: number;
  /** The upstream version (between the epoch's `:` and the last `-`). */
  upstream: string;
  /** The Debian revision (after the last `-`); `''` when absent (dpkg treats it as `0`). */
  revision: string;
  /** True when the text spelled an epoch (`1:…`). */
  hasEpoch: boolean;
  /** True when the text spelled a revision (a `-`). */
  hasRevision: boolean;
}

/**
 * Parses `[epoch:]upstream[-revision]`: the epoch is before the first `:` (digits), the
 * revision after the last `-`.
 *
 * @returns `undefined` when the text is not a version dpkg would accept: empty, a
 *   non-numeric epoch, an empty upstream part, an upstream part not starting with a
 *   digit, or characters outside `[A-Za-z0-9.+~:-]` (upstream) / `[A-Za-z0-9.+~]` (revision)
 */
export function parseDebianVersion(text: string): DebianVersion | undefined {
  const v = text.trim();
  if (v === '') return undefined;
  let rest = v;
  let epoch = 0;
  let hasEpoch = false;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const e = rest.slice(0, colon);
    if (!/^[0-9]+$/.test(e)) return undefined;
    epoch = Number(e);
    hasEpoch = true;
    rest = rest.slice(colon + 1);
  }
  let revision = '';
  let hasRevision = false;
  const dash = rest.lastIndexOf('-');
  if (dash >= 0) {
    revision = rest.slice(dash + 1);
    hasRevision = true;
    rest = rest.slice(0, dash);
    if (!/^[A-Za-z0-9.+~]*$/.test(revision) || revision === '') return undefined;
  }
  const upstream = rest;
  if (upstream === '' || !/^[0-9]/.test(upstream) || !/^[A-Za-z0-9.+~:-]+$/.test(upstream)) return undefined;
  return { epoch, upstream, revision, hasEpoch, hasRevision };
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z]$/.test(c);

/**
 * dpkg's `order()`: the weight of one character in a non-digit run. Letters sort by
 * ASCII before every non-letter; `~` sorts before everything, even the end of the part.
 */
function order(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (isAlpha(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

/**
 * dpkg's `verrevcmp`: compares two upstream parts (or two revisions) by alternating
 * non-digit runs (compared character by character with {@link order}) and digit runs
 * (compared as integers, leading zeros ignored, of any length).
 *
 * @returns negative, 0 or positive
 */
export function compareVersionPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

/**
 * Compares two Debian versions the way `dpkg --compare-versions` does: epoch (as a
 * number), then upstream, then revision (each with {@link compareVersionPart}). An absent
 * epoch is 0; an absent revision is empty, which equals `0` (`1.0` = `1.0-0`).
 *
 * Known orderings: `1.0~rc1 < 1.0 < 1.0+b1 < 1.0.1`, `1:0.9 > 2.0` (epoch), `1.24 <
 * 1:1.24.2-1+deb12u1`, `4:12.2.0-3 > 12`, `2.36-9+deb12u4 > 2.36-9`.
 *
 * @returns -1, 0 or 1
 * @throws Error naming the text when either is not a valid Debian version
 */
export function compareDebianVersions(a: string, b: string): number {
  const va = parseDebianVersion(a);
  const vb = parseDebianVersion(b);
  if (!va) throw new Error(`not a Debian version: "${a}"`);
  if (!vb) throw new Error(`not a Debian version: "${b}"`);
  return Math.sign(compareParsed(va, vb));
}

/** Compares parsed versions (epoch, upstream, revision); negative, 0 or positive. */
export function compareParsed(a: DebianVersion, b: DebianVersion): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  return compareVersionPart(a.upstream, b.upstream) || compareVersionPart(a.revision, b.revision);
}
