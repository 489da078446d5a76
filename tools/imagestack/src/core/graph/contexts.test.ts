/** innerContexts on the fixture stack test/fixtures/stacks/variants, read with the real loader and reader. */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpecs } from '../specs/load';
import { innerContexts } from './contexts';
import { readStack } from './read-stack';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/stacks/variants');

describe('innerContexts', () => {
  it('names the variants inside an image’s context, relative to it, and nothing for the variants', async () => {
    const stack = await readStack(await loadSpecs(path.join(FIXTURE, 'specs.yml')));
    expect(innerContexts(stack, 'notebook')).toEqual(['cuda11', 'cuda12']);
    expect(innerContexts(stack, 'notebook-cuda12')).toEqual([]);
    expect(innerContexts(stack, 'nowhere')).toEqual([]);
  });
});
