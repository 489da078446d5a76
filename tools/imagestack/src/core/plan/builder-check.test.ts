/**
 * Build secrets at plan time: the id a secret mount names, and the sources checked (an
 * environment passed in, real files) with the values registered for redaction. The stack is
 * the pipeline's fake (it stands for what `readStack` makes of a specs.yml).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeStack } from '../pipeline/__fixtures__/ports';
import { redact } from '../registry/redact';
import { resolveSecrets, secretMountId } from './builder-check';

describe('secretMountId', () => {
  it('is id=, else the base name of the target, for secret mounts only', () => {
    expect(secretMountId('type=secret,id=pip_token')).toBe('pip_token');
    expect(secretMountId('type=secret,target=/root/.netrc')).toBe('.netrc');
    expect(secretMountId('type=cache,target=/c')).toBeUndefined();
    expect(secretMountId('target=/x,from=a')).toBeUndefined();
  });
});

describe('resolveSecrets', () => {
  it('names a missing variable or file once, with the image and the specs.yml line; registers the values it finds', () => {
    const stack = fakeStack({ a: [], b: ['a'] });
    const token = `tok-${Date.now()}-value`;
    mkdirSync(path.join(stack.specs.root, 'secrets'));
    writeFileSync(path.join(stack.specs.root, 'secrets/netrc'), 'netrc-file-value\n');
    const shared = [
      { id: 'tok', env: 'TOK', line: 4 },
      { id: 'gone', env: 'GONE', line: 5 },
    ];
    Object.defineProperty(stack.images.get('a')!.spec, 'secrets', { value: shared });
    Object.defineProperty(stack.images.get('b')!.spec, 'secrets', { value: [...shared, { id: 'netrc', file: 'secrets/netrc', line: 9 }, { id: 'nofile', file: 'secrets/none', line: 10 }] });
    const { secrets, problems } = resolveSecrets(stack, ['a', 'b'], { TOK: token });
    expect(secrets.get('b')).toEqual([
      { id: 'tok', env: 'TOK' },
      { id: 'netrc', file: path.join(stack.specs.root, 'secrets/netrc') },
    ]);
    expect(problems.map((p) => `${p.file}:${p.line} ${p.message}`)).toEqual([
      'specs.yml:5 secret "gone" (used to build a) comes from environment variable GONE, which is not set',
      'specs.yml:10 secret "nofile" (used to build b) comes from file secrets/none, which does not exist',
    ]);
    expect(redact(`echo ${token} netrc-file-value`)).toBe('echo *** ***');
  });
});
