import { describe, expect, it } from 'vitest';
import { specsMeaningChanges } from './meaning-changes';
import { SpecsBlob } from './specs-blob';
import { parseSpecsDocument } from './document';
import { outlineSpecs } from './outline';

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    chance: (p: number) => next() < p,
  };
}
type R = ReturnType<typeof rng>;

const IMAGES = ['base', 'python', 'scipy', 'gcc', 'r'];
const VERSIONS = ['2026.1', '2026.10', '2026.2'];

/** A value in one of several YAML spellings (some of which mean different things). */
function scalar(r: R, v: string): string {
  return r.pick([v, `"${v}"`, `'${v}'`, `${v} # note`]);
}

interface Model {
  top: string[];
  versions: Record<string, Record<string, string>>;
  images: Record<string, { args?: Record<string, string>; skip?: string[]; ver?: Record<string, Record<string, string>>; desc?: string; flow?: boolean }>;
  preamble: string;
  extra: string;
  /** Spelling seed per block: unchanged blocks render identically, a new seed respells one. */
  spell: Record<string, number>;
}

/** A PRNG for one block, fixed by the block's name, content and spelling seed. */
function blockRng(m: Model, key: string, content: unknown): R {
  const text = `${key}|${m.spell[key] ?? 0}|${JSON.stringify(content)}`;
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return rng(h);
}

function randomModel(r: R): Model {
  const versions: Model['versions'] = {};
  for (const v of VERSIONS) if (r.chance(0.85)) versions[v] = { VERSION: r.pick(['1', '3.10', '3.1', 'x']) };
  const images: Model['images'] = {};
  for (const name of IMAGES) {
    if (!r.chance(0.85)) continue;
    const e: Model['images'][string] = {};
    if (r.chance(0.6)) e.args = { PY: r.pick(['3.10', '3.1', 'a', "it's"]) };
    if (r.chance(0.3)) e.skip = [r.pick(VERSIONS)];
    if (r.chance(0.3)) e.ver = { [r.pick(VERSIONS)]: { X: r.pick(['1', '2']) } };
    if (r.chance(0.3)) e.desc = r.pick(['line one\n  fake: key\nother: "x', "don't\n'quoted' here", 'plain']);
    e.flow = r.chance(0.25);
    images[name] = e;
  }
  const top = ['registry', 'namespace', 'versions', 'images'];
  if (r.chance(0.5)) top.reverse();
  return {
    top,
    versions,
    images,
    preamble: r.pick(['', '# specs\n', '\n']),
    extra: r.pick(['', 'inputs:\n  - "shared/**"\n', 'source: https://x\n', 'broken: [unclosed\n', 'anchor: &a {x: 1}\n']),
    spell: {},
  };
}

function render(m: Model): string {
  const out: string[] = [m.preamble];
  for (const key of m.top) {
    let r = blockRng(m, key, key === 'versions' ? m.versions : key === 'images' ? Object.keys(m.images) : key);
    if (key === 'registry') out.push(`registry: ${scalar(r, 'r.example')}\n`);
    if (key === 'namespace') out.push(`namespace: ns\n`);
    if (key === 'versions') {
      out.push('versions:\n');
      for (const [v, args] of Object.entries(m.versions)) {
        const k = r.pick([v, `"${v}"`]);
        if (args.VERSION === undefined) {
          // A version with no args, in each spelling that means it.
          out.push(r.pick([`  ${k}: {}\n`, `  ${k}:\n`, `  ${k}: { args: {} }\n`, `  ${k}:\n    args: {}\n`]));
          continue;
        }
        out.push(
          r.chance(0.5)
            ? `  ${k}:\n    args:\n      VERSION: ${scalar(r, args.VERSION)}\n`
            : `  ${k}: { args: { VERSION: ${r.pick([args.VERSION, `"${args.VERSION}"`])} } }\n`,
        );
      }
    }
    if (key === 'images') {
      out.push(r.pick(['images:\n', 'images: # all\n']));
      const names = Object.keys(m.images);
      if (r.chance(0.3)) names.reverse();
      for (const name of names) {
        const e = m.images[name];
        r = blockRng(m, name, e);
        if (r.chance(0.2)) out.push(`  # about ${name}\n`);
        if (e.flow && !e.desc) {
          const parts: string[] = [];
          if (e.args) parts.push(`args: { PY: "${e.args.PY.replace(/'/g, "'")}" }`);
          if (e.skip) parts.push(`skip: [${e.skip.map((s) => `"${s}"`).join(', ')}]`);
          out.push(`  ${name}: {${parts.join(', ')}}\n`);
          continue;
        }
        out.push(`  ${r.pick([name, `"${name}"`])}:${Object.keys(e).length <= 1 && !e.args && !e.skip && !e.ver && !e.desc ? ' {}' : ''}\n`);
        if (e.args) out.push(`    args:\n      PY: ${e.args.PY.includes("'") ? `"${e.args.PY}"` : scalar(r, e.args.PY)}\n`);
        if (e.skip) out.push(r.chance(0.5) ? `    skip: [${e.skip.join(', ')}]\n` : `    skip:\n      - ${e.skip[0]}\n`);
        if (e.ver) {
          out.push('    versions:\n');
          for (const [v, a] of Object.entries(e.ver)) out.push(`      ${v}:\n        args: { X: ${a.X} }\n`);
        }
        if (e.desc) {
          out.push(
            r.chance(0.7)
              ? `    description: |\n${e.desc
                  .split('\n')
                  .map((l) => `      ${l}`)
                  .join('\n')}\n`
              : `    description: "${e.desc.replace(/\n/g, r.pick(['\n  ', '\n        '])).replace(/"/g, '')}"\n`,
          );
        }
      }
    }
  }
  out.push(m.extra);
  return out.join('');
}

