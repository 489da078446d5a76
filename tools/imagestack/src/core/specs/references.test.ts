// `references:` in specs.yml: read into Specs.references, and its problems at their line.
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import { parseSpecs } from './load';
import { specsMeaningChanges } from './meaning-changes';
import { SpecsBlob } from './specs-blob';

const BASE = 'registry: 127.0.0.1:5000\nnamespace: ci\nversions:\n  "1": {}\nimages:\n  base: {}\n  base-notebook: {}\n';

function problems(text: string) {
  try {
    parseSpecs(text, 'specs.yml', '/ws');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).problems.map((p) => `${p.line}:${p.column} ${p.message} | ${p.fix}`);
  }
  return [];
}

describe('specs.yml references:', () => {
  it('is read with its args, and absent when not written', () => {
    const specs = parseSpecs(`${BASE}references:\n  registry: quay.io\n  namespace: jupyter\n  args: { registry: REGISTRY, namespace: OWNER }\n`, 'specs.yml', '/ws');
    expect(specs.references).toEqual({ registry: 'quay.io', namespace: 'jupyter', args: { registry: 'REGISTRY', namespace: 'OWNER' } });
    expect(parseSpecs(`${BASE}references: { registry: ghcr.io, namespace: org }\n`, 'specs.yml', '/ws').references).toEqual({ registry: 'ghcr.io', namespace: 'org', args: {} });
    expect(parseSpecs(BASE, 'specs.yml', '/ws').references).toBeUndefined();
  });

  it('refuses a registry that is not a host, a namespace that is not a path, and a missing or unknown key', () => {
    expect(problems(`${BASE}references:\n  registry: https://quay.io\n  namespace: Jupyter\n`)).toEqual([
      '9:13 references.registry "https://quay.io" is not a registry host | write the host the Dockerfiles name and nothing else, e.g. "quay.io" (for Docker Hub, "docker.io")',
      '10:14 references.namespace "Jupyter" is not a repository path | write the namespace the Dockerfiles name, lowercase path components joined by "/", e.g. "jupyter"',
    ]);
    expect(problems(`${BASE}references:\n  registry: quay.io\n`).join('\n')).toMatch(/namespace/);
    expect(problems(`${BASE}references:\n  registry: quay.io\n  namespace: j\n  args: { owner: OWNER }\n`).join('\n')).toMatch(/owner/);
    expect(problems(`${BASE}references:\n  registry: quay.io\n  namespace: j\n  args: { registry: "1X" }\n`).join('\n')).toMatch(/^11:/);
  });

  it('refuses one ARG for both, an ARG that is a stack image\'s <NAME>_TAG, and the ARGs in args:', () => {
    expect(problems(`${BASE}references:\n  registry: quay.io\n  namespace: j\n  args: { registry: OWNER, namespace: OWNER }\n`)).toEqual([
      '11:39 references.args names OWNER for both the registry and the namespace | name two different ARGs, the one for the registry host (e.g. REGISTRY) and the one for the namespace (e.g. OWNER), or remove one of them',
    ]);
    expect(problems(`${BASE}references:\n  registry: quay.io\n  namespace: j\n  args: { namespace: BASE_NOTEBOOK_TAG }\n`)).toEqual([
      '11:22 references.args.namespace is BASE_NOTEBOOK_TAG, the build arg that carries the tag of image "base-notebook" | name the Dockerfiles\' ARG that carries the namespace',
    ]);
    const text = BASE.replace('  base: {}\n', '  base:\n    args: { OWNER: me }\n') + 'references:\n  registry: quay.io\n  namespace: j\n  args: { registry: REGISTRY, namespace: OWNER }\n';
    expect(problems(text)).toEqual([
      '7:13 build arg OWNER is reserved: imagestack passes OWNER, the namespace it pushes to, to every build itself (`references.args`) | remove OWNER from "args"',
    ]);
  });
});

describe('references: moves every tag when its meaning changes', () => {
  const text = (refs: string) => `registry: r.example\nnamespace: ci\n${refs}versions:\n  "1": {}\n  "2": {}\nimages:\n  base: {}\n  mid:\n    args: { A: "1" }\n`;
  const changes = (a: string, b: string, fast: boolean) => specsMeaningChanges(new SpecsBlob(text(a)), new SpecsBlob(text(b)), ['base', 'mid'], ['1', '2'], () => true, { fast });
  const ALL = [[0, 0], [0, 1], [1, 0], [1, 1]];
  it('added, changed or its args changed: every image at every version; comments and spelling: none', () => {
    const refs = 'references:\n  registry: ghcr.io\n  namespace: org\n';
    for (const fast of [true, false]) {
      expect(changes('', refs, fast)).toEqual(ALL);
      expect(changes(refs, refs.replace('org', 'other'), fast)).toEqual(ALL);
      expect(changes(refs, `${refs}  args: { registry: REGISTRY }\n`, fast)).toEqual(ALL);
      expect(changes(refs, refs.replace('org\n', 'org   # the org\n'), fast)).toEqual([]);
      expect(changes(refs, 'references: { namespace: org, registry: ghcr.io }\n', fast)).toEqual([]);
    }
  });
});
