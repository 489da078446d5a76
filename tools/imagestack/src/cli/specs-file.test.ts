import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSpecs } from '../core/specs/load';
import { credentialArgWarningsOf, credentialArgWarningsOfLoaded } from './specs-file';

describe('credentialArgWarningsOfLoaded', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'imagestack-specs-file-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = path.join(root, name);
    writeFileSync(file, text);
    return file;
  };
  const specs = (args: string) =>
    `registry: 127.0.0.1:5000\nnamespace: t\nversions:\n  "2026.1": { args: { DB_PASSWORD: x } }\nimages:\n  base:\n    args: { ${args} }\n    versions: { "2026.1": { args: { GH_TOKEN: y } } }\n`;

  it('gives the warnings of reading the file again, from the loaded specs', async () => {
    const file = write('specs.yml', specs('API_TOKEN: "1", USER: me'));
    const loaded = await loadSpecs(file);
    const again = credentialArgWarningsOf(file);
    expect(again.length).toBe(3);
    expect(credentialArgWarningsOfLoaded(file, loaded)).toEqual(again);
  });

  it('gives none when the text names no credential word, as reading again does', async () => {
    const file = write('plain.yml', 'registry: 127.0.0.1:5000\nnamespace: t\nversions: { "2026.1": {} }\nimages: { base: { args: { USER: me } } }\n');
    expect(credentialArgWarningsOfLoaded(file, await loadSpecs(file))).toEqual([]);
  });

  it('reads the file when the specs were loaded from another file, or not at all', async () => {
    const file = write('here.yml', specs('API_TOKEN: "1"'));
    const other = await loadSpecs(write('other.yml', specs('USER: me')));
    expect(credentialArgWarningsOfLoaded(file, other)).toEqual(credentialArgWarningsOf(file));
    expect(credentialArgWarningsOfLoaded(file, undefined)).toEqual(credentialArgWarningsOf(file));
    expect(credentialArgWarningsOf(file).some((w) => w.includes('API_TOKEN'))).toBe(true);
  });
});
