/**
 * The DaemonSet's structure, and validation against the Kubernetes OpenAPI schema of
 * apps/v1 DaemonSet as packaged by `kubernetes-models` (its `validate()` runs ajv on the
 * schema generated from the Kubernetes OpenAPI spec).
 */
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { ResolvedImage } from '../resolve/resolve';
import { DEFAULT_PAUSE_IMAGE, dnsLabel, isDnsLabel, isLabelValue, makeDaemonSet } from './daemonset';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
function img(image: string, version: string, c: string, repo = `ghcr.io/org/images/${image}`): ResolvedImage {
  const tag = `${version}-stable`;
  return { image, version, repository: repo, tag, digest: digest(c), mediaType: 'application/vnd.oci.image.index.v1+json', reference: `${repo}:${tag}@${digest(c)}` };
}

const images = [
  img('base', '2026.1', 'a'),
  img('python', '2026.1', 'b'),
  img('gcc-assert', '2026.1', 'c'),
  // a long, odd name: several separators, near the 63-character limit on its own
  img('a-very-long-image-name-for-a-test-framework.with.dots__and__underscores', '2026.1', 'd'),
  // two names that only differ in characters a DNS label cannot hold
  img('py.3', '2026.1', 'e'),
  img('py-3', '2026.1', 'f'),
];

interface Container {
  name: string;
  image: string;
  imagePullPolicy: string;
  command?: string[];
  resources: { requests: Record<string, string> };
}
interface Shape {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: { tolerations: unknown[]; initContainers: Container[]; containers: Container[]; imagePullSecrets?: Array<{ name: string }> };
    };
  };
}

describe('makeDaemonSet', () => {
  const ds = makeDaemonSet(images, { name: 'imagestack-prepull-images-stable-2026.1', namespace: 'labs', imagePullSecrets: ['ghcr'] }) as unknown as Shape;

  it('is an apps/v1 DaemonSet whose selector matches its template', () => {
    expect(ds.apiVersion).toBe('apps/v1');
    expect(ds.kind).toBe('DaemonSet');
    expect(ds.metadata.namespace).toBe('labs');
    for (const [k, v] of Object.entries(ds.spec.selector.matchLabels)) expect(ds.spec.template.metadata.labels[k]).toBe(v);
    for (const v of Object.values(ds.metadata.labels)) expect(isLabelValue(v), v).toBe(true);
    expect(ds.spec.template.spec.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(ds.spec.template.spec.imagePullSecrets).toEqual([{ name: 'ghcr' }]);
  });

  it('has one init container per image with the exact reference, a no-op, IfNotPresent, small requests', () => {
    const init = ds.spec.template.spec.initContainers;
    expect(init.map((c) => c.image)).toEqual(images.map((i) => i.reference));
    for (const c of init) {
      expect(c.imagePullPolicy).toBe('IfNotPresent');
      expect(c.command).toEqual(['true']);
      expect(c.resources.requests).toEqual({ cpu: '1m', memory: '4Mi' });
    }
    expect(ds.spec.template.spec.containers.map((c) => [c.name, c.image])).toEqual([['pause', DEFAULT_PAUSE_IMAGE]]);
  });

  it('names everything with valid, unique DNS-1123 labels of at most 63 characters', () => {
    const names = [ds.metadata.name, ...ds.spec.template.spec.initContainers.map((c) => c.name), ...ds.spec.template.spec.containers.map((c) => c.name)];
    for (const n of names) expect(isDnsLabel(n), n).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    expect(ds.spec.template.spec.initContainers[0].name).toMatch(/^base-2026-1-[0-9a-f]{6}$/);
  });

  it('validates against the Kubernetes OpenAPI schema (kubernetes-models), also after a YAML round trip', () => {
    expect(() => new DaemonSet(ds as never).validate()).not.toThrow();
    expect(() => new DaemonSet(parse(stringify(ds)) as never).validate()).not.toThrow();
    // the validator is not a rubber stamp
    const broken = structuredClone(ds);
    broken.spec.template.spec.initContainers[0].imagePullPolicy = 'Sometimes';
    expect(() => new DaemonSet(broken as never).validate()).toThrow(/imagePullPolicy/);
  });

  it('leaves the namespace to kubectl when none is given, and takes another pause image', () => {
    const other = makeDaemonSet(images.slice(0, 1), { name: 'x', pauseImage: 'mirror.local/pause:3.10' }) as unknown as Shape;
    expect(other.metadata.namespace).toBeUndefined();
    expect(other.spec.template.spec.containers[0].image).toBe('mirror.local/pause:3.10');
  });
});

describe('dnsLabel', () => {
  it('keeps valid labels and makes others valid, hashing what it changes', () => {
    expect(dnsLabel('pause')).toBe('pause');
    expect(dnsLabel('Python_3.11')).toMatch(/^python-3-11-[0-9a-f]{6}$/);
    expect(dnsLabel('py.3')).not.toBe(dnsLabel('py-3x'.slice(0, 4)));
    const long = dnsLabel('x'.repeat(100));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(isDnsLabel(long)).toBe(true);
    expect(dnsLabel('___')).toMatch(/^x[0-9a-f]{6}$/);
    expect(dnsLabel('a'.repeat(70), 20)).toHaveLength(20);
  });
});
