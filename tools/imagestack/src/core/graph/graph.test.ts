import { describe, expect, it } from 'vitest';
import { DependencyGraph } from './graph';

// base ← python ← scipy ← toolbox, base ← gcc ← gcc-assert, gcc ← toolbox (specs order scrambled)
const nodes = ['scipy', 'toolbox', 'gcc-assert', 'python', 'gcc', 'base'];
const parents = new Map<string, string[]>([
  ['scipy', ['python']],
  ['toolbox', ['gcc', 'python', 'scipy']],
  ['gcc-assert', ['gcc']],
  ['python', ['base']],
  ['gcc', ['base']],
]);

describe('DependencyGraph', () => {
  const g = new DependencyGraph(nodes, parents);

  it('orders parents first, ties by the given order', () => {
    expect(g.topologicalOrder()).toEqual(['base', 'python', 'scipy', 'gcc', 'toolbox', 'gcc-assert']);
  });

  it('computes waves', () => {
    expect(Object.fromEntries(g.waves())).toEqual({ base: 0, python: 1, gcc: 1, scipy: 2, 'gcc-assert': 2, toolbox: 3 });
  });

  it('lists ancestors and descendants in topological order, without the node itself', () => {
    expect(g.ancestors('toolbox')).toEqual(['base', 'python', 'scipy', 'gcc']);
    expect(g.ancestors('base')).toEqual([]);
    expect(g.descendants('base')).toEqual(['python', 'scipy', 'gcc', 'toolbox', 'gcc-assert']);
    expect(g.descendants('gcc')).toEqual(['toolbox', 'gcc-assert']);
    expect(g.children('base')).toEqual(['python', 'gcc']);
    expect(() => g.ancestors('nope')).toThrow('unknown image "nope"');
  });

  it('finds no cycle in a DAG', () => {
    expect(g.findCycles()).toEqual([]);
  });

  it('reports each cycle as the full path, the same way whatever the Map order', () => {
    const edges: Array<[string, string[]]> = [
      ['e', ['a']],
      ['d', ['d']],
      ['c', ['a']],
      ['b', ['c']],
      ['a', ['x', 'b']],
    ];
    for (const order of [edges, [...edges].reverse()]) {
      const cyclic = new DependencyGraph(['a', 'b', 'c', 'd', 'e', 'x'], new Map(order));
      expect(cyclic.findCycles()).toEqual([
        ['a', 'b', 'c', 'a'],
        ['d', 'd'],
      ]);
      expect(() => cyclic.topologicalOrder()).toThrow('cycle');
    }
  });

  it('rejects unknown parents and duplicate nodes', () => {
    expect(() => new DependencyGraph(['a'], new Map([['a', ['b']]]))).toThrow('"a" has unknown parent "b"');
    expect(() => new DependencyGraph(['a', 'a'], new Map())).toThrow('listed twice');
  });
});
