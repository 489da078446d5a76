/**
 * The stack graph as SVG: one node per image (its name, then per version the status,
 * current tag and stable tag), one edge per parent → child (solid: the final stage's
 * `FROM`; dashed: a build stage's `FROM` or a `COPY --from`). Every node is a link to the
 * image page, focusable with the keyboard, named for screen readers. Sizes are computed
 * here; positions come from {@link layoutGraph} (elkjs).
 */
import { html, imageFile, raw, type Html } from './html';
import { layoutGraph, type GraphLayout, type LayoutEdge, type LayoutNode } from './layout';
import type { SiteImage, SiteModel, SiteStatus } from './model';

/** Node width, header height and height of one version row, px. */
export const NODE = { width: 268, header: 30, row: 40, bottom: 6 } as const;

const SEVERITY: Record<SiteStatus, number> = { failed: 3, stale: 2, built: 1, skipped: 0 };
/** Stroke and text colours per status (same contrast pairs as the page CSS). */
const COLOURS: Record<SiteStatus, { fg: string; bg: string }> = {
  built: { fg: '#116329', bg: '#dafbe1' },
  skipped: { fg: '#424a53', bg: '#eaeef2' },
  failed: { fg: '#a40e26', bg: '#ffebe9' },
  stale: { fg: '#7d4e00', bg: '#fff8c5' },
};

/** The worst status of an image over its versions (failed, stale, built, skipped). */
export function worstStatus(img: SiteImage): SiteStatus {
  let worst: SiteStatus = 'skipped';
  for (const v of img.versions) if (SEVERITY[v.status] > SEVERITY[worst]) worst = v.status;
  return worst;
}

/** Node sizes and edges of the model, for the layout. */
export function graphOf(model: SiteModel): { nodes: LayoutNode[]; edges: Array<LayoutEdge & { final: boolean }> } {
  const names = new Set(model.images.map((i) => i.name));
  return {
    nodes: model.images.map((i) => ({ id: i.name, width: NODE.width, height: NODE.header + NODE.row * Math.max(1, i.versions.length) + NODE.bottom })),
    edges: model.images.flatMap((i) =>
      i.parents.filter((p) => names.has(p.image)).map((p) => ({ id: `${p.image}->${i.name}`, source: p.image, target: i.name, final: p.final })),
    ),
  };
}

/** Lays out and renders the graph (see the module comment). */
export async function renderGraph(model: SiteModel, prefix = ''): Promise<{ svg: Html; width: number; layout: GraphLayout }> {
  const { nodes, edges } = graphOf(model);
  const layout = await layoutGraph(nodes, edges);
  return { svg: graphSvg(model, layout, edges, prefix), width: layout.width, layout };
}

/**
 * What a node says, in words: the image, then per version its status, tag and stable tag.
 * The node's accessible name is its visible text, which reads in this order (an
 * `aria-label` would hide the visible words from speech input, WCAG 2.5.3).
 */
export function nodeLabel(img: SiteImage): string {
  const parts = img.versions.map(
    (v) => `${v.version}: ${v.status}, tag ${v.currentTag}, ${v.stable ? `stable ${v.stable.tag ?? 'an untagged digest'}` : 'no stable tag'}`,
  );
  return `${img.name}. ${parts.join('; ')}. Open the image page.`;
}

/** Renders the SVG for a finished layout. Pure. */
export function graphSvg(model: SiteModel, layout: GraphLayout, edges: Array<LayoutEdge & { final: boolean }>, prefix = ''): Html {
  const r = (n: number) => Math.round(n * 10) / 10;
  const edgeEls = edges.map((e) => {
    const pts = layout.edges[e.id] ?? [];
    if (pts.length < 2) return '';
    const d = pts.map((p, i) => `${i ? 'L' : 'M'}${r(p.x)} ${r(p.y)}`).join('');
    return html`<path d="${d}" fill="none" stroke="#6e7781" stroke-width="1.5"${raw(e.final ? '' : ' stroke-dasharray="5 4"')} marker-end="url(#arrow)"><title>${e.source} → ${e.target}${e.final ? '' : ' (build stage or COPY --from)'}</title></path>`;
  });
  const nodeEls = model.images.map((img) => {
    const box = layout.nodes[img.name];
    if (!box) return '';
    const worst = worstStatus(img);
    const rows = img.versions.map((v, i) => {
      const y = NODE.header + i * NODE.row;
      const c = COLOURS[v.status];
      const stable = v.stable ? `stable ${v.stable.tag ?? v.stable.digest.slice(0, 19)}` : 'no stable tag';
      return html`<line x1="0" x2="${NODE.width}" y1="${y}" y2="${y}" stroke="#d0d7de"/>
<rect x="8" y="${y + 5}" width="60" height="17" rx="8.5" fill="${c.bg}"/><text x="38" y="${y + 17.5}" font-size="11" font-weight="600" text-anchor="middle" fill="${c.fg}" style="fill:${c.fg}">${v.status}</text>
<text x="76" y="${y + 18}" font-size="12.5" class="mono">${v.currentTag}</text>
<text x="76" y="${y + 34}" font-size="11" fill="#57606a" style="fill:#57606a" class="mono">${stable}</text>`;
    });
    return html`<a class="node" href="${prefix}images/${imageFile(img.name)}" data-image="${img.name}" data-status="${worst}">
<g transform="translate(${r(box.x)} ${r(box.y)})">
<rect class="box" width="${NODE.width}" height="${r(box.height)}" rx="6" stroke="${COLOURS[worst].fg}"/>
<text x="10" y="20" font-size="14" font-weight="700">${img.name}</text>
${rows}
</g></a>`;
  });
  return html`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${layout.width} ${layout.height}" width="${layout.width}" height="${layout.height}" role="group" aria-labelledby="graph-title">
<title id="graph-title">Image graph: ${model.images.length} images, parents above their children</title>
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#6e7781"/></marker></defs>
${edgeEls}
${nodeEls}
</svg>`;
}
