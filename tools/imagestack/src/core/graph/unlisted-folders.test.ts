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

describe('unlistedImageFolders with variants (specs.yml `context:`)', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'imagestack-unlisted-variants-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('counts a folder named by an image’s context as listed, and warns about an unlisted variant with the context fix', () => {
    for (const dir of ['nb', 'nb/cuda12', 'nb/cuda11', 'nb/docs', 'moved']) {
      mkdirSync(path.join(root, 'images', dir), { recursive: true });
      if (dir !== 'nb/docs') writeFileSync(path.join(root, 'images', dir, 'Dockerfile'), 'FROM scratch\n');
    }
    // "elsewhere" lives in images/moved; nb-cuda12 in images/nb/cuda12; images/nb/cuda11 is no image's.
    const contexts = new Map([['nb-cuda12', './images/nb/cuda12/'], ['elsewhere', 'images/moved']]);
    expect(unlistedImageFolders(root, ['nb', 'nb-cuda12', 'elsewhere'], contexts)).toEqual([
      'images/nb/cuda11/ has a Dockerfile but is no image\'s context in specs.yml images:, so it is never built (its files are inputs of nb); ' +
        'fix: add an image with "context: images/nb/cuda11" under images: in specs.yml (or remove the folder)',
    ]);
    expect(unlistedImageFolders(root, ['nb', 'nb-cuda12', 'nb-cuda11', 'elsewhere'], new Map([...contexts, ['nb-cuda11', 'images/nb/cuda11']]))).toEqual([]);
  });
});
