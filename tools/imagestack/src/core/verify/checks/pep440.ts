/**
 * Python package versions (PEP 440, "Version scheme"), for `package` checks that find the
 * package in the pip list. Ordering follows the `packaging` library's `Version` (epoch,
 * release with trailing zeros ignored, pre, post, dev, local). Pure, no I/O.
 */

/** A parsed PEP 440 version. */
export interface Pep440Version {
  epoch: number;
  /** Release numbers, trailing zeros removed (`1.0.0` → `[1]`). */
  release: number[];
  /** `a`, `b` or `rc` and its number. */
  pre?: [string, number];
  post?: number;
  dev?: number;
  /** Local label segments (`+ubuntu.1` → `['ubuntu', 1]`). */
  local?: Array<string | number>;
}

// PEP 440 appendix "Parsing version strings with regular expressions" (packaging's VERSION_PATTERN).
const PATTERN = new RegExp(
  '^\\s*v?' +
    '(?:(?<epoch>[0-9]+)!)?' +
    '(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?' +
    '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\\s*$',
  'i',
);

/**
 * Parses a PEP 440 version (normalizing spellings: `1.0alpha1` = `1.0a1`, `1.0-1` = `1.0.post1`).
 * @returns `undefined` when the text is not PEP 440 (e.g. a legacy version `2004d`)
 */
export function parsePep440(text: string): Pep440Version | undefined {
  const m = PATTERN.exec(text);
  if (!m?.groups) return undefined;
  const g = m.groups;
  const release = g.release.split('.').map(Number);
  while (release.length > 1 && release[release.length - 1] === 0) release.pop();
  const v: Pep440Version = { epoch: g.epoch ? Number(g.epoch) : 0, release };
  if (g.pre_l) {
    const l = g.pre_l.toLowerCase();
    const label = l === 'alpha' || l === 'a' ? 'a' : l === 'beta' || l === 'b' ? 'b' : 'rc';
    v.pre = [label, g.pre_n ? Number(g.pre_n) : 0];
  }
  if (g.post) v.post = Number(g.post_n1 ?? g.post_n2 ?? 0);
  if (g.dev) v.dev = g.dev_n ? Number(g.dev_n) : 0;
  if (g.local) v.local = g.local.toLowerCase().split(/[-_.]/).map((s) => (/^[0-9]+$/.test(s) ? Number(s) : s));
  return v;
}

const PRE_ORDER: Record<string, number> = { a: 0, b: 1, rc: 2 };

function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compares two PEP 440 versions like `packaging.version.Version`: `1.0.dev0 < 1.0a1 <
 * 1.0rc1 < 1.0 = 1.0.0 < 1.0+local < 1.0.post1 < 1!0.5`.
 *
 * @returns -1, 0 or 1
 * @throws Error naming the text when either is not PEP 440
 */
export function comparePep440(a: string, b: string): number {
  const va = parsePep440(a);
  const vb = parsePep440(b);
  if (!va) throw new Error(`not a PEP 440 version: "${a}"`);
  if (!vb) throw new Error(`not a PEP 440 version: "${b}"`);
  return comparePep440Parsed(va, vb);
}

/** {@link comparePep440} on parsed versions. */
export function comparePep440Parsed(a: Pep440Version, b: Pep440Version): number {
  if (a.epoch !== b.epoch) return cmp(a.epoch, b.epoch);
  for (let i = 0; i < Math.max(a.release.length, b.release.length); i++) {
    const c = cmp(a.release[i] ?? 0, b.release[i] ?? 0);
    if (c) return c;
  }
  // pre: a dev-only release sorts before any pre-release; no pre sorts after every pre.
  const preKey = (v: Pep440Version): [number, number] =>
    v.pre ? [PRE_ORDER[v.pre[0]], v.pre[1]] : v.post === undefined && v.dev !== undefined ? [-Infinity, 0] : [Infinity, 0];
  const [pa, pan] = preKey(a);
  const [pb, pbn] = preKey(b);
  if (pa !== pb) return cmp(pa, pb);
  if (pan !== pbn) return cmp(pan, pbn);
  const c1 = cmp(a.post ?? -Infinity, b.post ?? -Infinity);
  if (c1) return c1;
  const c2 = cmp(a.dev ?? Infinity, b.dev ?? Infinity);
  if (c2) return c2;
  // local: absent sorts first; segments: numbers after strings, numbers numerically.
  if (!a.local || !b.local) return cmp(a.local ? 1 : 0, b.local ? 1 : 0);
  for (let i = 0; i < Math.max(a.local.length, b.local.length); i++) {
    const x = a.local[i];
    const y = b.local[i];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    if (typeof x !== typeof y) return typeof x === 'number' ? 1 : -1;
    const c = typeof x === 'number' ? cmp(x, y as number) : x < (y as string) ? -1 : x > (y as string) ? 1 : 0;
    if (c) return c;
  }
  return 0;
}
