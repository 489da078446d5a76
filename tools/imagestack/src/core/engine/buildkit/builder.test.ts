/**
 * The BuildKit builder's pure parts: the CLI arguments of a build, and the decoding of plain
 * progress into log lines and steps. The build itself runs against the real engine in
 * test/buildkit.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { StepLog } from '../log';
import { buildArgv } from './builder';
import type { BuildkitClient } from './detect';
import { PlainProgress } from './progress';

const builtin: BuildkitClient = { command: '/usr/bin/docker', kind: 'builtin', clientVersion: '20.10.24', engineVersion: '20.10.24' };
const req = {
  contextDir: '/ws/images/python',
  dockerfile: 'Dockerfile',
  reference: 'r:5000/ns/python:2026.1-abc1234',
  buildArgs: { REGISTRY: 'r:5000/ns', BASE_TAG: '2026.1-abc1234' },
  labels: { 'org.opencontainers.image.revision': 'abc' },
  log: undefined as unknown as StepLog,
  secrets: [
    { id: 'pip_token', env: 'PIP_TOKEN' },
    { id: 'netrc', file: '/ws/secrets/netrc' },
  ],
  cacheFrom: ['r:5000/ns/python:2026.1-0000000', 'r:5000/ns/base:2026.1-abc1234'],
};

describe('buildArgv', () => {
  it('passes args, labels, inline cache, cache-from and secrets by reference to their source, never a value', () => {
    expect(buildArgv(builtin, req, '/tmp/iid')).toEqual([
      'build',
      '--progress=plain',
      '--iidfile',
      '/tmp/iid',
      '-f',
      '/ws/images/python/Dockerfile',
      '-t',
      'r:5000/ns/python:2026.1-abc1234',
      '--build-arg',
      'REGISTRY=r:5000/ns',
      '--build-arg',
      'BASE_TAG=2026.1-abc1234',
      '--build-arg',
      'BUILDKIT_INLINE_CACHE=1',
      '--label',
      'org.opencontainers.image.revision=abc',
      '--cache-from',
      'r:5000/ns/python:2026.1-0000000',
      '--cache-from',
      'r:5000/ns/base:2026.1-abc1234',
      '--secret',
      'id=pip_token,env=PIP_TOKEN',
      '--secret',
      'id=netrc,src=/ws/secrets/netrc',
      '/ws/images/python',
    ]);
  });

  it('with buildx: the engine\'s own builder, loaded into its image store; a platform when asked', () => {
    const argv = buildArgv({ ...builtin, kind: 'buildx' }, { ...req, platform: 'linux/arm64' } as typeof req, '/tmp/iid');
    expect(argv.slice(0, 5)).toEqual(['buildx', 'build', '--builder', 'default', '--load']);
    expect(argv.slice(-3)).toEqual(['--platform', 'linux/arm64', '/ws/images/python']);
  });

  it('noCache: --no-cache, and no --cache-from (nothing is taken from a cache)', () => {
    const argv = buildArgv(builtin, { ...req, noCache: true }, '/tmp/iid');
    expect(argv).toContain('--no-cache');
    expect(argv).not.toContain('--cache-from');
    expect(buildArgv(builtin, req, '/tmp/iid')).not.toContain('--no-cache');
  });

  it('with folders to leave out (variants), the context goes as a tar on stdin and -f names the Dockerfile inside it', () => {
    const argv = buildArgv(builtin, { ...req, dockerfile: 'cuda.Dockerfile', exclude: ['cuda12'] }, '/tmp/iid');
    expect(argv[argv.indexOf('-f') + 1]).toBe('cuda.Dockerfile');
    expect(argv.at(-1)).toBe('-');
    expect(buildArgv(builtin, req, '/tmp/iid')[buildArgv(builtin, req, '/tmp/iid').indexOf('-f') + 1]).toBe('/ws/images/python/Dockerfile');
  });
});

describe('PlainProgress', () => {
  it('logs every line but the vertex digests, and reports each step once, in any chunking', () => {
    const out = [
      '#1 [internal] load build definition from Dockerfile',
      '#1 sha256:3a95333c5b4244e677aad4234faa2a59b8bcc3ac68e1e89472ce3556232542e1',
      '#1 DONE 0.0s',
      '',
      '#5 [stage-0 2/4] RUN apt-get update',
      '#5 0.512 Get:1 http://deb.debian.org/debian bookworm InRelease',
      '#5 DONE 3.2s',
      '#6 [stage-0 3/4] COPY app /app',
      '#6 CACHED',
      '#5 [stage-0 2/4] RUN apt-get update',
      'error: failed to solve: exit code 1',
    ].join('\n');
    const lines: string[] = [];
    const steps: string[] = [];
    const p = new PlainProgress((l) => lines.push(l), (s) => steps.push(s));
    for (let i = 0; i < out.length; i += 7) p.write(out.slice(i, i + 7));
    p.end();
    expect(steps).toEqual(['#5 [stage-0 2/4] RUN apt-get update', '#6 [stage-0 3/4] COPY app /app']);
    expect(lines).not.toContainEqual(expect.stringContaining('sha256:3a95'));
    expect(lines.at(-1)).toBe('error: failed to solve: exit code 1');
    expect(lines).toHaveLength(out.split('\n').length - 1);
  });
});
