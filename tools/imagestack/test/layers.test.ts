/**
 * Layers shared across versions (issue 13, item 5), real engine and registry: a cold build
 * of two versions runs each step whose inputs are the same in both versions once (the
 * builder's own log says `Using cache` for it in the other version), and the pushed images
 * of both versions still carry every label, with `org.opencontainers.image.base.name` /
 * `base.digest` naming the parent's exact tag and its registry digest (promise 3), on top of
 * exactly the parent's layers. The `unlabelled-…` tags children were built on are gone after
 * the run.
 *
 * Built with the legacy builder (IMAGESTACK_BUILDER=classic): the unlabelled-parent mechanism
 * is the legacy builder's (BuildKit keys a base image's cache by its layers, not its config, and
 * sets labels with `--label` without a step, so its children share steps across versions as
 * they are).
 *
 * Stack (cold: base's first step carries a fresh nonce, so nothing is in the cache):
 * base; mid FROM `${REGISTRY}/base:${BASE_TAG}` with a shared step, then a version arg;
 * side FROM the parent named datahub-style (registry and namespace written out); multi, a
 * stage FROM mid (different per version) copied from into a final stage FROM side.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/core/registry';
import { testEnvironment } from './support/env';
import { Workspace, type PlanJson } from './support/workspace';

const { registry } = testEnvironment();
const client = new RegistryClient({ registry });
const VERSIONS = ['2026.1', '2026.2'];
process.env.IMAGESTACK_BUILDER = 'classic'; // this file's own worker: every `ws.cli` inherits it

/** How each builder step of `log` went: `[instruction, 'cache' | 'ran']` (classic builder's `Step n/m : …` then ` ---> Using cache` or ` ---> Running in`). */
function steps(log: string): Array<[string, 'cache' | 'ran']> {
  const out: Array<[string, 'cache' | 'ran']> = [];
  const lines = log.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const step = /^Step \d+\/\d+ : (.*)$/.exec(lines[i]);
    if (!step || !/^(RUN|COPY)\b/.test(step[1])) continue;
    const next = lines.slice(i + 1, i + 4).join('\n');
    if (/ ---> Using cache/.test(next)) out.push([step[1], 'cache']);
    else if (/ ---> Running in|^ ---> [0-9a-f]{12}/m.test(next)) out.push([step[1], 'ran']);
  }
  return out;
}

