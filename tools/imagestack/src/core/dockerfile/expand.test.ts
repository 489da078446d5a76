import { describe, expect, it } from 'vitest';
import { expandWord, splitRawReference } from './expand';

const vars: Record<string, string> = { REGISTRY: '127.0.0.1:5000/ns', PYTHON_TAG: '2026.1-abc1234', EMPTY: '' };
const lookup = (n: string) => vars[n];

describe('expandWord', () => {
  it('substitutes $X and ${X} and records where each variable is', () => {
    const e = expandWord('${REGISTRY}/python:$PYTHON_TAG', lookup);
    expect(e.value).toBe('127.0.0.1:5000/ns/python:2026.1-abc1234');
    expect(e.variables).toEqual([
      { name: 'REGISTRY', offset: 0, length: 11 },
      { name: 'PYTHON_TAG', offset: 19, length: 11 },
    ]);
    expect(e.unresolved).toEqual([]);
  });

  it('applies :- - :+ + defaults, expanding the default word', () => {
    expect(expandWord('${MISSING:-debian}', lookup).value).toBe('debian');
    expect(expandWord('${EMPTY:-debian}', lookup).value).toBe('debian');
    expect(expandWord('${EMPTY-debian}', lookup).value).toBe('');
    expect(expandWord('${MISSING-${REGISTRY}/x}', lookup).value).toBe('127.0.0.1:5000/ns/x');
    expect(expandWord('x${PYTHON_TAG:+-yes}', lookup).value).toBe('x-yes');
    expect(expandWord('x${MISSING:+-yes}', lookup).value).toBe('x');
    expect(expandWord('${MISSING:-d}', lookup).unresolved).toEqual([]);
  });

  it('reports unset variables without a default as unresolved', () => {
    const e = expandWord('debian:${MISSING}', lookup);
    expect(e.value).toBe('debian:');
    expect(e.unresolved).toEqual([{ name: 'MISSING', offset: 7, length: 10 }]);
    expect(expandWord('${MISSING:?required}', lookup).unresolved.map((v) => v.name)).toEqual(['MISSING']);
  });

  it('removes quotes, honours escapes and keeps a lone $', () => {
    expect(expandWord('"${REGISTRY}/a"', lookup).value).toBe('127.0.0.1:5000/ns/a');
    expect(expandWord("'${REGISTRY}'", lookup).value).toBe('${REGISTRY}');
    expect(expandWord('\\$REGISTRY', lookup).value).toBe('$REGISTRY');
    expect(expandWord('`$REGISTRY', lookup, '`').value).toBe('$REGISTRY');
    expect(expandWord('a$', lookup).value).toBe('a$');
    expect(expandWord('a${', lookup).value).toBe('a${');
  });
});

describe('splitRawReference', () => {
  it('splits outside ${…} so :- defaults and registry ports are not tags', () => {
    expect(splitRawReference('${REGISTRY}/python:${PYTHON_TAG}')).toEqual({ repository: '${REGISTRY}/python', tag: '${PYTHON_TAG}' });
    expect(splitRawReference('${REG:-localhost:5000}/python')).toEqual({ repository: '${REG:-localhost:5000}/python' });
    expect(splitRawReference('localhost:5000/ns/python:${PYTHON_TAG:-x}')).toEqual({
      repository: 'localhost:5000/ns/python',
      tag: '${PYTHON_TAG:-x}',
    });
    expect(splitRawReference('debian@sha256:abc')).toEqual({ repository: 'debian', digest: 'sha256:abc' });
    expect(splitRawReference('debian:12@sha256:abc')).toEqual({ repository: 'debian', tag: '12', digest: 'sha256:abc' });
  });
});
