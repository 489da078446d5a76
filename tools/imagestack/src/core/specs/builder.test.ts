/** `builder:` and `secrets:` of specs.yml, the credential-like build arg warning, and IMAGESTACK_BUILDER. */
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import { builderFromEnv, mayNameCredentialArgs, specsCredentialWarnings } from './builder';
import { toSpecsJson } from './document';
import { parseSpecs } from './load';

const HEAD = 'registry: r:5000\nnamespace: ns\nversions:\n  "1": {}\n';

function problems(text: string): string[] {
  try {
    parseSpecs(text, 'specs.yml', '/ws');
    return [];
  } catch (e) {
    return (e as InputError).problems.map((p) => `${p.line}: ${p.message}`);
  }
}

describe('builder and secrets in specs.yml', () => {
  it('reads them: the image gets the stack-wide secrets, an id of its own replacing one, with their lines', () => {
    const specs = parseSpecs(
      `${HEAD}builder: buildkit\nsecrets:\n  - { id: a, env: A_TOKEN }\n  - { id: b, file: secrets/b }\nimages:\n  x:\n    secrets:\n      - { id: b, env: B }\n  y: {}\n`,
      'specs.yml',
      '/ws',
    );
    expect(specs.builder).toBe('buildkit');
    expect(specs.images[0].secrets).toEqual([
      { id: 'a', env: 'A_TOKEN', line: 7 },
      { id: 'b', env: 'B', line: 12 },
    ]);
    expect(specs.images[1].secrets?.map((s) => s.id)).toEqual(['a', 'b']);
    // Not enumerable: plan output and comparisons stay as they were.
    expect(Object.keys(specs)).not.toContain('builder');
    expect(Object.keys(specs.images[0])).not.toContain('secrets');
  });

  it('defaults to auto with no secrets', () => {
    const specs = parseSpecs(`${HEAD}images:\n  x: {}\n`, 'specs.yml', '/ws');
    expect(specs.builder).toBe('auto');
    expect(specs.images[0].secrets).toEqual([]);
  });

  it('refuses an unknown builder, a secret with no or two sources, and an id declared twice', () => {
    expect(problems(`${HEAD}builder: kaniko\nimages:\n  x: {}\n`)).toEqual([expect.stringMatching(/^5: .*builder/)]);
    expect(problems(`${HEAD}secrets:\n  - { id: a }\n  - { id: b, env: B, file: f }\n  - { id: c, env: C }\n  - { id: c, env: D }\nimages:\n  x: {}\n`)).toEqual([
      '6: secret "a" needs exactly one source: neither env nor file is given',
      '7: secret "b" needs exactly one source: both env and file are given',
      '9: secret id "c" is declared twice in this list',
    ]);
  });
});

describe('build args that look like credentials', () => {
  it('are warned about wherever specs.yml sets them, with the secrets: to write instead', () => {
    const w = specsCredentialWarnings({
      versions: { '1': { args: { NPM_TOKEN: 'x', PY: '3' } } },
      images: { x: { args: { DB_PASSWORD: 'x', MONKEY: 'y' }, versions: { '1': { args: { API_SECRET: 'z' } } } } },
    });
    expect(w.map((s) => s.split(' (')[0])).toEqual(['build arg NPM_TOKEN', 'build arg DB_PASSWORD', 'build arg MONKEY', 'build arg API_SECRET']);
    expect(w[0]).toContain('secrets: [{ id: npm_token, env: NPM_TOKEN }]');
    expect(w[0]).toContain('(specs.yml versions.1.args)');
  });
});

describe('IMAGESTACK_BUILDER', () => {
  it('overrides specs.yml for the Nx executors; a bad value is an input error', () => {
    expect(builderFromEnv({})).toEqual({});
    expect(builderFromEnv({ IMAGESTACK_BUILDER: 'classic' })).toEqual({ builder: 'classic', builderFrom: 'IMAGESTACK_BUILDER' });
    expect(() => builderFromEnv({ IMAGESTACK_BUILDER: 'kaniko' })).toThrow(InputError);
  });
});

describe('mayNameCredentialArgs (skips parsing specs.yml for the credential warnings)', () => {
  // Whenever it says false, the warnings of the parsed text are empty; it says true for each text that warns.
  const texts = [
    'images:\n  a:\n    args: { API_TOKEN: x }\n',
    'images:\n  a:\n    args: { "my_key": x }\n',
    'versions:\n  "1":\n    args:\n      Password: x\n',
    'images:\n  a:\n    versions:\n      "1":\n        args: { SECRET_FILE: y }\n',
    // An escape spells the name: only the parse can tell.
    'images:\n  a:\n    args: { "TO\\x4BEN": x }\n',
    'images:\n  a:\n    args: { "PASS\\\n      WORD": x }\n',
    'images:\n  a:\n    args: { USER: sandbox, OPT: "1" }\n',
    'versions:\n  "1":\n    args: { LEVEL: "2" }\nimages:\n  b: {}\n',
    '# a TOKEN in a comment only\nimages:\n  a: {}\n',
    'images: [',
  ];
  it.each(texts)('%j', (text) => {
    const warns = specsCredentialWarnings(toSpecsJson(text)).length > 0;
    if (!mayNameCredentialArgs(text)) expect(warns).toBe(false);
    if (warns) expect(mayNameCredentialArgs(text)).toBe(true);
  });
  it('says false for a text with no credential word and no escape, and true for the escapes', () => {
    expect(mayNameCredentialArgs('images:\n  a:\n    args: { USER: sandbox }\n')).toBe(false);
    expect(specsCredentialWarnings(toSpecsJson('images:\n  a:\n    args: { "TO\\x4BEN": x }\n'))).toHaveLength(1);
    expect(mayNameCredentialArgs('images:\n  a:\n    args: { "TO\\x4BEN": x }\n')).toBe(true);
  });
});
