import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countChanges, diffList, diffPackages } from './diff';
import { formatBytes, layersFromHistory, trimCreatedBy } from './layers';
import { normalizePipName, parseDpkgList, parseOsRelease, parsePipList, PIP_COMMAND } from './packages';
import { code, codeBlock, renderManifestMarkdown } from './render';
import { resolveManifestSpec } from './spec';
import type { InputError, Problem } from '../../errors';
import { parseSpecs } from '../../specs/load';
import type { PackageManifest } from './types';

describe('parsers of the built-in commands', () => {
  it('parseDpkgList keeps installed packages only, without architecture qualifiers, sorted', () => {
    const out = [
      'installed\ttini\t0.19.0-1',
      'config-files\told-thing\t1.0-1',
      'installed\tlibc6\t2.36-9+deb12u4',
      'not-installed\tghost\t',
      'installed\tlibc6\t2.36-9+deb12u4',
      'installed\tpython3-numpy\t1:1.24.2-1+deb12u1',
      '',
    ].join('\n');
    expect(parseDpkgList(out)).toEqual({ libc6: '2.36-9+deb12u4', 'python3-numpy': '1:1.24.2-1+deb12u1', tini: '0.19.0-1' });
    expect(Object.keys(parseDpkgList(out))).toEqual(['libc6', 'python3-numpy', 'tini']);
    // dpkg-query -W's default format (name:arch\tversion) is read too.
    expect(parseDpkgList('libc6:amd64\t2.36-9\nbash\t5.2.15-2+b2\n')).toEqual({ bash: '5.2.15-2+b2', libc6: '2.36-9' });
  });

  it('parsePipList reads the source line and the JSON list', () => {
    expect(parsePipList('# pip\n[{"name": "pytest", "version": "7.2.1"}, {"name": "Pygments", "version": "2.14.0"}]\n')).toEqual({
      packages: { Pygments: '2.14.0', pytest: '7.2.1' },
      source: 'pip',
    });
    expect(parsePipList('# importlib.metadata\n[{"name": "numpy", "version": "1.24.2"}]')).toEqual({ packages: { numpy: '1.24.2' }, source: 'importlib.metadata' });
    expect(parsePipList('# no python3\n')).toEqual({ packages: {}, source: 'none' });
    expect(parsePipList('# pip\nnot json\n').packages).toEqual({});
  });

  it('parseOsRelease unquotes values', () => {
    const text = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME=\'Debian\'\nVERSION_ID="12"\n# comment\nID=debian\nX="a \\"b\\""\n';
    expect(parseOsRelease(text)).toEqual({ PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)', NAME: 'Debian', VERSION_ID: '12', ID: 'debian', X: 'a "b"' });
  });

  describe('the pip command script (run with the host sh and python3)', () => {
    const python = spawnSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).stdout.trim();
    const run = (pathDirs: string[]) =>
      spawnSync('/bin/sh', ['-c', PIP_COMMAND.command], { encoding: 'utf8', env: { PATH: pathDirs.join(':') } });

    it('prints "# no python3" without python3', () => {
      const empty = mkdtempSync(path.join(os.tmpdir(), 'imagestack-nopy-'));
      const r = run([empty]);
      expect(r.status).toBe(0);
      expect(parsePipList(r.stdout)).toEqual({ packages: {}, source: 'none' });
      rmSync(empty, { recursive: true });
    });

    it.skipIf(!python)('falls back to importlib.metadata when pip is missing', () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-nopip-'));
      // A python3 whose `-m pip` fails as it does without the pip module.
      writeFileSync(
        path.join(dir, 'python3'),
        `#!/bin/sh\nif [ "$1" = -m ] && [ "$2" = pip ]; then echo "No module named pip" >&2; exit 1; fi\nexec ${python} "$@"\n`,
        { mode: 0o755 },
      );
      const r = run([dir, '/usr/bin', '/bin']);
      expect(r.status, r.stderr).toBe(0);
      const parsed = parsePipList(r.stdout);
      expect(parsed.source).toBe('importlib.metadata');
      expect(Object.keys(parsed.packages).length).toBeGreaterThan(0);
      rmSync(dir, { recursive: true });
    });
  });

  it('normalizePipName follows PEP 503', () => {
    expect(normalizePipName('Foo.Bar__baz')).toBe('foo-bar-baz');
  });
});

