/**
 * The table "what moves a tag and what does not" of the README ("How tags are computed"),
 * one row each, against real temporary git repositories: commit c1 holds the stack, c2
 * makes the row's change, and the walk from c2 must give exactly the listed nodes c2 as
 * their source commit (every other node keeps c1).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { makeStack, removeTempDirs, TestRepo, workspaceFiles, type StackDef } from '../git/__fixtures__/test-repo';
import { computeSourceCommits } from './source-commits';

afterAll(removeTempDirs);

/** a → b, and an unrelated c. */
const IMAGES: StackDef['images'] = { a: {}, b: { parents: ['a'], args: { PY: '3.11' } }, c: {} };

const VERSION_1 = `  "2026.1":\n    args: { VERSION: "2026.1" }\n`;
const VERSION_2 = `  "2026.2":\n    args: { VERSION: "2026.2" }\n`;

/** specs.yml of the test stack; the parts a row changes are parameters. */
function specs(p: { top?: string; versions?: string; a?: string; b?: string; c?: string } = {}): string {
  return (
    `registry: 127.0.0.1:5000\nnamespace: test\n${p.top ?? ''}` +
    `versions:\n${p.versions ?? VERSION_1 + VERSION_2}` +
    `images:\n  a: ${p.a ?? '{}'}\n  b:\n    args: { PY: "${p.b ?? '3.11'}" }\n  c: ${p.c ?? '{}'}\n`
  );
}

interface Row {
  /** The README row. */
  change: string;
  /** specs.yml at c1 (default {@link specs}()). */
  before?: string;
  /** Files written at c2 (specs.yml included when the row edits it). */
  files: Record<string, string>;
  /** The stack as HEAD (c2) declares it, when not IMAGES with two versions. */
  head?: Partial<StackDef>;
  /** Node keys whose source commit becomes c2. */
  moves: string[];
}

const both = (...images: string[]) => images.flatMap((i) => [`${i}@2026.1`, `${i}@2026.2`]);
const GLOB = `["scripts/common/**"]`;

