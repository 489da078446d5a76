import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, type Problem } from '../errors';
import { readStack } from '../graph/read-stack';
import { loadSpecs } from '../specs/load';
import { entryMeaning } from '../specs/meaning';
import { parse } from 'yaml';
import { formatPlatform, parsePlatform, unameMachine } from './platform';
import { platformsAt } from './spec';

/**
 * A real workspace on disk (specs.yml + Dockerfiles naming parents as
 * `FROM ${REGISTRY}/<parent>:${<PARENT>_TAG}`), read by the real loader and graph reader.
 */
function workspace(specs: string, images: Record<string, string | undefined>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-platforms-'));
  writeFileSync(path.join(dir, 'specs.yml'), specs);
  for (const [name, parent] of Object.entries(images)) {
    mkdirSync(path.join(dir, 'images', name), { recursive: true });
    const from = parent
      ? `ARG REGISTRY\nARG ${parent.toUpperCase()}_TAG\nFROM \${REGISTRY}/${parent}:\${${parent.toUpperCase()}_TAG}\n`
      : 'FROM debian:bookworm-slim\n';
    writeFileSync(path.join(dir, 'images', name, 'Dockerfile'), `${from}RUN echo ${name} > /name\n`);
  }
  return path.join(dir, 'specs.yml');
}

const HEAD = 'registry: 127.0.0.1:5000\nnamespace: t\nversions:\n  "1": {}\n  "2": {}\n';

async function problemsOf(file: string): Promise<readonly Problem[]> {
  const err = await readStack(await loadSpecs(file)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return (err as InputError).problems;
}

describe('platforms in specs.yml', () => {
  it('resolves the most specific declaration: image version, image, stack; none is the engine\'s own', async () => {
    const file = workspace(
      `${HEAD}platforms: [linux/amd64]\nimages:\n  base:\n    platforms: [linux/amd64, linux/arm64]\n    versions:\n      "2": { platforms: [linux/arm64] }\n  leaf: {}\n`,
      { base: undefined, leaf: 'base' },
    );
    const specs = await loadSpecs(file);
    const [base, leaf] = specs.images;
    expect(platformsAt(base.platforms, '1')).toEqual(['linux/amd64', 'linux/arm64']);
    expect(platformsAt(base.platforms, '2')).toEqual(['linux/arm64']);
    expect(platformsAt(leaf.platforms, '1')).toEqual(['linux/amd64']);
    // linux/amd64 is not among base's platforms at version 2: the subset rule says so.
    const problems = await problemsOf(file);
    expect(problems).toEqual([
      {
        file: 'specs.yml',
        line: 6,
        column: 1,
        message:
          'image "leaf" is built for linux/amd64 at version 2, but its parent "base" is not, so there is no base image of that platform to build it FROM',
        fix: 'add linux/amd64 to the platforms of "base" (images.base.platforms in specs.yml), or remove linux/amd64 from platforms',
      },
    ]);
    // Not enumerable: specs as JSON (and compared structurally) read as without the key.
    expect(Object.keys(base)).not.toContain('platforms');
  });

  it('none declared anywhere: every version is the engine\'s own platform ([]), and nothing is refused', async () => {
    const file = workspace(`${HEAD}images:\n  base: {}\n  leaf: {}\n`, { base: undefined, leaf: 'base' });
    const stack = await readStack(await loadSpecs(file));
    expect(platformsAt(stack.images.get('leaf')!.spec.platforms, '1')).toEqual([]);
  });

  it('refuses a child platform its parent is not built for, at the child\'s platforms line, with the fix', async () => {
    const file = workspace(
      `${HEAD}images:\n  base:\n    platforms: [linux/amd64]\n  mid:\n    platforms: [linux/amd64, linux/arm64]\n  leaf: {}\n`,
      { base: undefined, mid: 'base', leaf: 'mid' },
    );
    expect(await problemsOf(file)).toEqual([
      {
        file: 'specs.yml',
        line: 10,
        column: 5,
        message:
          'image "mid" is built for linux/arm64 at versions 1, 2, but its parent "base" is not, so there is no base image of that platform to build it FROM',
        fix: 'add linux/arm64 to the platforms of "base" (images.base.platforms in specs.yml), or remove linux/arm64 from images.mid.platforms',
      },
    ]);
  });

  it('refuses platforms on a child whose parent declares none (built for the engine\'s platform only)', async () => {
    const file = workspace(
      `${HEAD}images:\n  base: {}\n  leaf:\n    versions:\n      "2": { platforms: [linux/arm64] }\n`,
      { base: undefined, leaf: 'base' },
    );
    const [p] = await problemsOf(file);
    expect(p.line).toBe(10);
    expect(p.message).toBe(
      'image "leaf" is built for linux/arm64 at version 2, but its parent "base" declares no platforms (it is built for the engine\'s own platform only), so there is no base image per platform to build it FROM',
    );
    expect(p.fix).toContain('images.leaf.versions[2].platforms');
  });

  it('accepts a child built for fewer platforms than its parent, and a child declaring none under a multi-platform parent', async () => {
    const file = workspace(
      `${HEAD}platforms: [linux/amd64, linux/arm64]\nimages:\n  base: {}\n  amd:\n    platforms: [linux/amd64]\n  plain:\n    platforms: [linux/arm64]\n`,
      { base: undefined, amd: 'base', plain: 'base' },
    );
    const stack = await readStack(await loadSpecs(file));
    expect(platformsAt(stack.images.get('amd')!.spec.platforms, '2')).toEqual(['linux/amd64']);
  });

  it('the schema refuses a platform that is not os/architecture[/variant], an empty list and repeats', async () => {
    const file = workspace(`${HEAD}images:\n  base:\n    platforms: [arm64]\n  two:\n    platforms: []\n  three:\n    platforms: [linux/arm64, linux/arm64]\n`, {
      base: undefined,
      two: undefined,
      three: undefined,
    });
    const err = await loadSpecs(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    const lines = (err as InputError).problems.map((p) => p.line);
    expect(lines).toEqual([8, 10, 12]);
  });

  it('the stack-wide platforms are part of every entry\'s meaning (they move every tag); absent or [] reads as before', () => {
    const doc = (extra: string) => parse(`${HEAD}${extra}images:\n  base: {}\n`);
    expect(entryMeaning(doc('platforms: [linux/amd64]\n'), 'base', '1')).not.toBe(entryMeaning(doc(''), 'base', '1'));
    expect(entryMeaning(doc('platforms: []\n'), 'base', '1')).toBe(entryMeaning(doc(''), 'base', '1'));
  });
});

describe('platform strings', () => {
  it('parses and formats os/architecture[/variant], and knows what uname -m says', () => {
    expect(parsePlatform('linux/arm/v7')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(formatPlatform(parsePlatform('linux/arm64'))).toBe('linux/arm64');
    expect(() => parsePlatform('arm64')).toThrow(/not a platform/);
    expect(unameMachine('linux/amd64')).toBe('x86_64');
    expect(unameMachine('linux/arm64')).toBe('aarch64');
  });
});
