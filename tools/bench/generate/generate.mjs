/**
 * Generates a synthetic imagestack workspace: a git repository with specs.yml and
 * images/<name>/{Dockerfile,files/config.txt} for N images (see dag.mjs for the shape) and
 * a history of exactly M commits, written with ONE `git fast-import` stream (git-fast-import(1))
 * so 10,000 commits take seconds. Everything is derived from the seed: the same (N, M, seed)
 * gives the same files and, because author/committer dates are fixed, the same commit shas.
 *
 * History (after the root commit that adds everything), per step on main:
 * - 60 % edit an image's context (files/config.txt, or a Dockerfile RUN line 1 time in 5);
 * - 12 % change an image's entry in specs.yml by meaning (its build arg OPT);
 * - 10 % comment-only edit of an image's entry in specs.yml;
 * - 0.5 % change the newest version's stack-wide args (moves every tag of that version);
 * - 10.5 % edit docs/NOTES.md (an input of no image);
 * - 7 % a feature branch of 1–3 context edits, 0–2 more commits on main, then a merge
 *   commit (`--no-ff` style: first parent main, second parent the branch).
 * Images are picked with Zipf-like weights over a random ranking (a few hot images, a long
 * tail of cold ones that keep their root-commit source commit), roots 20× less often.
 *
 * The working tree also holds package.json and .gitignore (ignoring /nx.json, /node_modules,
 * /.nx, /.bench), so an Nx workspace can be made of it without touching tracked files.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dockerfile, makeDag } from './dag.mjs';
import { prng } from './prng.mjs';

/** Bump when the output for a given (N, M, seed) changes, so cached repositories are regenerated. */
export const GENERATOR_VERSION = 1;

const VERSIONS = ['2026.1', '2026.2'];
const T0 = 1_700_000_000;

/**
 * The files and the fast-import stream of a synthetic workspace (pure: no I/O).
 * @param {{ images: number, commits: number, seed: number }} o N ≥ 2, M ≥ 1
 * @returns {{ stream: string, dag: import('./dag.mjs').DagImage[], counts: Record<string, number> }}
 *   `counts`: commits by kind (root, context, dockerfile, specs-meaning, specs-comment,
 *   version-args, unrelated, branch, merge); they add up to M.
 */
