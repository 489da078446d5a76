/**
 * The page shell every site page shares: `<head>` with inline CSS (no CDN, no external
 * file, so a page works alone from `file://`), a skip link, the navigation, `<main>`, and
 * a footer saying where the data came from. Pure.
 */
import { html, raw, formatTime, type Html } from './html';
import type { SiteModel, SiteStatus } from './model';

/** The pages, for the navigation. `prefix` is the path back to the site root ('' or '../'). */
export type PageId = 'stack' | 'promotions' | 'run' | 'image';

/** Status colours: text and background pairs with a contrast ratio of at least 4.5:1 (WCAG 2.1 AA). */
const CSS = `
:root{--fg:#1f2328;--muted:#57606a;--bg:#fff;--line:#d0d7de;--link:#0550ae;--focus:#0969da;--code:#f6f8fa;
--built:#116329;--built-bg:#dafbe1;--skipped:#424a53;--skipped-bg:#eaeef2;--failed:#a40e26;--failed-bg:#ffebe9;--stale:#7d4e00;--stale-bg:#fff8c5}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--link)}
a:focus-visible,button:focus-visible,summary:focus-visible,.scroll:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,"DejaVu Sans Mono",monospace;font-size:.9em}
pre{background:var(--code);padding:.6em .8em;overflow:auto;border-radius:6px;max-height:28em}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:2}
header.site{border-bottom:1px solid var(--line);padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.25rem 1.5rem;align-items:baseline}
header.site .brand{font-weight:700;margin:0;font-size:1.05rem}
header.site nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
header.site nav a[aria-current=page]{font-weight:700;color:var(--fg)}
main{padding:1rem;max-width:1240px;margin:0 auto}
h1{font-size:1.5rem;margin:.2rem 0 .4rem}h2{font-size:1.2rem;margin:1.6rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}h3{font-size:1.02rem;margin:1.2rem 0 .4rem}
.lead{color:var(--muted);margin:.2rem 0 1rem}
.badge{display:inline-block;border-radius:1em;padding:0 .6em;font-size:.82em;font-weight:600;white-space:nowrap}
.s-built{color:var(--built);background:var(--built-bg)}.s-skipped{color:var(--skipped);background:var(--skipped-bg)}
.s-failed{color:var(--failed);background:var(--failed-bg)}.s-stale{color:var(--stale);background:var(--stale-bg)}
.s-pushed{color:var(--built);background:var(--built-bg)}.s-blocked,.s-cancelled{color:var(--failed);background:var(--failed-bg)}
.tag-current{color:#0a3069;background:#ddf4ff}.tag-stable{color:#3e1f79;background:#fbefff}
.scroll{overflow-x:auto;max-width:100%}
td.time{white-space:nowrap}
table{border-collapse:collapse;margin:.4rem 0 1rem;min-width:100%}
th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.85em;color:var(--muted);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td code,th code{white-space:nowrap}
.legend{display:flex;flex-wrap:wrap;gap:.4rem 1rem;margin:.4rem 0;padding:0;list-style:none}
figure.graph{margin:0 0 1rem;border:1px solid var(--line);border-radius:8px;padding:.5rem;overflow-x:auto}
figure.graph svg{display:block;width:100%;height:auto;max-width:var(--w)}
figure.graph figcaption{color:var(--muted);font-size:.9em}
@media (max-width:700px){figure.graph svg{width:var(--w);max-width:none}}
svg .node rect.box{fill:#fff;stroke-width:2}
svg .node:focus-visible rect.box,svg .node:hover rect.box{stroke:var(--focus);stroke-width:4}
svg .node:focus{outline:none}
svg text{font-family:system-ui,"DejaVu Sans",sans-serif;fill:var(--fg)}
svg .mono{font-family:ui-monospace,"DejaVu Sans Mono",monospace}
.cards{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:.8rem}
.cards li{border:1px solid var(--line);border-radius:8px;padding:.6rem .8rem}
.cards h3{margin:0 0 .3rem}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:.3rem 0}dl.kv dt{color:var(--muted)}dl.kv dd{margin:0;overflow-wrap:anywhere}
.diff-added{color:var(--built)}.diff-removed{color:var(--failed)}
tr.differs td{background:var(--stale-bg)}
.copy{display:flex;gap:.4rem;align-items:center;flex-wrap:wrap}.copy code{background:var(--code);padding:.2em .4em;border-radius:4px;overflow-wrap:anywhere}
button{font:inherit;font-size:.85em;padding:.15em .6em;border:1px solid var(--line);border-radius:6px;background:var(--code);color:var(--fg);cursor:pointer}
.empty{color:var(--muted);font-style:italic}
footer{color:var(--muted);font-size:.85em;border-top:1px solid var(--line);padding:.8rem 1rem;max-width:1240px;margin:2rem auto 0}
details>summary{cursor:pointer}
.chart{max-width:100%;height:auto}
`;

