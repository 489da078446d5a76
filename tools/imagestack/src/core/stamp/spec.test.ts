/** The `stamp:` and `audit:` settings of specs.yml: bad ones stop at load time with file:line and a fix. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, type Problem } from '../errors';
import { loadSpecs, parseSpecs } from '../specs/load';
import { readAuditPolicy } from '../audit/spec';
import { readStampSpecs } from './spec';

// A start-point manifest as a coding dojo's test-framework image carries it (shape of ../shared/corpus/cyber-dojo).
const MANIFEST = `{
  "display_name": "C (gcc 12.2.0), assert",
  "image_name": "imagestack-example/gcc-assert:placeholder",
  "visible_filenames": ["hiker.c", "cyber-dojo.sh"],
  "filename_extension": [".c", ".h"],
  "tab_size": 4
}
`;

const SPECS = (stamp: string, audit = '') => `registry: 127.0.0.1:5000
namespace: ns
versions:
  "2026.1":
  "2026.2":
images:
  base: {}
  gcc-assert:
    skip: ["2026.1"]
${stamp}${audit}`;

const files: Record<string, string> = { 'images/gcc-assert/start_point/manifest.json': MANIFEST, 'broken.json': '{ "a": ' };
const read = (rel: string) => files[rel];

function problems(text: string): Problem[] {
  try {
    parseSpecs(text, 'specs.yml', '/ws', {}, read);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return [...(e as InputError).problems];
  }
  return [];
}

describe('stamp: settings', () => {
  it('reads a good list, with defaults', () => {
    const text = SPECS(`stamp:
  - { file: ./images/gcc-assert/start_point/manifest.json, pointer: /image_name, image: gcc-assert }
  - { file: images/gcc-assert/start_point/manifest.json, pointer: /display_name, image: base, version: "2026.1", form: "repository:tag" }
`);
    expect(problems(text)).toEqual([]);
    expect(readStampSpecs(parseSpecs(text, 'specs.yml', '/ws', {}, read).raw)).toEqual([
      { file: 'images/gcc-assert/start_point/manifest.json', pointer: '/image_name', tokens: ['image_name'], image: 'gcc-assert', form: 'repository:tag@digest' },
      { file: 'images/gcc-assert/start_point/manifest.json', pointer: '/display_name', tokens: ['display_name'], image: 'base', version: '2026.1', form: 'repository:tag' },
    ]);
  });

  it('reports each bad setting at its line, with a fix', () => {
    const text = SPECS(`stamp:
  - { file: images/gcc-assert/start_point/manifest.jsn, pointer: /image_name, image: gcc-assert }
  - { file: images/gcc-assert/start_point/manifest.json, pointer: /imagename, image: gcc-assert }
  - { file: images/gcc-assert/start_point/manifest.json, pointer: image_name, image: gcc-asert }
  - { file: ../elsewhere.json, pointer: /x, image: base }
  - { file: broken.json, pointer: /a, image: base }
  - { file: images/gcc-assert/start_point/manifest.json, pointer: /tab_size, image: gcc-assert, version: "2026.1" }
  - { file: images/gcc-assert/start_point/manifest.json, pointer: /image_name, image: base, version: "2026.3", colour: red }
`);
    const list = problems(text);
    const at = (line: number) => list.filter((p) => p.line === line).map((p) => `${p.message} | ${p.fix}`);
    expect(at(11)).toEqual([expect.stringMatching(/stamp file "images\/gcc-assert\/start_point\/manifest.jsn" does not exist \| correct the path/)]);
    expect(at(12)).toEqual([expect.stringMatching(/has no \/imagename: the top level has no "imagename" \| did you mean "\/image_name"\?/)]);
    expect(at(13)).toEqual([
      expect.stringMatching(/"image_name" is not a JSON Pointer \| .*e\.g\. "\/image_name"/),
      expect.stringMatching(/image "gcc-asert", which is not in "images" \| did you mean "gcc-assert"\?/),
    ]);
    expect(at(14)).toEqual([expect.stringMatching(/outside the workspace/)]);
    expect(at(15)).toEqual([expect.stringMatching(/broken.json" is not JSON/)]);
    expect(at(16)).toHaveLength(2);
    expect(at(16)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/skips version "2026.1", so it has no reference to stamp/),
        expect.stringMatching(/\/tab_size in .* holds a number, not a string/),
      ]),
    );
    expect(at(17).join('\n')).toMatch(/colour/); // unknown key: the schema
    for (const p of list) expect(p.file).toBe('specs.yml');
  });

  it('checks the files only when it can read them (pure parsing skips that)', () => {
    const text = SPECS('stamp:\n  - { file: missing.json, pointer: /x, image: base }\n');
    expect(() => parseSpecs(text, 'specs.yml', '/ws')).not.toThrow();
    expect(problems(text)).toHaveLength(1);
  });
});

describe('audit: settings', () => {
  it('reads the policy; --max-age replaces the age', () => {
    const d = `sha256:${'ab'.repeat(32)}`;
    const text = SPECS('', `audit:\n  maxStableAge: 30d\n  deny:\n    - { digest: "${d}", reason: CVE-2026-1 }\n`);
    const raw = parseSpecs(text, 'specs.yml', '/ws').raw;
    expect(readAuditPolicy(raw)).toEqual({ maxStableAge: '30d', maxStableAgeMs: 30 * 86_400_000, deny: [{ digest: d, reason: 'CVE-2026-1' }] });
    expect(readAuditPolicy(raw, '1h').maxStableAgeMs).toBe(3_600_000);
    expect(readAuditPolicy(parseSpecs(SPECS('', 'audit:\n  maxBaseAge: 2w\n'), 'specs.yml', '/ws').raw)).toMatchObject({ maxBaseAge: '2w', maxBaseAgeMs: 14 * 86_400_000 });
    expect(readAuditPolicy({})).toEqual({ deny: [] });
  });

  it('reports a bad duration, a bad or repeated digest, a missing reason', () => {
    const hex = 'ab'.repeat(32);
    const text = SPECS('', `audit:\n  maxStableAge: 30\n  deny:\n    - { digest: "${hex}", reason: x }\n    - { digest: "sha256:${hex}", reason: x }\n    - { digest: "sha256:${hex}", reason: y }\n    - { digest: "sha256:${'cd'.repeat(32)}" }\n`);
    const list = problems(text);
    const text0 = list.map((p) => `${p.line}: ${p.message} | ${p.fix}`).join('\n');
    expect(text0).toMatch(/^11: audit\.maxStableAge must be a string.* \| .*maxStableAge: 30d/m);
    expect(text0).toMatch(/^13: .* is not a sha256 digest \| write it with its algorithm: "sha256:abab/m);
    expect(text0).toMatch(/^15: digest sha256:abababababab… is denied twice/m);
    expect(text0).toMatch(/^16: audit\.deny\[3\] has no "reason"/m);
    expect(list).toHaveLength(4);
  });
});

describe('loadSpecs reads the stamp files of the workspace', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'imagestack-stamp-spec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops at load time when a stamp file or key is missing, and passes when both exist', async () => {
    const file = path.join(dir, 'specs.yml');
    writeFileSync(file, SPECS('stamp:\n  - { file: images/gcc-assert/start_point/manifest.json, pointer: /image_name, image: gcc-assert }\n'));
    const err = await loadSpecs(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/^specs\.yml:11:\d+: error: stamp file .* does not exist/);
    mkdirSync(path.join(dir, 'images/gcc-assert/start_point'), { recursive: true });
    writeFileSync(path.join(dir, 'images/gcc-assert/start_point/manifest.json'), MANIFEST);
    await expect(loadSpecs(file)).resolves.toBeTruthy();
  });
});

describe('the README', () => {
  it('shows stamp: and audit: examples that load as written', () => {
    const readme = readFileSync(path.resolve(__dirname, '../../../../../README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
    const stamp = blocks.find((b) => b.startsWith('stamp:'));
    const audit = blocks.find((b) => b.startsWith('audit:'));
    expect(stamp && audit).toBeTruthy();
    const text = SPECS(stamp!, audit!).replace('skip: ["2026.1"]', 'skip: []');
    expect(problems(text)).toEqual([]);
    expect(readStampSpecs(parseSpecs(text, 'specs.yml', '/ws').raw)[0]).toMatchObject({ image: 'gcc-assert', version: '2026.2', form: 'repository:tag@digest' });
  });
});
