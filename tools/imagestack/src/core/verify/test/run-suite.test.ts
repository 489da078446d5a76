import { describe, expect, it } from 'vitest';
import { inOrder } from './run-suite';

describe('inOrder', () => {
  it('sends stderr into stdout inside the container for shell commands', () => {
    expect(inOrder(['sh', '-c', 'make test'])).toEqual(['sh', '-c', 'exec 2>&1\nmake test']);
  });
  it('leaves exec-form commands alone (the image may have no shell)', () => {
    expect(inOrder(['pytest', '-q'])).toEqual(['pytest', '-q']);
  });
});
