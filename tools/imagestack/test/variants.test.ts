/**
 * Variants in subfolders (specs.yml `context:`), real engine and registry: the fixture stack
 * test/fixtures/stacks/variants built cold, parents first, each variant labelled with the
 * exact parent reference; the outer image's build context does not carry the variants'
 * folders; a variant edit moves only the variant's tag.
 */
import { execFileSync } from 'node:child_process';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/core/registry';
import { testEnvironment } from './support/env';
import { Workspace, type PlanJson } from './support/workspace';

const { registry } = testEnvironment();
const client = new RegistryClient({ registry });
const docker = new Docker();

describe('variants in subfolders (fixture stack "variants")', () => {
  const ws = new Workspace('imagestack-variants-');
  let first: PlanJson;

  beforeAll(() => {
    ws.copyFromRepo('tools/imagestack/test/fixtures/stacks/variants', '.');
    ws.commit('variants stack');
  });
  afterAll(async () => {
    for (const i of await docker.listImages()) {
      if ((i.RepoTags ?? []).some((t) => t.includes(`/${ws.namespace}/`))) await docker.getImage(i.Id).remove({ force: true }).catch(() => undefined);
    }
    ws.dispose();
  });

  it('plans each image at its context, with workspace-relative paths', async () => {
    first = await ws.plan();
    expect(first.images.map((e) => [e.image, e.parents, e.context, e.dockerfile])).toEqual([
      ['notebook', [], 'images/notebook', 'images/notebook/Dockerfile'],
      ['notebook-cuda12', ['notebook'], 'images/notebook/cuda12', 'images/notebook/cuda12/Dockerfile'],
      ['notebook-cuda11', ['notebook'], 'images/notebook/cuda11', 'images/notebook/cuda11/cuda.Dockerfile'],
    ]);
    const r = await ws.cli(['plan']);
    expect(r.stderr).not.toMatch(/warning/);
  });

  it('a cold build builds the parent first and labels each variant with its exact parent reference', async () => {
    const r = await ws.cli(['build']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const pushed = lines.findIndex((l) => l.includes('notebook@2026.1') && l.includes('pushed'));
    expect(pushed).toBeGreaterThanOrEqual(0);
    for (const v of ['notebook-cuda12@2026.1', 'notebook-cuda11@2026.1']) expect(lines.findIndex((l) => l.includes(v))).toBeGreaterThan(pushed);

    const parent = first.images[0];
    for (const e of first.images.slice(1)) {
      const { config } = await client.getImageConfig(`${ws.namespace}/${e.image}`, e.tag);
      expect((config.config.Labels as Record<string, string>)['org.opencontainers.image.base.name']).toBe(parent.reference);
    }
    // notebook's Dockerfile copies its whole context: the variants' folders were not sent.
    const files = execFileSync('docker', ['run', '--rm', parent.reference, 'ls', '-A', '/opt/notebook'], { encoding: 'utf8' });
    expect(files.split('\n').filter(Boolean).sort()).toEqual(['Dockerfile', 'setup.sh']);
    const cuda = execFileSync('docker', ['run', '--rm', first.images[2].reference, 'cat', '/opt/cuda.txt'], { encoding: 'utf8' });
    expect(cuda).toBe('cuda 11.8\n');
  });

  it('a variant edit moves only the variant’s tag', async () => {
    ws.write('images/notebook/cuda12/cuda.txt', 'cuda 12.6\n');
    ws.commit('cuda 12.6');
    const next = await ws.plan();
    const tag = (p: PlanJson, image: string) => p.images.find((e) => e.image === image)!.tag;
    expect(tag(next, 'notebook')).toBe(tag(first, 'notebook'));
    expect(tag(next, 'notebook-cuda11')).toBe(tag(first, 'notebook-cuda11'));
    expect(tag(next, 'notebook-cuda12')).not.toBe(tag(first, 'notebook-cuda12'));
    expect(next.images.filter((e) => e.action === 'build').map((e) => e.image)).toEqual(['notebook-cuda12']);
  });
});