export function buildHistory({ images: n, commits: m, seed }) {
  if (!(n >= 2) || !(m >= 1)) throw new Error(`need at least 2 images and 1 commit (got ${n} × ${m})`);
  const rand = prng(seed);
  const dag = makeDag(n, rand);

  // Zipf-like edit weights over a random ranking; roots rarely change.
  const rank = dag.map((_, i) => i);
  for (let i = rank.length - 1; i > 0; i--) {
    const j = rand.int(0, i);
    [rank[i], rank[j]] = [rank[j], rank[i]];
  }
  const cumulative = [];
  let acc = 0;
  dag.forEach((img, i) => {
    acc += (img.parent === null ? 0.05 : 1) / (rank[i] + 1) ** 1.1;
    cumulative.push(acc);
  });
  const hot = () => rand.weighted(cumulative);

  // State.
  const serial = dag.map(() => 0);
  const dfSerial = dag.map(() => 0);
  const specs = { versionArg: VERSIONS.map((_, k) => k + 1), entries: dag.map((_, i) => ({ opt: rand.chance(0.4) ? rand.int(1, 9) : null, comment: null })) };
  const entryText = specs.entries.map((_, i) => renderEntry(dag, specs, i));
  const renderSpecs = () =>
    [
      `# A generated stack: ${n} images, seed ${seed} (tools/bench/generate).`,
      'registry: 127.0.0.1:5000',
      'namespace: bench',
      '',
      'versions:',
      ...VERSIONS.flatMap((v, k) => [`  "${v}":`, `    args: { LEVEL: "${specs.versionArg[k]}" }`]),
      '',
      'images:',
      ...entryText,
      '',
    ].join('\n');
  const config = (i) => `# config of ${dag[i].name}\nrevision=${serial[i]}\n`;
  let notes = 0;

  const out = [];
  let mark = 0;
  let made = 0;
  const counts = { root: 0, context: 0, dockerfile: 0, 'specs-meaning': 0, 'specs-comment': 0, 'version-args': 0, unrelated: 0, branch: 0, merge: 0 };
  const data = (s) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  const file = (p, s) => `M 100644 inline ${p}\n${data(s)}`;
  const commit = (ref, msg, from, merge, files, kind) => {
    mark++;
    const t = T0 + made * 97;
    out.push(
      `commit ${ref}\nmark :${mark}\nauthor Bench <bench@example.invalid> ${t} +0000\ncommitter Bench <bench@example.invalid> ${t} +0000\n${data(msg)}`,
      from ? `from :${from}\n` : '',
      merge ? `merge :${merge}\n` : '',
      ...files.map(([p, s]) => file(p, s)),
      '\n',
    );
    made++;
    counts[kind]++;
    return mark;
  };

  // Root commit: everything.
  const rootFiles = [
    ['package.json', '{\n  "name": "bench-stack",\n  "private": true\n}\n'],
    ['.gitignore', '/nx.json\n/node_modules\n/.nx\n/.bench\n'],
    ['docs/NOTES.md', '# notes\n'],
    ['specs.yml', renderSpecs()],
  ];
  dag.forEach((img, i) => {
    rootFiles.push([`images/${img.name}/Dockerfile`, dockerfile(dag, i, 0)], [`images/${img.name}/files/config.txt`, config(i)]);
  });
  let main = commit('refs/heads/main', `initial stack of ${n} images\n`, 0, 0, rootFiles, 'root');

  /** One context edit of a hot image: [message, files, kind]. */
  const contextEdit = () => {
    const i = hot();
    if (rand.chance(0.2)) {
      dfSerial[i]++;
      return [`${dag[i].name}: Dockerfile revision ${dfSerial[i]}\n`, [[`images/${dag[i].name}/Dockerfile`, dockerfile(dag, i, dfSerial[i])]], 'dockerfile'];
    }
    serial[i]++;
    return [`${dag[i].name}: config revision ${serial[i]}\n`, [[`images/${dag[i].name}/files/config.txt`, config(i)]], 'context'];
  };

  while (made < m) {
    const r = rand.next();
    const left = m - made;
    if (r < 0.07 && left >= 3) {
      // Feature branch, a little more main, then the merge.
      const k = Math.min(rand.int(1, 3), left - 2);
      const changed = new Map();
      let tip = main;
      for (let j = 0; j < k; j++) {
        const [msg, files] = contextEdit();
        for (const [p, s] of files) changed.set(p, s);
        tip = commit('refs/heads/feature', `feature: ${msg}`, tip, 0, files, 'branch');
      }
      const between = Math.min(rand.int(0, 2), m - made - 1);
      for (let j = 0; j < between; j++) {
        const [msg, files, kind] = contextEdit();
        main = commit('refs/heads/main', msg, main, 0, files, kind);
      }
      // The merge takes the branch's version of every file it changed.
      main = commit('refs/heads/main', `Merge branch 'feature'\n`, main, tip, [...changed], 'merge');
    } else if (r < 0.67) {
      const [msg, files, kind] = contextEdit();
      main = commit('refs/heads/main', msg, main, 0, files, kind);
    } else if (r < 0.79) {
      const i = hot();
      const e = specs.entries[i];
      e.opt = e.opt === null ? rand.int(1, 9) : rand.chance(0.2) ? null : (e.opt % 9) + 1;
      entryText[i] = renderEntry(dag, specs, i);
      main = commit('refs/heads/main', `specs: ${dag[i].name} OPT=${e.opt}\n`, main, 0, [['specs.yml', renderSpecs()]], 'specs-meaning');
    } else if (r < 0.89) {
      const i = rand.int(0, n - 1);
      const e = specs.entries[i];
      e.comment = `note ${made}`;
      entryText[i] = renderEntry(dag, specs, i);
      main = commit('refs/heads/main', `specs: comment on ${dag[i].name}\n`, main, 0, [['specs.yml', renderSpecs()]], 'specs-comment');
    } else if (r < 0.895) {
      // Only the newest version moves: older versions are frozen, so their cold images keep
      // the root commit as source commit and the walk reads the whole history (worst case).
      const k = VERSIONS.length - 1;
      specs.versionArg[k]++;
      main = commit('refs/heads/main', `specs: version ${VERSIONS[k]} LEVEL=${specs.versionArg[k]}\n`, main, 0, [['specs.yml', renderSpecs()]], 'version-args');
    } else {
      notes++;
      main = commit('refs/heads/main', `docs: note ${notes}\n`, main, 0, [['docs/NOTES.md', `# notes\n\nedit ${notes}\n`]], 'unrelated');
    }
  }
  out.push('reset refs/heads/feature\nfrom 0000000000000000000000000000000000000000\n\n');
  return { stream: out.join(''), dag, counts };
}

/** One image entry of specs.yml (lines, indented under `images:`). */
function renderEntry(dag, specs, i) {
  const e = specs.entries[i];
  const name = dag[i].name;
  const lines = [];
  if (e.comment) lines.push(`  # ${name}: ${e.comment}`);
  if (e.opt === null) lines.push(`  ${name}: {}`);
  else lines.push(`  ${name}:`, `    args: { OPT: "${e.opt}" }`);
  return lines.join('\n');
}

/**
 * Writes the repository into `out` (created; must not hold a repository yet): `git init`,
 * one `git fast-import`, then a checkout of main.
 * @returns {{ dag, counts, head: string }} head = sha of main
 * @throws Error with git's stderr when a git command fails
 */
export function generateRepo({ images, commits, seed, out }) {
  const { stream, dag, counts } = buildHistory({ images, commits, seed });
  mkdirSync(out, { recursive: true });
  const git = (args, input) => {
    const r = spawnSync('git', args, { cwd: out, input, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${out}: ${r.stderr || r.error}`);
    return r.stdout.trim();
  };
  git(['init', '-q', '-b', 'main']);
  git(['config', 'user.name', 'Bench']);
  git(['config', 'user.email', 'bench@example.invalid']);
  git(['config', 'gc.auto', '0']);
  git(['fast-import', '--quiet', '--done'], `${stream}done\n`);
  git(['update-ref', '-d', 'refs/heads/feature']);
  git(['checkout', '-q', '-f', 'main']);
  return { dag, counts, head: git(['rev-parse', 'HEAD']) };
}