/** A little script: copy buttons (Clipboard API, with a select-and-copy fallback for file:// pages). */
const SCRIPT = `
document.addEventListener('click',function(e){var b=e.target.closest&&e.target.closest('button[data-copy]');if(!b)return;
var t=b.getAttribute('data-copy'),done=function(){b.textContent='Copied';setTimeout(function(){b.textContent='Copy'},1500)};
if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(t).then(done,fallback)}else fallback();
function fallback(){var a=document.createElement('textarea');a.value=t;a.setAttribute('readonly','');a.style.position='fixed';a.style.left='-999px';document.body.appendChild(a);a.select();try{document.execCommand('copy');done()}catch(x){}document.body.removeChild(a)}});
`;

/** The coloured status label (colour plus the word, never colour alone). */
export function statusBadge(status: SiteStatus | string, label: string = status): Html {
  return html`<span class="badge s-${status}">${label}</span>`;
}

/** A command with a copy button. */
export function copyCommand(command: string): Html {
  return html`<span class="copy"><code>${command}</code><button type="button" data-copy="${command}" aria-label="Copy the command ${command}">Copy</button></span>`;
}

/**
 * A whole page.
 *
 * @param prefix path from this page to the site root (`''` or `'../'`)
 */
export function page(model: SiteModel, opts: { title: string; current: PageId; prefix: string; body: Html }): string {
  const nav: Array<[PageId, string, string]> = [
    ['stack', 'Stack', 'index.html'],
    ['promotions', 'Promotions', 'promotions.html'],
    ['run', 'Last run', 'run.html'],
  ];
  const warnings = model.sources.warnings;
  return `<!doctype html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${opts.title} · imagestack ${model.namespace}</title>
<meta name="generator" content="imagestack site">
<style>${raw(CSS.trim())}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
<p class="brand">imagestack · ${model.namespace}</p>
<nav aria-label="Site"><ul>${nav.map(
    ([id, label, href]) => html`<li><a href="${opts.prefix}${href}"${raw(opts.current === id ? ' aria-current="page"' : '')}>${label}</a></li>`,
  )}</ul></nav>
</header>
<main id="main">
${opts.body}
</main>
<footer>
<p>Generated ${formatTime(model.generatedAt)} for commit <code>${model.head.slice(0, 12)}</code>${model.dirty ? ' (with uncommitted changes)' : ''} from the registry <code>${model.registry}/${model.namespace}</code>${
    model.sources.runDir ? html`, the run outputs in <code>${model.sources.runDir}</code> (${model.sources.runReports} run report${model.sources.runReports === 1 ? '' : 's'})` : ', no run outputs'
  }${model.sources.promotionsNote ? '' : ' and the promotion history in the registry'}.</p>
${warnings.length ? html`<details><summary>${warnings.length} problem${warnings.length === 1 ? '' : 's'} while reading</summary><ul>${warnings.map((w) => html`<li>${w}</li>`)}</ul></details>` : ''}
</footer>
<script>${raw(SCRIPT.trim())}</script>
</body>
</html>`}\n`;
}