const ROWS: Row[] = [
  { change: 'context file edit', files: { 'images/c/setup.sh': 'echo' }, moves: both('c') },
  { change: 'Dockerfile edit', files: { 'images/b/Dockerfile': 'FROM x\nRUN changed\n' }, moves: both('b') },
  { change: 'parent’s move (an ancestor’s input changed)', files: { 'images/a/setup.sh': 'echo' }, moves: both('a', 'b') },
  { change: 'file outside all inputs', files: { 'docs/notes.md': 'x', 'images.txt': 'x' }, moves: [] },
  { change: 'comment-only specs.yml edit', files: { 'specs.yml': `# the stack\n${specs()}  # end\n` }, moves: [] },
  {
    change: 'reorder of keys (and quoting style)',
    files: {
      'specs.yml':
        `images:\n  c: {}\n  'b': { args: { 'PY': 3.11 } }\n  a: {}\nversions:\n  '2026.2': { args: { VERSION: '2026.2' } }\n` +
        `  "2026.1": { args: { VERSION: "2026.1" } }\nnamespace: test\nregistry: 127.0.0.1:5000\n`,
    },
    moves: [],
  },
  { change: 'args change', files: { 'specs.yml': specs({ b: '3.12' }) }, moves: both('b') },
  {
    change: 'args change in an image’s versions."<v>"',
    files: { 'specs.yml': specs({ c: `{ versions: { "2026.2": { args: { X: "1" } } } }` }) },
    moves: ['c@2026.2'],
  },
  {
    change: 'args change in the top-level versions."<v>"',
    files: { 'specs.yml': specs({ versions: `  "2026.1":\n    args: { VERSION: "2026.1b" }\n${VERSION_2}` }) },
    moves: ['a@2026.1', 'b@2026.1', 'c@2026.1'],
  },
  {
    change: 'skip of a version added',
    files: { 'specs.yml': specs({ c: `{ skip: ["2026.2"] }` }) },
    head: { images: { ...IMAGES, c: { skip: ['2026.2'] } } },
    moves: [],
  },
  { change: 'skip of a version removed', before: specs({ c: `{ skip: ["2026.2"] }` }), files: { 'specs.yml': specs() }, moves: ['c@2026.2'] },
  { change: 'empty args added (`args: {}`)', files: { 'specs.yml': specs({ a: '{ args: {} }' }) }, moves: [] },
  {
    change: 'empty args added to a version (`"2026.1": { args: {} }` for `"2026.1": {}`)',
    before: specs({ versions: `  "2026.1": {}\n${VERSION_2}` }),
    files: { 'specs.yml': specs({ versions: `  "2026.1": { args: {} }\n${VERSION_2}` }) },
    moves: [],
  },
  { change: 'context: set to the default folder (`context: ./images/c/`)', files: { 'specs.yml': specs({ c: '{ context: ./images/c/ }' }) }, moves: [] },
  { change: 'empty inputs added (`inputs: []`, image)', files: { 'specs.yml': specs({ c: '{ inputs: [] }' }) }, moves: [] },
  { change: 'empty inputs added (`inputs: []`, stack-wide)', files: { 'specs.yml': specs({ top: 'inputs: []\n' }) }, moves: [] },
  {
    change: 'empty per-version section added',
    files: { 'specs.yml': specs({ c: `{ versions: { "2026.1": {}, "2026.2": { args: {} } } }` }) },
    moves: [],
  },
  {
    change: 'inputs glob added (image)',
    files: { 'specs.yml': specs({ c: `{ inputs: ${GLOB} }` }) },
    head: { images: { ...IMAGES, c: { inputs: ['scripts/common/**'] } } },
    moves: both('c'),
  },
  {
    change: 'a file matching an image’s glob',
    before: specs({ c: `{ inputs: ${GLOB} }` }),
    files: { 'scripts/common/env.sh': 'export X=2\n' },
    head: { images: { ...IMAGES, c: { inputs: ['scripts/common/**'] } } },
    moves: both('c'),
  },
  {
    change: 'a file matching a stack-wide glob',
    before: specs({ top: `inputs: ${GLOB}\n` }),
    files: { 'scripts/common/env.sh': 'export X=2\n' },
    head: { inputs: ['scripts/common/**'] },
    moves: both('a', 'b', 'c'),
  },
  { change: 'inputs glob removed (image)', before: specs({ c: `{ inputs: ${GLOB} }` }), files: { 'specs.yml': specs() }, moves: both('c') },
  {
    change: 'inputs glob added (stack-wide), matching a file committed before',
    files: { 'specs.yml': specs({ top: `inputs: ${GLOB}\n` }) },
    head: { inputs: ['scripts/common/**'] },
    moves: both('a', 'b', 'c'),
  },
  {
    change: 'inputs glob removed (stack-wide)',
    before: specs({ top: `inputs: ${GLOB}\n` }),
    files: { 'specs.yml': specs() },
    moves: both('a', 'b', 'c'),
  },
  {
    change: 'version added with args',
    before: specs({ versions: VERSION_1 }),
    files: { 'specs.yml': specs() },
    moves: ['a@2026.2', 'b@2026.2', 'c@2026.2'],
  },
  {
    change: 'version added without args (`"2026.2": {}`)',
    before: specs({ versions: VERSION_1 }),
    files: { 'specs.yml': specs({ versions: `${VERSION_1}  "2026.2": {}\n` }) },
    moves: ['a@2026.2', 'b@2026.2', 'c@2026.2'],
  },
  {
    change: 'version removed',
    before: specs({ versions: `${VERSION_1}${VERSION_2}  "2026.3": {}\n` }),
    files: { 'specs.yml': specs() },
    moves: [],
  },
];

describe('what moves a tag (README, "How tags are computed")', () => {
  it.each(ROWS.map((r) => [r.change, r] as const))('%s', async (_, row) => {
    const repo = TestRepo.create();
    const c1 = repo.commit('c1', {
      ...workspaceFiles({ images: IMAGES }),
      'specs.yml': row.before ?? specs(),
      'scripts/common/env.sh': 'export X=1\n',
    });
    const c2 = repo.commit('c2', row.files);
    const head: StackDef = { images: IMAGES, ...row.head };
    const text = row.files['specs.yml'] ?? row.before ?? specs();
    const { commits } = await computeSourceCommits(makeStack(repo.dir, head, text));
    const moved = [...commits].filter(([, sha]) => sha === c2).map(([k]) => k);
    expect(moved.sort()).toEqual([...row.moves].sort());
    for (const [k, sha] of commits) if (!row.moves.includes(k)) expect([k, sha]).toEqual([k, c1]);
  });
});

