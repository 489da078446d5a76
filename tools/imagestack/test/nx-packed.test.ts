/**
 * The plugin as another workspace gets it: `npm pack` of tools/imagestack installed into a
 * fresh temporary workspace with Nx, then used through its `imagestack` bin and through
 * `nx show projects`, `nx graph` and `nx affected -t push` against the real engine and
 * registry. `imagestack plan` and `nx affected` must agree on what is built.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/core/registry';
import { testEnvironment } from './support/env';
import { REPO_ROOT, Workspace, writeTinyStack, type PlanJson } from './support/workspace';

const { registry } = testEnvironment();
const client = new RegistryClient({ registry });

describe('the packed plugin in a fresh workspace', () => {
  const ws = new Workspace('imagestack-packed-');
  const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_SKIP_NX_CACHE: 'true', IMAGESTACK_NAMESPACE: ws.namespace };
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd: ws.dir, env, encoding: 'utf8', timeout: 10 * 60_000 });
    return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const bin = (name: string) => path.join(ws.dir, 'node_modules', '.bin', name);

  beforeAll(() => {
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', ws.dir], {
      cwd: path.join(REPO_ROOT, 'tools/imagestack'),
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .pop()!;
    const nxVersion = JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules/nx/package.json'), 'utf8')).version;
    writeFileSync(
      path.join(ws.dir, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, devDependencies: { imagestack: `file:./${tarball}`, nx: nxVersion } }, null, 2),
    );
    const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: ws.dir, env, encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    writeTinyStack(ws, registry);
    ws.write('nx.json', JSON.stringify({ plugins: ['imagestack'], neverConnectToCloud: true }, null, 2));
    ws.write('.gitignore', `node_modules/\ndist/\n.nx/\n${tarball}\n`);
    ws.commit('consumer workspace');
  });
  afterAll(() => ws.dispose());

  it('its bin plans and builds the stack', () => {
    const r = run(bin('imagestack'), ['build']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('9 pushed');
  });

  it('Nx sees one project per image and the image → parent edges', () => {
    const projects = run(bin('nx'), ['show', 'projects', '--json']);
    expect(projects.code, projects.stderr).toBe(0);
    expect(JSON.parse(projects.stdout).sort()).toEqual(['base', 'leaf', 'mid', 'multi', 'side']);
    const g = run(bin('nx'), ['graph', '--file=graph.json']);
    expect(g.code, g.stderr).toBe(0);
    const deps = JSON.parse(ws.read('graph.json')).graph.dependencies as Record<string, Array<{ target: string }>>;
    const edges = Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, v.map((d) => d.target).sort()]));
    expect(edges).toEqual({ base: [], mid: ['base'], leaf: ['mid'], side: ['base'], multi: ['mid', 'side'] });
  });

  it('nx affected -t push runs exactly what imagestack plan builds, parents first', async () => {
    ws.write('images/mid/mid.txt', 'mid v2\n');
    ws.commit('change mid');
    const plan = JSON.parse(run(bin('imagestack'), ['plan', '--json']).stdout) as PlanJson;
    const planned = [...new Set(plan.images.filter((e) => e.action === 'build').map((e) => e.image))].sort();
    expect(planned).toEqual(['leaf', 'mid', 'multi']);

    const affected = run(bin('nx'), ['show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD', '--json']);
    expect(affected.code, affected.stderr).toBe(0);
    expect(JSON.parse(affected.stdout).sort()).toEqual(planned);

    const r = run(bin('nx'), ['affected', '-t', 'push', '--base=HEAD~1', '--head=HEAD', '--parallel=2', '--outputStyle=stream']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = r.stdout;
    const at = (s: string) => out.indexOf(s);
    expect(at('mid:push')).toBeGreaterThan(-1);
    expect(at('mid:push')).toBeLessThan(at('leaf:push'));
    for (const e of plan.images) {
      expect(await client.headManifest(`${ws.namespace}/${e.image}`, e.tag), e.reference).toBeDefined();
    }
    const after = JSON.parse(run(bin('imagestack'), ['plan', '--json']).stdout) as PlanJson;
    expect(after.images.filter((e) => e.action === 'build')).toEqual([]);
  });
});
