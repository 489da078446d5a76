/**
 * Promise 6 through the real CLI: bad input stops before anything is built, with one message
 * naming the file, the line and the fix, and exit code 2. The registry stays empty.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/core/registry';
import { testEnvironment } from './support/env';
import { Workspace, writeTinyStack } from './support/workspace';

const { registry } = testEnvironment();
const client = new RegistryClient({ registry });

describe('bad input stops the run before anything is built', () => {
  let ws: Workspace;
  afterEach(() => ws?.dispose());

  async function expectRefused(args: string[], patterns: RegExp[], env: NodeJS.ProcessEnv = {}): Promise<void> {
    const r = await ws.cli(args, env);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain('nothing was built or pushed');
    for (const p of patterns) expect(r.stderr).toMatch(p);
    expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/); // no stack trace
    for (const image of ['base', 'mid', 'leaf', 'side', 'multi']) {
      expect(await client.listTags(`${ws.namespace}/${image}`)).toEqual([]);
    }
  }

  it('a malformed specs.yml names file, line, column and the fix', async () => {
    ws = writeTinyStack(new Workspace(), registry);
    ws.write('specs.yml', ws.read('specs.yml').replace('  leaf: {}', '  leaf:\n    agrs: { X: "1" }'));
    ws.commit('typo');
    await expectRefused(['build'], [/specs\.yml:\d+:5: error: .*agrs/, /fix: .*args/]);
  });

  it('a cycle prints the whole cycle with Dockerfile lines', async () => {
    ws = writeTinyStack(new Workspace(), registry);
    ws.write('images/base/Dockerfile', 'ARG REGISTRY\nARG LEAF_TAG\nFROM ${REGISTRY}/leaf:${LEAF_TAG}\n');
    ws.commit('cycle');
    await expectRefused(['plan'], [/images\/\w+\/Dockerfile:3:\d+: error: cycle: /, /cycle: base → leaf → mid → base \(images\/base\/Dockerfile:3 uses leaf; images\/leaf\/Dockerfile:3 uses mid; images\/mid\/Dockerfile:3 uses base\)/]);
  });

  it('an unknown parent suggests the closest image', async () => {
    ws = writeTinyStack(new Workspace(), registry);
    ws.write('images/leaf/Dockerfile', 'ARG REGISTRY\nARG MID_TAG\nFROM ${REGISTRY}/mdi:${MID_TAG}\n');
    ws.commit('typo in FROM');
    await expectRefused(['build'], [/images\/leaf\/Dockerfile:3:\d+: error: .*"mdi" is not an image of specs\.yml/, /did you mean "mid"/]);
  });

  it('a Dockerfile with no FROM and an image with no context folder are reported together', async () => {
    ws = writeTinyStack(new Workspace(), registry);
    ws.write('images/side/Dockerfile', 'RUN echo no base\n');
    ws.remove('images/leaf');
    ws.commit('broken');
    await expectRefused(['build'], [/images\/side\/Dockerfile:1(:\d+)?: error: .*FROM/, /specs\.yml:\d+:\d+: error: .*images\/leaf/, /2 problems/]);
  });

  it('a Dockerfile feature the legacy builder cannot build is refused at plan time (IMAGESTACK_BUILDER=classic)', async () => {
    ws = writeTinyStack(new Workspace(), registry);
    const leaf = ws.read('images/leaf/Dockerfile').trimEnd();
    const n = leaf.split('\n').length;
    ws.write('images/leaf/Dockerfile', `${leaf}\nRUN --mount=type=cache,target=/c true\nCOPY <<EOF /x\nhi\nEOF\n`);
    ws.commit('BuildKit-only features');
    await expectRefused(['build'], [
      new RegExp(`images/leaf/Dockerfile:${n + 1}:5: error: RUN --mount needs BuildKit: the legacy builder imagestack uses cannot do it`),
      new RegExp(`images/leaf/Dockerfile:${n + 2}:6: error: COPY uses a heredoc \\(<<EOF\\)`),
      /2 problems/,
    ], { IMAGESTACK_BUILDER: 'classic' });
  });

  it('a malformed check or test setting is refused before any build', async () => {
    ws = writeTinyStack(new Workspace(), registry);
    ws.write('specs.yml', ws.read('specs.yml').replace('  mid: {}', '  mid:\n    checks:\n      - { name: v, command: "cat /mid.txt" }\n    test: { comand: "true" }'));
    ws.commit('bad gate settings');
    // specs.yml is validated first (the check), then the stack (Dockerfiles, test settings).
    await expectRefused(['build'], [/specs\.yml:\d+:\d+: error: check "v" .*match/]);
    ws.write('specs.yml', ws.read('specs.yml').replace('command: "cat /mid.txt" }', 'command: "cat /mid.txt", match: "^mid" }'));
    ws.commit('fix the check');
    await expectRefused(['build'], [/specs\.yml.*: error: .*"comand"/, /fix: .*command/]);
  });

  it('an invalid tag character in a version name is refused', async () => {
    ws = writeTinyStack(new Workspace(), registry);
    ws.write('specs.yml', ws.read('specs.yml').replace('"2026.2":', '"2026/2":').replace('skip: ["2026.1"]', 'skip: ["2026.1"]'));
    ws.commit('bad version');
    await expectRefused(['plan', '--json'], [/specs\.yml:\d+:\d+: error: .*2026\/2/]);
  });
});
