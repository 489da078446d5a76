/**
 * The durations chart of one image and version: one stacked bar per run that built it
 * (build step, then test gate), oldest left, as a small SVG with a text alternative. Pure.
 */
import { formatMs, formatTime, html, type Html } from './html';
import type { DurationPoint } from './model';

const W = 360;
const H = 120;
const PAD = { left: 44, right: 8, top: 10, bottom: 18 };
const BUILD = '#0969da';
const TEST = '#8250df';

/** The chart for `points` (oldest first); a sentence when there are none. */
export function renderDurations(points: readonly DurationPoint[], label: string): Html {
  if (!points.length) return html`<p class="empty">No run report holds a build of ${label} yet.</p>`;
  const shown = points.slice(-30);
  const max = Math.max(1, ...shown.map((p) => (p.buildMs ?? 0) + (p.testMs ?? 0)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / shown.length;
  const bw = Math.max(3, Math.min(28, slot * 0.7));
  const y = (ms: number) => PAD.top + plotH - (ms / max) * plotH;
  const bars = shown.map((p, i) => {
    const x = PAD.left + i * slot + (slot - bw) / 2;
    const b = p.buildMs ?? 0;
    const t = p.testMs ?? 0;
    const tip = `${formatTime(p.at)} ${p.tag} (${p.status}): build ${p.buildMs === undefined ? '–' : formatMs(b)}, test ${p.testMs === undefined ? '–' : formatMs(t)}`;
    return html`<g><title>${tip}</title><rect x="${x.toFixed(1)}" y="${y(b).toFixed(1)}" width="${bw.toFixed(1)}" height="${(y(0) - y(b)).toFixed(1)}" fill="${BUILD}"/><rect x="${x.toFixed(1)}" y="${y(b + t).toFixed(1)}" width="${bw.toFixed(1)}" height="${(y(b) - y(b + t)).toFixed(1)}" fill="${TEST}"/></g>`;
  });
  const last = shown[shown.length - 1];
  const summary = `Build and test durations of ${label} in ${shown.length} run${shown.length === 1 ? '' : 's'}; the latest: build ${last.buildMs === undefined ? 'not run' : formatMs(last.buildMs)}, test ${last.testMs === undefined ? 'not run' : formatMs(last.testMs)}; the longest ${formatMs(max)}.`;
  return html`<figure class="durations" style="margin:0">
<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${summary}">
<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(0)}" y2="${y(0)}" stroke="#8c959f"/>
<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(max)}" y2="${y(max)}" stroke="#d0d7de" stroke-dasharray="3 3"/>
<text x="${PAD.left - 4}" y="${y(max) + 4}" font-size="10" text-anchor="end" fill="#57606a" style="fill:#57606a">${formatMs(max)}</text>
<text x="${PAD.left - 4}" y="${y(0) + 4}" font-size="10" text-anchor="end" fill="#57606a" style="fill:#57606a">0</text>
${bars}
<rect x="${PAD.left}" y="${H - 11}" width="9" height="9" fill="${BUILD}"/><text x="${PAD.left + 12}" y="${H - 3}" font-size="10" fill="#57606a" style="fill:#57606a">build</text>
<rect x="${PAD.left + 50}" y="${H - 11}" width="9" height="9" fill="${TEST}"/><text x="${PAD.left + 62}" y="${H - 3}" font-size="10" fill="#57606a" style="fill:#57606a">test</text>
</svg>
<figcaption><details><summary>${summary}</summary><div class="scroll" role="region" tabindex="0" aria-label="durations of ${label}"><table><thead><tr><th scope="col">run started</th><th scope="col">tag</th><th scope="col">outcome</th><th scope="col" class="num">build</th><th scope="col" class="num">test</th></tr></thead><tbody>${[...shown].reverse().map(
    (p) => html`<tr><td>${formatTime(p.at)}</td><td class="mono">${p.tag}</td><td>${p.status}</td><td class="num">${p.buildMs === undefined ? '–' : formatMs(p.buildMs)}</td><td class="num">${p.testMs === undefined ? '–' : formatMs(p.testMs)}</td></tr>`,
  )}</tbody></table></div></details></figcaption>
</figure>`;
}