describe('package diff', () => {
  it('lists added, removed and changed packages by name', () => {
    const d = diffList({ a: '1', b: '2', c: '3' }, { b: '2', c: '4', d: '5', aa: '0' });
    expect(d).toEqual({
      added: [
        { name: 'aa', version: '0' },
        { name: 'd', version: '5' },
      ],
      removed: [{ name: 'a', version: '1' }],
      changed: [{ name: 'c', from: '3', to: '4' }],
    });
    const all = diffPackages({ dpkg: { x: '1' }, pip: {} }, { dpkg: { x: '1' }, pip: { y: '2' } });
    expect(countChanges(all)).toBe(1);
    expect(all.dpkg).toEqual({ added: [], removed: [], changed: [] });
  });
});

describe('layer table', () => {
  it('makes CreatedBy readable and drops build-arg values', () => {
    expect(trimCreatedBy('/bin/sh -c #(nop)  ENV LANG=C.UTF-8')).toBe('ENV LANG=C.UTF-8');
    expect(trimCreatedBy('/bin/sh -c apt-get update  && apt-get install -y\n   tini')).toBe('RUN apt-get update && apt-get install -y tini');
    expect(trimCreatedBy('|2 USER_NAME=sandbox TOKEN=s3cret /bin/sh -c groupadd x')).toBe('RUN groupadd x');
    expect(trimCreatedBy('RUN /bin/sh -c make # buildkit')).toBe('RUN make');
    expect(trimCreatedBy('/bin/sh -c #(nop) ADD file:abc in / ')).toBe('ADD file:abc in /');
    expect(trimCreatedBy('/bin/sh -c curl -u user:pass https://x/ --header "Authorization: Bearer Abc123def456"')).not.toContain('Abc123def456');
  });

  it('orders layers oldest first with ISO times and sizes', () => {
    const rows = layersFromHistory([
      { Id: 'sha256:b', Created: 1_700_000_100, CreatedBy: '/bin/sh -c #(nop)  USER 1000', Size: 0 },
      { Id: '<missing>', Created: 1_700_000_000, CreatedBy: '/bin/sh -c #(nop) ADD file:x in / ', Size: 74_000_000 },
    ]);
    expect(rows).toEqual([
      { created: '2023-11-14T22:13:20.000Z', createdBy: 'ADD file:x in /', size: 74_000_000 },
      { created: '2023-11-14T22:15:00.000Z', createdBy: 'USER 1000', size: 0 },
    ]);
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1500)).toBe('1.5 kB');
    expect(formatBytes(204_856_910)).toBe('205 MB');
  });
});

describe('manifest settings in specs.yml', () => {
  const raw = {
    defaults: { manifest: { timeout: 90, commands: [{ name: 'user', description: 'default user', command: 'id' }, { name: 'shell', command: 'readlink -f /bin/sh' }] } },
    images: {
      base: { manifest: { commands: [{ name: 'tini', description: 'tini version', command: 'tini --version' }] } },
      python: { manifest: { timeout: 200, commands: [{ name: 'user', description: 'who', command: 'id -un' }] } },
      plain: {},
    },
  };

  it('puts stack-wide commands first, lets an image replace one by name, and applies timeouts', () => {
    const base = resolveManifestSpec(raw, 'base');
    expect(base.issues).toEqual([]);
    expect(base.spec.commands.map((c) => c.name)).toEqual(['user', 'shell', 'tini']);
    expect(base.spec.timeoutSeconds).toBe(90);
    expect(base.spec.commands[1].description).toBe('readlink -f /bin/sh');
    const python = resolveManifestSpec(raw, 'python');
    expect(python.spec.commands).toEqual([
      { name: 'user', description: 'who', command: 'id -un' },
      { name: 'shell', description: 'readlink -f /bin/sh', command: 'readlink -f /bin/sh' },
    ]);
    expect(python.spec.timeoutSeconds).toBe(200);
    expect(resolveManifestSpec({ images: { x: {} } }, 'x').spec).toEqual({ commands: [], timeoutSeconds: 120 });
  });

  it('reports every problem at its line, with a fix', () => {
    // Shapes, names and the timeout range are specs.schema.json's (definitions `manifest`,
    // `manifestCommand`); a name used twice is readManifestSection's. Both are reported when
    // specs.yml is loaded, in file order.
    const text = `registry: r.example
namespace: ns
versions: { "1": {} }
defaults:
  manifest:
    colour: 1
    commands:
      - { name: dpkg, command: dpkg -l }
images:
  a:
    manifest:
      timeout: -1
      commands:
        - { name: x, command: "" }
        - { name: x, command: y }
        - { name: bad name, command: z }
        - { name: ok, command: c, extra: 1 }
  b:
    manifest: { commands: ls }
`;
    let problems: readonly Problem[] = [];
    try {
      parseSpecs(text, 'specs.yml', '/ws');
    } catch (e) {
      problems = (e as InputError).problems;
    }
    expect(problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      '6: unknown manifest setting "colour"',
      '8: manifest command name "dpkg" is built in: os-release, dpkg and pip always run',
      '12: manifest timeout must be a number of seconds between 1 and 3600, not -1',
      '14: manifest command "x" needs a non-empty `command`',
      '15: manifest command "x" is defined twice',
      '16: manifest command name "bad name" is not a valid name',
      '17: unknown key "extra" in a manifest command',
      '19: manifest commands must be a list',
    ]);
    expect(problems.every((p) => p.fix.length > 0)).toBe(true);
  });
});

