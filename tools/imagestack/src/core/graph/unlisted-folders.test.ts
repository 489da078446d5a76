import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unlistedImageFolders } from './unlisted-folders';

describe('unlistedImageFolders', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'imagestack-unlisted-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('warns about each folder with a Dockerfile that specs.yml does not list, with the fix', () => {
    for (const [dir, dockerfile] of [['base', true], ['python', true], ['notes', false], ['zeta', true]] as const) {
      mkdirSync(path.join(root, 'images', dir), { recursive: true });
      if (dockerfile) writeFileSync(path.join(root, 'images', dir, 'Dockerfile'), 'FROM scratch\n');
    }
    writeFileSync(path.join(root, 'images', 'README.md'), '');
    expect(unlistedImageFolders(root, ['base'])).toEqual([
      'images/python/ has a Dockerfile but no entry in specs.yml images:, so it is never built; fix: add "python:" under images: in specs.yml (or remove the folder)',
      'images/zeta/ has a Dockerfile but no entry in specs.yml images:, so it is never built; fix: add "zeta:" under images: in specs.yml (or remove the folder)',
    ]);
    expect(unlistedImageFolders(root, ['base', 'python', 'zeta'])).toEqual([]);
  });

  it('has nothing to say without an images/ folder', () => {
    expect(unlistedImageFolders(path.join(root, 'nowhere'), [])).toEqual([]);
  });
});
