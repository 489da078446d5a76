import { describe, expect, it } from 'vitest';
import { InputError } from '../errors';
import { parseSpecs } from './load';

describe('reserved image names', () => {
  it('refuses an image named imagestack-promotions, at its key, with the fix', () => {
    const text = 'registry: 127.0.0.1:5000\nnamespace: ns\nversions:\n  "2026.1":\nimages:\n  base:\n  imagestack-promotions:\n';
    let err: unknown;
    try {
      parseSpecs(text, 'specs.yml', '/ws');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems).toEqual([
      {
        file: 'specs.yml',
        line: 7,
        column: 3,
        message: 'image name "imagestack-promotions" is reserved: imagestack keeps the promotion history of the stack in the repository <namespace>/imagestack-promotions',
        fix: 'rename the image (and its folder images/imagestack-promotions/), e.g. to "promotions-image"',
      },
    ]);
  });

  it('refuses an image named imagestack-runs (the CI failure markers)', () => {
    const text = 'registry: 127.0.0.1:5000\nnamespace: ns\nversions:\n  "2026.1":\nimages:\n  imagestack-runs:\n';
    expect(() => parseSpecs(text, 'specs.yml', '/ws')).toThrow(/image name "imagestack-runs" is reserved: imagestack keeps the CI matrix jobs' failure markers/);
  });
});