function mutate(r: R, m: Model): Model {
  const c: Model = JSON.parse(JSON.stringify(m)) as Model;
  const names = Object.keys(c.images);
  if (r.chance(0.05)) c.extra = r.pick(['', 'broken: [unclosed\n', 'source: https://y\n']);
  // The stack-wide globs (part of every entry's meaning; `[]` means none).
  if (r.chance(0.1)) c.extra = r.pick(['inputs: []\n', 'inputs:\n  - "other/**"\n', 'inputs: ["shared/**"] # same\n']);
  // A version declared with no args, or removed.
  if (r.chance(0.1)) c.versions[r.pick(VERSIONS)] = {};
  if (r.chance(0.05)) delete c.versions[r.pick(VERSIONS)];
  switch (r.int(8)) {
    case 0: // respell one block (quoting, comments, flow or block style)
      c.spell[r.pick([...c.top, ...names])] = r.int(1000);
      break;
    case 1:
      if (names.length) c.images[r.pick(names)].args = { PY: r.pick(['3.10', '3.1', 'b']) };
      break;
    case 2:
      if (names.length) delete c.images[r.pick(names)];
      break;
    case 3:
      c.images[r.pick(IMAGES)] = {};
      break;
    case 4: {
      const v = r.pick(VERSIONS);
      c.versions[v] = { VERSION: r.pick(['1', '3.10', 'y']) };
      break;
    }
    case 5:
      if (names.length) c.images[r.pick(names)].skip = [r.pick(VERSIONS)];
      break;
    case 6:
      if (names.length) c.images[r.pick(names)].ver = { [r.pick(VERSIONS)]: { X: r.pick(['1', '2', '3']) } };
      break;
    case 7:
      if (names.length) c.images[r.pick(names)].desc = r.pick(['plain', 'other\n  text: x']);
      break;
  }
  return c;
}

function compare(a: string | undefined, b: string | undefined, fast: boolean, anchorOld = false) {
  const x = new SpecsBlob(a);
  const y = new SpecsBlob(b);
  if (anchorOld) x.full();
  const r = specsMeaningChanges(x, y, IMAGES, VERSIONS, () => true, { fast });
  return r === 'all' ? 'all' : r.map(([i, v]) => `${IMAGES[i]}@${VERSIONS[v]}`).sort();
}

describe('specsMeaningChanges', () => {
  it('the fast path agrees with whole-document parsing on random edits', () => {
    const r = rng(20260101);
    let fastTaken = 0;
    for (let n = 0; n < 500; n++) {
      const m = randomModel(r);
      const a = render(m);
      const b = render(mutate(r, m));
      const slow = compare(a, b, false);
      expect({ a, b, got: compare(a, b, true) }).toEqual({ a, b, got: slow });
      expect({ a, b, got: compare(a, b, true, true) }).toEqual({ a, b, got: slow });
      const x = new SpecsBlob(a);
      const y = new SpecsBlob(b);
      y.full();
      specsMeaningChanges(x, y, IMAGES, VERSIONS);
      if (!x.parsedWhole) fastTaken++;
    }
    expect(fastTaken).toBeGreaterThan(120);
  });

  it('treats a missing file as null and an unparseable one as everything', () => {
    expect(compare(undefined, 'images:\n  base: {}\n', true)).toEqual([
      'base@2026.1',
      'base@2026.10',
      'base@2026.2',
    ]);
    expect(compare('images:\n  base: {}\n', 'images: [\n', true)).toBe('all');
    expect(compare('images:\n  base: {}\n', 'images:\n  base: {}\n  base: {}\n', true)).toBe('all');
  });

  it('parses only the changed entry of a large simple specs.yml', () => {
    const entry = (i: number, py: string) => `  img${i}:\n    args:\n      PY: "${py}"\n    inputs: ['x/${i}/**']\n`;
    const head = `registry: r\nnamespace: n\nversions:\n  2026.1: { args: { V: "1" } }\nimages:\n`;
    const names = Array.from({ length: 1000 }, (_, i) => `img${i}`);
    const texts = [0, 1, 2, 3].map((k) => head + names.map((_, i) => entry(i, i === 500 + k ? 'new' : 'old')).join(''));
    const blobs = texts.map((t) => new SpecsBlob(t));
    blobs[0].full(); // the newest blob is parsed whole once
    for (let k = 1; k < 4; k++) {
      const changes = specsMeaningChanges(blobs[k], blobs[k - 1], names, ['2026.1']);
      expect(changes).toEqual(
        [500 + k - 1, 500 + k].sort((p, q) => p - q).map((i) => [i, 0]),
      );
      expect(blobs[k].parsedWhole).toBe(false);
    }
  });
});

