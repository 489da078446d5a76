/**
 * A directed graph of image names, child → parents, with deterministic traversals: every
 * answer depends only on the node order given (specs.yml order) and each node's parent
 * order (Dockerfile order), never on Map or Set iteration of anything else.
 *
 * Written by hand rather than on `@dagrejs/graphlib` (removed from the dependencies): it
 * keeps nodes as keys of plain objects, so an image named like an integer (`2026`, a valid
 * repository component) iterates before the others whatever the specs.yml order
 * (`nodes()` of `python, 2026, base` is `2026, python, base`); its `topsort` takes no tie
 * order; and its `findCycles` returns strongly connected components, not the path that
 * closes a cycle that the messages show. Each answer would have to be re-sorted by specs
 * order afterwards, which is this file's work anyway (cycle walk as in google/wireit
 * `src/analyzer.ts`). Every method is linear or quadratic in the number of images.
 */

/** A cycle as the path that closes it: `['a', 'b', 'c', 'a']` means a uses b, b uses c, c uses a. */
export type Cycle = string[];

/** An image dependency graph. Build it with {@link DependencyGraph.constructor}; it is immutable. */
export class DependencyGraph {
  /** Node names in the order given (ties are broken in this order everywhere). */
  readonly nodes: readonly string[];
  readonly #index = new Map<string, number>();
  readonly #parents = new Map<string, readonly string[]>();
  readonly #children = new Map<string, string[]>();
  #order?: string[];

  /**
   * @param nodes every node, in the order that breaks ties (specs.yml order)
   * @param parentsOf each node's parents (the images it uses), in Dockerfile order; nodes
   *   missing from the map have none. Duplicates are ignored.
   * @throws Error when a parent is not one of `nodes`, or a node is listed twice
   *   (programming errors: unknown parents are reported as input problems before this)
   */
  constructor(nodes: readonly string[], parentsOf: ReadonlyMap<string, readonly string[]>) {
    this.nodes = [...nodes];
    this.nodes.forEach((n, i) => {
      if (this.#index.has(n)) throw new Error(`node "${n}" listed twice`);
      this.#index.set(n, i);
      this.#children.set(n, []);
    });
    for (const n of this.nodes) {
      const parents = [...new Set(parentsOf.get(n) ?? [])];
      for (const p of parents) {
        if (!this.#index.has(p)) throw new Error(`"${n}" has unknown parent "${p}"`);
        this.#children.get(p)!.push(n);
      }
      this.#parents.set(n, parents);
    }
  }

  /** Direct parents of `name`, in the order given. @throws Error for an unknown name */
  parents(name: string): readonly string[] {
    this.#check(name);
    return this.#parents.get(name)!;
  }

  /** Direct children of `name`, in node order. @throws Error for an unknown name */
  children(name: string): readonly string[] {
    this.#check(name);
    return this.#children.get(name)!;
  }

  /**
   * Every cycle found by a depth-first walk from each node in node order, following
   * parents in their given order; one cycle per edge that closes one (a back edge). The
   * same graph always gives the same cycles, starting from the same node. A node that
   * uses itself gives `[n, n]`. Empty when the graph is acyclic.
   */
  findCycles(): Cycle[] {
    const cycles: Cycle[] = [];
    const state = new Map<string, 'active' | 'done'>();
    const path: string[] = [];
    const visit = (n: string): void => {
      state.set(n, 'active');
      path.push(n);
      for (const p of this.#parents.get(n)!) {
        const s = state.get(p);
        if (s === 'active') cycles.push([...path.slice(path.indexOf(p)), p]);
        else if (s === undefined) visit(p);
      }
      path.pop();
      state.set(n, 'done');
    };
    for (const n of this.nodes) if (!state.has(n)) visit(n);
    return cycles;
  }

  /**
   * All nodes, parents before children; among nodes whose parents are all placed, the
   * earliest in node order comes first (Kahn's algorithm with an ordered ready set).
   *
   * @throws Error when the graph has a cycle (check {@link findCycles} first)
   */
  topologicalOrder(): string[] {
    if (this.#order) return [...this.#order];
    const waiting = new Map(this.nodes.map((n) => [n, this.#parents.get(n)!.length]));
    // The ready set as a binary min-heap of node indexes: taking the earliest ready node is
    // O(log n), where sorting the ready list before each take was O(n log n).
    const ready = new MinHeap();
    this.nodes.forEach((n, i) => {
      if (waiting.get(n) === 0) ready.push(i);
    });
    const order: string[] = [];
    while (ready.size > 0) {
      const n = this.nodes[ready.pop()];
      order.push(n);
      for (const c of this.#children.get(n)!) {
        const left = waiting.get(c)! - 1;
        waiting.set(c, left);
        if (left === 0) ready.push(this.#index.get(c)!);
      }
    }
    if (order.length !== this.nodes.length) {
      throw new Error(`the graph has a cycle: ${this.nodes.filter((n) => !order.includes(n)).join(', ')}`);
    }
    this.#order = order;
    return [...order];
  }

  /**
   * Wave of each node: 0 when it has no parents, else 1 + the highest wave of its parents.
   * Every node of a wave can be built in parallel once the earlier waves are done.
   * Keys are in topological order. @throws Error when the graph has a cycle
   */
  waves(): Map<string, number> {
    const waves = new Map<string, number>();
    for (const n of this.topologicalOrder()) {
      const parents = this.#parents.get(n)!;
      waves.set(n, parents.length === 0 ? 0 : 1 + Math.max(...parents.map((p) => waves.get(p)!)));
    }
    return waves;
  }

  /**
   * Transitive parents of `name`, not including itself, in topological order.
   * @throws Error for an unknown name or a cyclic graph
   */
  ancestors(name: string): string[] {
    return this.#reach(name, (n) => this.#parents.get(n)!);
  }

  /**
   * Transitive children of `name`, not including itself, in topological order.
   * @throws Error for an unknown name or a cyclic graph
   */
  descendants(name: string): string[] {
    return this.#reach(name, (n) => this.#children.get(n)!);
  }

  #reach(name: string, next: (n: string) => readonly string[]): string[] {
    this.#check(name);
    const seen = new Set<string>();
    const stack = [...next(name)];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...next(n));
    }
    seen.delete(name);
    return this.topologicalOrder().filter((n) => seen.has(n));
  }

  #check(name: string): void {
    if (!this.#index.has(name)) throw new Error(`unknown image "${name}"`);
  }
}

/** A binary min-heap of numbers (the textbook array layout: children of i at 2i+1, 2i+2). */
class MinHeap {
  readonly #a: number[] = [];

  get size(): number {
    return this.#a.length;
  }

  push(x: number): void {
    const a = this.#a;
    let i = a.push(x) - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (a[up] <= x) break;
      a[i] = a[up];
      i = up;
    }
    a[i] = x;
  }

  /** Removes and returns the smallest number. Only call when `size > 0`. */
  pop(): number {
    const a = this.#a;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const c = l + 1 < a.length && a[l + 1] < a[l] ? l + 1 : l;
        if (a[c] >= last) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