describe('Markdown rendering', () => {
  const manifest: PackageManifest = {
    format: 1,
    image: 'python',
    version: '2026.1',
    tag: '2026.1-abc1234',
    reference: '127.0.0.1:5000/ns/python:2026.1-abc1234',
    imageId: 'sha256:0123',
    sourceCommit: 'abc1234'.padEnd(40, '0'),
    dirty: false,
    created: '2026-01-01T00:00:00Z',
    size: 123_456_789,
    os: { PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)' },
    layers: [{ created: '2026-01-01T00:00:00.000Z', createdBy: 'RUN echo "a|b" `x`', size: 1000 }],
    commands: {
      dpkg: { description: 'Debian packages', command: 'dpkg-query …', output: 'installed\ttini\t0.19.0-1', exitCode: 0, builtIn: true },
      long: { description: 'long output', command: 'seq 40', output: Array.from({ length: 40 }, (_, i) => String(i + 1)).join('\n'), exitCode: 0 },
      fence: { description: 'has a fence', command: 'cat x.md', output: '```\ncode\n```', exitCode: 3 },
    },
    packages: { dpkg: { tini: '0.19.0-1' }, pip: {} },
    pipSource: 'pip',
    diff: {
      previous: { tag: '2026.1-0000aaa', reference: '127.0.0.1:5000/ns/python:2026.1-0000aaa', sourceCommit: '0000aaa'.padEnd(40, '1') },
      dpkg: { added: [{ name: 'tini', version: '0.19.0-1' }], removed: [], changed: [{ name: 'libc6', from: '2.36-9', to: '2.36-9+deb12u4' }] },
      pip: { added: [], removed: [], changed: [] },
    },
  };

  it('has the reference, the diff, the layer table and folded long outputs', () => {
    const md = renderManifestMarkdown(manifest);
    expect(md).toMatch(/^# 127\.0\.0\.1:5000\/ns\/python:2026\.1-abc1234\n/);
    expect(md).toContain('| Image ID | `sha256:0123` |');
    expect(md).toContain('## Changes since 2026.1-0000aaa');
    expect(md).toContain('| libc6 | changed | `2.36-9` | `2.36-9+deb12u4` |');
    expect(md).toContain('| tini | added |  | `0.19.0-1` |');
    expect(md).toContain('### pip\n\nNo changes.');
    expect(md).toContain('| 1 | 2026-01-01T00:00:00.000Z | 1.0 kB | `` RUN echo "a\\|b" `x` `` |');
    expect(md).toContain('### long: long output');
    expect(md).toMatch(/<details>\n<summary>40 lines<\/summary>\n\n```text\n1\n2\n/);
    expect(md).toContain('````text\n```\ncode\n```\n````');
    expect(md).toContain('`cat x.md` · exit 3');
    expect(md).toContain('tini  0.19.0-1');
    expect(md.endsWith('\n')).toBe(true);
  });

  it('says when there is no previous tag', () => {
    const md = renderManifestMarkdown({ ...manifest, diff: { previous: null, reason: 'no earlier 2026.1-<sha7> tag in ns/python' } });
    expect(md).toContain('No previous tag to compare with: no earlier 2026.1-<sha7> tag in ns/python.');
  });

  it('code spans and blocks survive backticks', () => {
    expect(code('a`b')).toBe('``a`b``');
    expect(code('`x`')).toBe('`` `x` ``');
    expect(codeBlock('x', 'sh')).toBe('```sh\nx\n```');
  });
});