describe('layers shared across versions', () => {
  const ws = new Workspace('imagestack-layers-');
  const nonce = randomBytes(6).toString('hex');
  let plan: PlanJson;

  beforeAll(() => {
    ws.write(
      'specs.yml',
      `registry: ${registry}\nnamespace: placeholder\nsource: https://example.invalid/layers\nversions:\n  "2026.1":\n    args: { GREETING: hello }\n  "2026.2":\n    args: { GREETING: bonjour }\nimages:\n  base: {}\n  mid: {}\n  side: {}\n  multi: {}\n`,
    );
    ws.write('images/base/Dockerfile', `FROM debian:bookworm-slim\nRUN echo ${nonce} > /nonce && sleep 1\nLABEL description="layers test base"\n`);
    ws.write(
      'images/mid/Dockerfile',
      'ARG REGISTRY\nARG BASE_TAG\nFROM ${REGISTRY}/base:${BASE_TAG}\nRUN echo mid-work > /mid.txt && sleep 1\nARG GREETING\nRUN echo "$GREETING" > /greeting.txt\n',
    );
    ws.write('images/side/Dockerfile', `ARG BASE_TAG\nFROM ${registry}/${ws.namespace}/base:\${BASE_TAG}\nRUN echo side > /side.txt\n`);
    ws.write(
      'images/multi/Dockerfile',
      'ARG REGISTRY\nARG MID_TAG\nARG SIDE_TAG\nFROM ${REGISTRY}/mid:${MID_TAG} AS source\nRUN cat /mid.txt > /copied.txt\nFROM ${REGISTRY}/side:${SIDE_TAG}\nCOPY --from=source /copied.txt /copied.txt\n',
    );
    ws.commit('layers stack');
  });
  afterAll(() => ws.dispose());

  it('a cold two-version build runs each step with the same inputs once: the other version takes it from the cache', async () => {
    plan = await ws.plan();
    expect(plan.images).toHaveLength(8);
    const r = await ws.cli(['build', '--parallel', '2']);
    expect(r.code, r.stdout.slice(-4000) + r.stderr).toBe(0);
    const logOf = (image: string, version: string) => readFileSync(path.join(ws.dir, 'dist/imagestack/logs', `${image}-${version}.log`), 'utf8');
    const how = (image: string) => VERSIONS.map((v) => steps(logOf(image, v)));
    // Each shared step ran in exactly one version and came from the cache in the other.
    for (const [image, instruction] of [
      ['base', `RUN echo ${nonce} > /nonce && sleep 1`],
      ['mid', 'RUN echo mid-work > /mid.txt && sleep 1'],
      ['side', 'RUN echo side > /side.txt'],
    ]) {
      const outcomes = how(image).map((s) => s.find(([i]) => i === instruction)?.[1]).sort();
      expect(outcomes, `${image}: ${instruction}`).toEqual(['cache', 'ran']);
    }
    // A step after the version arg differs per version: it ran in both, and so did the steps
    // of a child of that image (multi's stage FROM mid).
    expect(how('mid').map((s) => s.find(([i]) => i.startsWith('RUN echo "$GREETING"'))?.[1])).toEqual(['ran', 'ran']);
    expect(how('multi').map((s) => s.find(([i]) => i === 'RUN cat /mid.txt > /copied.txt')?.[1])).toEqual(['ran', 'ran']);
    // Children name their parents' unlabelled images for the build only: no such tag is left.
    const tags = execFileSync('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { encoding: 'utf8' })
      .split('\n')
      .filter((t) => t.startsWith(`${registry}/${ws.namespace}/`));
    expect(tags.filter((t) => t.includes(':unlabelled-'))).toEqual([]);
    expect(tags.length).toBe(8);
  });

  it('the pushed images of both versions carry every label, base.name/base.digest naming the parent tag they are built on (promise 3)', async () => {
    const entry = (image: string, version: string) => plan.images.find((e) => e.image === image && e.version === version)!;
    const configOf = (image: string, version: string) => client.getImageConfig(`${ws.namespace}/${image}`, entry(image, version).tag);
    const parentOf: Record<string, string | undefined> = { base: undefined, mid: 'base', side: 'base', multi: 'side' };
    for (const version of VERSIONS) {
      for (const image of ['base', 'mid', 'side', 'multi']) {
        const e = entry(image, version);
        const { config } = await configOf(image, version);
        const labels = config.config.Labels as Record<string, string>;
        expect(Object.keys(labels).sort(), `${image}@${version}`).toEqual(
          [
            'description', // base's own, inherited
            'io.imagestack.image',
            'io.imagestack.version',
            'org.opencontainers.image.base.digest',
            'org.opencontainers.image.base.name',
            'org.opencontainers.image.created',
            'org.opencontainers.image.revision',
            'org.opencontainers.image.source',
            'org.opencontainers.image.title',
            'org.opencontainers.image.version',
          ],
        );
        expect(labels['io.imagestack.version']).toBe(version);
        expect(labels['org.opencontainers.image.version']).toBe(e.tag);
        expect(labels['org.opencontainers.image.title']).toBe(image);
        expect(labels['org.opencontainers.image.source']).toBe('https://example.invalid/layers');
        const parent = parentOf[image];
        if (!parent) continue;
        const p = entry(parent, version);
        expect(labels['org.opencontainers.image.base.name']).toBe(p.reference);
        const pushed = await client.headManifest(`${ws.namespace}/${parent}`, p.tag);
        expect(labels['org.opencontainers.image.base.digest']).toBe(pushed!.digest);
        // Built on exactly the parent's layers.
        const parentLayers = (await configOf(parent, version)).config.rootfs.diff_ids as string[];
        expect((config.rootfs.diff_ids as string[]).slice(0, parentLayers.length)).toEqual(parentLayers);
      }
    }
  });
});
