/**
 * The BuildKit builder end to end (issue 13), on a stack written for it
 * (`fixtures/stacks/buildkit`): a cache mount, build secrets (from an environment variable and
 * from a file), `COPY --chmod` and a `RUN --mount=type=bind,from=<stack parent>`, built and
 * pushed through the real CLI, engine and registry. Then: the secrets are nowhere (terminal,
 * logs, reports, package manifests, the site, image history and config, every layer in the
 * registry); a leaf changed in its last step and rebuilt on an empty engine takes its unchanged
 * layers from the registry; unsupported features and missing secrets are refused before
 * anything is built.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedFrontend } from '../src/core/dockerfile/capabilities';
import { RegistryClient } from '../src/core/registry';
import { startEngine } from './support/engines';
import { testEnvironment } from './support/env';
import { Workspace } from './support/workspace';

const { registry } = testEnvironment();
const client = new RegistryClient({ registry });
const IMAGES = ['base', 'cached', 'secretive', 'bound'];
const TOKEN = `it-token-${randomBytes(16).toString('hex')}`;
const NETRC = `it-netrc-${randomBytes(16).toString('hex')}`;
const ENV = { IT_PIP_TOKEN: TOKEN };

function docker(...args: string[]): string {
  const r = spawnSync('docker', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function buildkitStack(): Workspace {
  const ws = new Workspace('imagestack-buildkit-');
  ws.copyFromRepo('tools/imagestack/test/fixtures/stacks/buildkit', '.');
  ws.write('specs.yml', ws.read('specs.yml').replace(/^registry: .*$/m, `registry: ${registry}`));
  ws.write('.gitignore', 'secrets/\ndist/\n');
  ws.write('secrets/netrc', `machine example.invalid login it password ${NETRC}\n`);
  ws.commit('buildkit stack');
  return ws;
}

/** Every file under `dir`, read as bytes. */
function* filesUnder(dir: string): Iterable<[string, Buffer]> {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) yield* filesUnder(file);
    else yield [file, readFileSync(file)];
  }
}

/** Places (file names, image references, blob digests) where either secret appears. */
async function secretsIn(ws: Workspace, texts: string[]): Promise<string[]> {
  const found: string[] = [];
  const look = (where: string, bytes: Buffer | string) => {
    for (const s of [TOKEN, NETRC]) if (bytes.includes(s)) found.push(`${where} holds ${s === TOKEN ? 'the env' : 'the file'} secret`);
  };
  texts.forEach((t, i) => look(`terminal output ${i}`, t));
  for (const [file, bytes] of filesUnder(path.join(ws.dir, 'dist'))) look(file, bytes);
  for (const image of IMAGES) {
    const repository = `${ws.namespace}/${image}`;
    for (const tag of await client.listTags(repository)) {
      const ref = `${registry}/${repository}:${tag}`;
      look(`docker history ${ref}`, docker('history', '--no-trunc', ref));
      look(`docker inspect ${ref}`, docker('inspect', ref));
      const accept = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';
      const manifest = (await (await fetch(`http://${registry}/v2/${repository}/manifests/${tag}`, { headers: { accept } })).json()) as {
        config: { digest: string };
        layers: Array<{ digest: string }>;
      };
      for (const { digest } of [manifest.config, ...manifest.layers]) {
        const blob = Buffer.from(await (await fetch(`http://${registry}/v2/${repository}/blobs/${digest}`)).arrayBuffer());
        look(`blob ${digest} of ${ref}`, blob[0] === 0x1f && blob[1] === 0x8b ? gunzipSync(blob) : blob);
      }
    }
  }
  return found;
}

