// `references:` in specs.yml: read into Specs.references, and its problems at their line.
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import { parseSpecs } from './load';

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
