/**
 * Lays out the stack graph with elkjs (the Eclipse Layout Kernel compiled to JavaScript;
 * algorithm `layered`, Sugiyama-style: layers top to bottom, crossings minimised, edges
 * routed orthogonally). Runs in Node at build time, so the site ships a finished SVG and
 * no layout code.
 */
import ELK, { type ElkNode } from 'elkjs/lib/elk.bundled.js';

/** A node to place: its id and size in px. */
export interface LayoutNode {
  id: string;
  width: number;
  height: number;
}

/** An edge from `source` to `target` (parent → child). */
export interface LayoutEdge {
  id: string;
  source: string;
  target: string;
}

/** The placed graph: node positions (top-left, px), edge polylines, the drawing's size. */
export interface GraphLayout {
  width: number;
  height: number;
  nodes: Record<string, { x: number; y: number; width: number; height: number }>;
  /** Each edge's route as points (start, bends, end), px. */
  edges: Record<string, Array<{ x: number; y: number }>>;
}

/** Layout options passed to elkjs (ELK's option ids; see the ELK reference, "Layered"). */
const OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.spacing.nodeNodeBetweenLayers': '48',
  'elk.spacing.nodeNode': '28',
  'elk.spacing.edgeNode': '16',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.padding': '[top=8,left=8,bottom=8,right=8]',
};

/**
 * Places `nodes` and routes `edges`. Deterministic: the same input gives the same layout.
 *
 * @throws Error from elkjs when an edge names an unknown node
 */
export async function layoutGraph(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]): Promise<GraphLayout> {
  const elk = new ELK();
  const graph: ElkNode = {
    id: 'stack',
    layoutOptions: OPTIONS,
    children: nodes.map((n) => ({ id: n.id, width: n.width, height: n.height })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
  const out: ElkNode = await elk.layout(graph);
  const layout: GraphLayout = { width: Math.ceil(out.width ?? 0), height: Math.ceil(out.height ?? 0), nodes: {}, edges: {} };
  for (const c of out.children ?? []) {
    layout.nodes[c.id] = { x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 };
  }
  for (const e of out.edges ?? []) {
    const points: Array<{ x: number; y: number }> = [];
    for (const s of e.sections ?? []) {
      points.push(s.startPoint, ...(s.bendPoints ?? []), s.endPoint);
    }
    layout.edges[e.id] = points.map((p) => ({ x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 }));
  }
  return layout;
}