describe('the BuildKit builder', () => {
  let ws: Workspace;
  let build: { code: number; stdout: string; stderr: string };
  const log = (image: string) => readFileSync(path.join(ws.dir, `dist/imagestack/logs/${image}-2026.1.log`), 'utf8');
  const reference = async (image: string) => (await ws.plan()).images.find((e) => e.image === image)!.reference;

  beforeAll(async () => {
    ws = buildkitStack();
    build = await ws.cli(['build'], ENV);
  }, 300_000);
  afterAll(() => ws?.dispose());

  it('builds and pushes a cache-mount, a secret-using and a bind-from-parent image, with BuildKit step names in the logs', async () => {
    expect(build.code, build.stdout + build.stderr).toBe(0);
    for (const image of IMAGES) expect(await client.listTags(`${ws.namespace}/${image}`)).toHaveLength(1);
    expect(log('secretive')).toMatch(/^#\d+ \[(?:[\w-]+ )?\d+\/\d+\] RUN --mount=type=secret,id=pip_token /m);
    expect(log('cached')).toMatch(/^#\d+ \[(?:[\w-]+ )?\d+\/\d+\] RUN --mount=type=cache,target=\/var\/cache\/stack/m);
    // The cache mount's files stay out of the image; what the step wrote beside them is in it.
    const cached = await reference('cached');
    expect(docker('run', '--rm', cached, 'sh', '-c', 'cat /cache-count; ls -A /var/cache/stack 2>/dev/null | wc -l').split('\n').map((l) => l.trim())).toEqual([
      expect.stringMatching(/^\d+$/),
      '0',
      '',
    ]);
    // The secrets were there in their steps (their length and presence recorded, not their value).
    const secretive = await reference('secretive');
    expect(docker('run', '--rm', secretive, 'sh', '-c', 'cat /token-length /netrc-seen; stat -c %a /usr/local/bin/tool')).toBe(`${TOKEN.length}\nnetrc-seen\n755\n`);
    // RUN --mount from the parent stage read the parent's exact tag.
    const plan = await ws.plan();
    const bound = plan.images.find((e) => e.image === 'bound')!;
    expect(bound.parents).toEqual(expect.arrayContaining(['cached', 'base']));
    expect(docker('run', '--rm', bound.reference, 'cat', '/from-cached.txt')).toBe(docker('run', '--rm', cached, 'cat', '/cache-count'));
  });

  it('a secret is nowhere: terminal, logs, reports, package manifests, the site, image history and config, every layer in the registry', async () => {
    const site = await ws.cli(['site'], ENV);
    expect(site.code, site.stderr).toBe(0);
    const plan = await ws.cli(['plan'], ENV);
    expect(await secretsIn(ws, [build.stdout, build.stderr, site.stdout, site.stderr, plan.stdout, plan.stderr])).toEqual([]);
  }, 120_000);

  it('a leaf changed in its last step and rebuilt on an empty engine takes its unchanged layers from the registry', async () => {
    const before = await reference('bound');
    ws.write('images/bound/Dockerfile', ws.read('images/bound/Dockerfile').replace('last-v1', 'last-v2'));
    ws.commit('change the last step of bound');
    const engine = await startEngine('buildkit-cache');
    try {
      const r = await ws.cli(['build'], { ...ENV, DOCKER_HOST: engine.dockerHost });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const text = log('bound');
      expect(text).toContain(`importing cache manifest from ${before}`);
      const step = /^#(\d+) \[(?:[\w-]+ )?\d+\/\d+\] RUN echo one > \/one\.txt$/m.exec(text);
      expect(step, text).not.toBeNull();
      expect(text).toMatch(new RegExp(`^#${step![1]} CACHED$`, 'm'));
      expect(text).toMatch(new RegExp(`^#${step![1]} pulling sha256:[0-9a-f]{64}`, 'm')); // its layer, from the registry
      expect(text).toMatch(/^#\d+ \[(?:[\w-]+ )?\d+\/\d+\] RUN echo last-v2 > \/last\.txt$/m);
      expect(text).not.toMatch(new RegExp(`^#${/^#(\d+) \[(?:[\w-]+ )?\d+\/\d+\] RUN echo last-v2/m.exec(text)![1]} CACHED$`, 'm'));
    } finally {
      await engine.stop();
    }
  }, 300_000);
});

describe('refused before anything is built, with BuildKit', () => {
  let ws: Workspace;
  afterAll(() => ws?.dispose());

  it('each feature the builder cannot do, and a secret the Dockerfile mounts that specs.yml does not declare', async () => {
    ws = buildkitStack();
    const engineVersion = docker('version', '--format', '{{.Server.Version}}').trim();
    const frontend = embeddedFrontend(engineVersion);
    const old = frontend[0] === 1 && frontend[1] < 4;
    ws.write(
      'images/cached/Dockerfile',
      [
        '# syntax=registry.invalid/dockerfile:1',
        '# check=error=true',
        'ARG REGISTRY',
        'ARG BASE_TAG',
        'FROM ${REGISTRY}/base:${BASE_TAG}',
        'RUN --mount=type=ssh true',
        'RUN --mount=type=secret,id=undeclared true',
        'RUN --security=insecure true',
        'RUN --network=none true',
        'COPY --link a /a',
        'RUN <<EOF',
        'true',
        'EOF',
        '',
      ].join('\n'),
    );
    ws.commit('features');
    const r = await ws.cli(['build'], ENV);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const f = 'images/cached/Dockerfile';
    expect(r.stderr).toMatch(new RegExp(`${f}:1:3: error: the \`# syntax=\` parser directive selects a BuildKit frontend \\(registry.invalid/dockerfile:1\\), which BuildKit must pull`));
    expect(r.stderr).toMatch(new RegExp(`${f}:6:5: error: RUN --mount type=ssh: imagestack refuses it with every builder`));
    expect(r.stderr).toMatch(new RegExp(`${f}:7:5: error: RUN --mount=type=secret,id=undeclared mounts secret "undeclared", which specs.yml does not declare`));
    expect(r.stderr).toMatch(new RegExp(`${f}:8:5: error: RUN --security: imagestack refuses it with every builder`));
    if (old) {
      expect(r.stderr).toMatch(new RegExp(`${f}:2:3: error: the \`# check=\` parser directive \\(build checks\\) needs Dockerfile frontend 1.8 or later: BuildKit of Docker Engine`));
      expect(r.stderr).toMatch(new RegExp(`${f}:9:5: error: RUN --network needs Dockerfile frontend 1.4 or later`));
      expect(r.stderr).toMatch(new RegExp(`${f}:10:6: error: COPY --link needs Dockerfile frontend 1.4 or later`));
      expect(r.stderr).toMatch(new RegExp(`${f}:11:5: error: RUN uses a heredoc \\(<<EOF\\) needs Dockerfile frontend 1.4 or later`));
    }
    expect(r.stderr).toContain('nothing was built or pushed');
    for (const image of IMAGES) expect(await client.listTags(`${ws.namespace}/${image}`).catch(() => [])).toEqual([]);
  }, 120_000);

  it('a missing secret is named, and a credential-like build arg is warned about', async () => {
    ws.dispose();
    ws = buildkitStack();
    ws.remove('secrets/netrc');
    ws.write('specs.yml', ws.read('specs.yml').replace('  base: {}', '  base:\n    args: { API_TOKEN: "not-a-secret" }'));
    ws.commit('API_TOKEN');
    const r = await ws.cli(['build'], {});
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(/specs\.yml:\d+(:\d+)?: error: secret "pip_token" \(used to build \w+\) comes from environment variable IT_PIP_TOKEN, which is not set/);
    expect(r.stderr).toMatch(/specs\.yml:\d+(:\d+)?: error: secret "netrc" \(used to build secretive\) comes from file secrets\/netrc, which does not exist/);
    expect(r.stderr).toMatch(/warning: build arg API_TOKEN \(specs\.yml images\.base\.args\) looks like a credential.*secrets:/);
    for (const image of IMAGES) expect(await client.listTags(`${ws.namespace}/${image}`).catch(() => [])).toEqual([]);
  }, 120_000);
});