describe('outlines derived from the next newer specs.yml', () => {
  /** A larger simple-ish specs.yml with the shapes history edits produce. */
  function bigSpecs(r: R, n: number) {
    const entries = Array.from({ length: n }, (_, i) => ({ name: `img${i}`, opt: r.chance(0.5) ? String(r.int(9)) : null, comment: null as string | null, desc: r.chance(0.1) }));
    const versions = { '2026.1': '1', '2026.2': '2' };
    return { entries, versions, tail: '' };
  }
  type Big = ReturnType<typeof bigSpecs>;
  function renderBig(m: Big): string {
    const out = ['# big\nregistry: r\nnamespace: n\nversions:\n'];
    for (const [v, l] of Object.entries(m.versions)) out.push(`  "${v}":\n    args: { LEVEL: "${l}" }\n`);
    out.push('images:\n');
    for (const e of m.entries) {
      if (e.opt === null && !e.desc) out.push(`  ${e.name}: {}\n`);
      else {
        out.push(`  ${e.name}:\n`);
        if (e.opt !== null) out.push(`    args: { OPT: "${e.opt}" }\n`);
        if (e.desc) out.push(`    description: |\n      text\n      # not a comment ${e.opt}\n`);
      }
      if (e.comment) out.push(e.comment);
    }
    out.push(m.tail);
    return out.join('');
  }
  function mutateBig(r: R, m: Big): Big {
    const c = JSON.parse(JSON.stringify(m)) as Big;
    const i = r.int(c.entries.length);
    switch (r.int(10)) {
      case 0:
      case 1:
        c.entries[i].opt = r.chance(0.2) ? null : String(r.int(9));
        break;
      case 2:
      case 3:
        c.entries[i].comment = r.pick([`  # note ${r.int(99)}\n`, `# top-level comment\n`, `\n`, `      # deep ${r.int(9)}\n`, null]);
        break;
      case 4:
        c.entries.splice(i, 0, { name: `new${r.int(1000)}`, opt: null, comment: null, desc: false });
        break;
      case 5:
        if (c.entries.length > 2) c.entries.splice(i, 1);
        break;
      case 6:
        c.versions['2026.2'] = String(r.int(5));
        break;
      case 7:
        c.entries[i].desc = !c.entries[i].desc;
        break;
      case 8:
        c.entries[i].comment = r.pick(['\tbad: tab\n', 'oops: top level\n', '  img0: {}\n', '    x: [open\n', '    y: "q\n']);
        break;
      case 9:
        c.tail = r.pick(['', 'source: https://x\n', 'broken: [\n']);
        break;
    }
    return c;
  }
  const shape = (o: ReturnType<SpecsBlob['outline']>) =>
    o && { top: [...o.top], imagesHeader: o.imagesHeader, entries: [...o.entries], names: o.layout.names, starts: o.layout.starts };

  it('equal the outline of the whole text, and give the same changes as whole-document parsing', () => {
    const r = rng(7);
    let derived = 0;
    for (let run = 0; run < 20; run++) {
      let m = bigSpecs(r, 30);
      const texts = [renderBig(m)];
      for (let k = 0; k < 20; k++) texts.push(renderBig((m = mutateBig(r, m))));
      texts.reverse(); // newest first, as the history walk sees them
      const fastBlobs = texts.map((t) => new SpecsBlob(t));
      const names = [...new Set(texts.flatMap((t) => [...t.matchAll(/^ {2}((?:img|new)\d+):/gm)].map((x) => x[1])))];
      const versions = ['2026.1', '2026.2'];
      for (let k = 1; k < texts.length; k++) {
        const fast = specsMeaningChanges(fastBlobs[k], fastBlobs[k - 1], names, versions);
        const slow = specsMeaningChanges(new SpecsBlob(texts[k]), new SpecsBlob(texts[k - 1]), names, versions, () => true, { fast: false });
        expect({ a: texts[k], b: texts[k - 1], got: fast }).toEqual({ a: texts[k], b: texts[k - 1], got: slow });
        const viaNewer = new SpecsBlob(texts[k]).outlineAgainst(new SpecsBlob(texts[k - 1]));
        expect(shape(viaNewer)).toEqual(shape(new SpecsBlob(texts[k]).outline()));
        // From the tokens the loader's parse read (Specs.outline): the same outline.
        expect(shape(outlineSpecs(texts[k], parseSpecsDocument(texts[k], { lexemes: true }).lexemes))).toEqual(shape(outlineSpecs(texts[k])));
        if (viaNewer?.layout.derived) derived++;
      }
    }
    expect(derived).toBeGreaterThan(80);
  });
});
