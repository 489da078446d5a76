/**
 * The four kinds of page, rendered from the {@link SiteModel}. Pure: model in, HTML out.
 * Links are relative (`index.html`, `images/<name>.html`, `../run.html`), so the site
 * works from `file://`, from any sub-path of GitHub Pages and from `imagestack serve`.
 */
import type { Promotion } from '../release/types';
import type { ListDiff } from '../verify/manifest/diff';
import { formatBytes } from '../util/format';
import { formatAge } from '../util/duration';
import { esc, formatMs, formatTime, html, imageFile, raw, shortDigest, type Html } from './html';
import type { SiteImage, SiteImageVersion, SiteManifest, SiteModel, SiteTag } from './model';
import { commitUrl } from './assemble';
import { shortPin, splitPin } from '../dockerfile/pins';
import { renderDurations } from './render-chart';
import { worstStatus } from './render-graph';
import { copyCommand, page, statusBadge } from './render-page';
import { renderOlderPlatformDiffs, renderPlatformManifests } from './render-platforms';

const STATUS_WORDS: Array<[string, string]> = [
  ['built', 'built by the last run'],
  ['skipped', 'tag already in the registry'],
  ['failed', 'failed (or blocked by a failed parent) in the last run'],
  ['stale', 'changed since: tag not built yet'],
];

function digestCode(d: string | undefined): Html {
  return d ? html`<code title="${d}">${shortDigest(d)}</code>` : html`<span class="empty">–</span>`;
}

function commitLink(sha: string | undefined, url: string | undefined): Html {
  if (!sha) return html`<span class="empty">–</span>`;
  return url ? html`<a href="${url}" title="${sha}"><code>${sha.slice(0, 7)}</code></a>` : html`<code title="${sha}">${sha.slice(0, 7)}</code>`;
}

/** The stack page (`index.html`): the graph, a legend, and the same facts as a list. */
export function renderStackPage(model: SiteModel, graph: { svg: Html; width: number }): string {
  const run = model.run;
  const body = html`<h1>The stack</h1>
<p class="lead">${model.images.length} images, versions ${model.versions.join(', ')}, tags planned for commit <code>${model.head.slice(0, 7)}</code>${model.dirty ? ' (uncommitted changes)' : ''}. ${
    run
      ? html`Last run <a href="run.html">${formatTime(run.startedAt)}</a>: ${statusBadge(run.ok ? 'built' : 'failed', run.ok ? 'passed' : 'failed')}.`
      : 'No run report yet.'
  }</p>
<ul class="legend" aria-label="Colours">${STATUS_WORDS.map(([s, words]) => html`<li>${statusBadge(s)} ${words}</li>`)}<li>── final stage <code>FROM</code></li><li>- - build stage or <code>COPY --from</code></li></ul>
<figure class="graph" style="--w:${graph.width}px">
${graph.svg}
<figcaption>Select an image to open its page (Tab moves between images).</figcaption>
</figure>
<h2 id="images">Images</h2>
<ul class="cards" aria-labelledby="images">${model.images.map((img) => stackCard(img))}</ul>`;
  return page(model, { title: 'Stack', current: 'stack', prefix: '', body });
}

function stackCard(img: SiteImage): Html {
  return html`<li data-image="${img.name}" data-status="${worstStatus(img)}"><h3><a href="images/${imageFile(img.name)}">${img.name}</a></h3>
<dl class="kv">${img.parents.length ? html`<dt>from</dt><dd>${img.parents.map((p, i) => html`${i ? ', ' : ''}<a href="images/${imageFile(p.image)}">${p.image}</a>`)}</dd>` : html`<dt>from</dt><dd>${img.externalBases.join(', ') || '–'}</dd>`}
${img.versions.map(
    (v) => html`<dt>${v.version}</dt><dd>${statusBadge(v.status)} <code data-tag="${v.currentTag}">${v.currentTag}</code><br><span class="lead">stable: ${v.stable ? html`<code>${v.stable.tag ?? shortDigest(v.stable.digest)}</code>` : 'none'}</span></dd>`,
  )}</dl></li>`;
}

/** Package list differences as a table (dpkg and pip); an empty diff says so. */
export function renderDiff(m: SiteManifest): Html {
  const d = m.diff;
  if (d.previous === null) return html`<p class="empty">No package diff: ${d.reason}.</p>`;
  const rows: Html[] = [];
  const add = (kind: string, list: ListDiff) => {
    for (const p of list.changed) rows.push(html`<tr><td>${kind}</td><td><code>${p.name}</code></td><td>changed</td><td class="mono">${p.from}</td><td class="mono">${p.to}</td></tr>`);
    for (const p of list.added) rows.push(html`<tr class="diff-added"><td>${kind}</td><td><code>${p.name}</code></td><td>added</td><td></td><td class="mono">${p.version}</td></tr>`);
    for (const p of list.removed) rows.push(html`<tr class="diff-removed"><td>${kind}</td><td><code>${p.name}</code></td><td>removed</td><td class="mono">${p.version}</td><td></td></tr>`);
  };
  add('dpkg', d.dpkg);
  add('pip', d.pip);
  const prev = html`<code>${d.previous.tag}</code> (source commit <code>${d.previous.sourceCommit.slice(0, 7)}</code>)`;
  if (!rows.length) return html`<p>No package changed since ${prev}.</p>`;
  return html`<p>${rows.length} package change${rows.length === 1 ? '' : 's'} since ${prev}:</p>
<div class="scroll" role="region" tabindex="0" aria-label="package changes"><table class="diff"><thead><tr><th scope="col">list</th><th scope="col">package</th><th scope="col">change</th><th scope="col">before</th><th scope="col">after</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function manifestSection(v: SiteImageVersion, prefix: string): Html {
  const withManifest = v.tags.filter((t) => t.manifest || t.platformManifests);
  if (!withManifest.length) return html`<p class="empty">No package manifest of ${v.version} in the run outputs read (a manifest is written when a run builds the tag).</p>`;
  const [newest, ...older] = withManifest;
  const files = (f: SiteManifest['files']) =>
    [f.markdown ? html`<a href="${prefix}${f.markdown}">Markdown</a>` : '', f.json ? html`<a href="${prefix}${f.json}">JSON</a>` : ''].filter(Boolean).map((x, i) => html`${i ? ' · ' : ''}${x}`);
  const perPlatform = { diff: renderDiff, files };
  const olderDiffs = older.map((t) =>
    t.platformManifests
      ? renderOlderPlatformDiffs(t, perPlatform)
      : html`<details><summary>Package diff of <code>${t.tag}</code></summary>${renderDiff(t.manifest!)}<p>${files(t.manifest!.files)}</p></details>`,
  );
  if (newest.platformManifests) return html`${renderPlatformManifests(newest, perPlatform)}
${olderDiffs}`;
  const m = newest.manifest!;
  const list = (kind: string, pkgs: Record<string, string>) => {
    const names = Object.keys(pkgs).sort();
    if (!names.length) return '';
    return html`<details><summary>${names.length} ${kind} packages</summary><div class="scroll" role="region" tabindex="0" aria-label="${kind} packages"><table><thead><tr><th scope="col">package</th><th scope="col">version</th></tr></thead><tbody>${raw(
      names.map((n) => `<tr><td>${esc(n)}</td><td class="mono">${esc(pkgs[n])}</td></tr>`).join(''),
    )}</tbody></table></div></details>`;
  };
  return html`<h3>Package manifest of <code>${newest.tag}</code></h3>
<p>${m.os ?? 'unknown OS'} · ${m.dpkgCount} dpkg and ${m.pipCount} pip packages · ${files(m.files)}</p>
${renderDiff(m)}
${m.packages ? html`${list('dpkg', m.packages.dpkg)}${list('pip', m.packages.pip)}` : ''}
${olderDiffs}`;
}

function tagRow(t: SiteTag, known: ReadonlySet<string>, generatedAt: string): Html {
  const parent = t.parent
    ? html`${parentLink(t.parent.reference, known)}${t.parent.digest ? html`<br>${digestCode(t.parent.digest)}` : ''}${t.parent.external ? html`<br>${baseAge(t.parent.created, generatedAt)}` : ''}`
    : html`<span class="empty">–</span>`;
  return html`<tr data-tag="${t.tag}"><th scope="row"><code>${t.tag}</code>${t.current ? html` <span class="badge tag-current">current</span>` : ''}${t.stable ? html` <span class="badge tag-stable">stable</span>` : ''}${t.inRegistry ? '' : html` <span class="badge s-stale">not in registry</span>`}${t.platforms ? html`<br><span class="lead">${t.platforms.join(' · ')}</span>` : ''}${t.descriptive ? html`<br><span class="lead">also ${t.descriptive.map((d, i) => html`${i ? ', ' : ''}<code>${d}</code>`)}</span>` : ''}</th>
<td>${commitLink(t.sourceCommit, t.commitUrl)}</td><td>${digestCode(t.digest)}</td><td class="time">${t.created ? formatTime(t.created) : '–'}</td><td class="num">${t.size === undefined ? '–' : formatBytes(t.size)}</td><td>${parent}</td></tr>`;
}

/** An external base image's age: `base created 2026-10-01 (67d3h before this page)`, or that it is unknown. */
function baseAge(created: string | undefined, generatedAt: string): Html {
  const t = created ? Date.parse(created) : NaN;
  if (Number.isNaN(t)) return html`<span class="empty" data-base-age="">base age unknown</span>`;
  return html`<span class="lead" data-base-age="${created}">base created <time datetime="${created}">${created!.slice(0, 10)}</time> (${formatAge(Date.parse(generatedAt) - t)} old)</span>`;
}

/** `127.0.0.1:5000/ns/python:2026.1-abc` → a link to the python page when it is a stack image. */
function parentLink(reference: string, known: ReadonlySet<string>): Html {
  const m = /\/([^/:@]+):([^/@]+)$/.exec(reference);
  const text = m ? `${m[1]}:${m[2]}` : reference;
  const code = html`<code title="${reference}">${text}</code>`;
  return m && known.has(m[1]) ? html`<a href="${imageFile(m[1])}">${code}</a>` : code;
}

/** The page of one image (`images/<name>.html`): per version the tags, durations, parent and package manifest. */
export function renderImagePage(model: SiteModel, img: SiteImage): string {
  const prefix = '../';
  const known = new Set(model.images.map((i) => i.name));
  const body = html`<nav aria-label="Breadcrumb"><a href="../index.html">Stack</a> › ${img.name}</nav>
<h1>${img.name}</h1>
<dl class="kv"><dt>repository</dt><dd><code>${img.repository}</code></dd><dt>Dockerfile</dt><dd><code>${img.dockerfile}</code></dd>
<dt>parents</dt><dd>${img.parents.length ? img.parents.map((p, i) => html`${i ? ', ' : ''}${known.has(p.image) ? html`<a href="${imageFile(p.image)}">${p.image}</a>` : p.image} <span class="lead">(${p.final ? 'FROM' : p.instruction === 'FROM' ? 'build stage FROM' : p.instruction})</span>`) : 'none in the stack'}</dd>
${img.externalBases.length ? html`<dt>external bases</dt><dd>${img.externalBases.map((b, i) => html`${i ? ', ' : ''}${basePin(b)}`)}</dd>` : ''}
${children(model, img).length ? html`<dt>children</dt><dd>${children(model, img).map((c, i) => html`${i ? ', ' : ''}<a href="${imageFile(c)}">${c}</a>`)}</dd>` : ''}</dl>
${img.versions.map(
    (v) => html`<section aria-labelledby="v-${v.version}"><h2 id="v-${v.version}">Version ${v.version}</h2>
<p>${statusBadge(v.status)} ${v.statusDetail}. Current tag <code>${v.currentTag}</code>; stable ${v.stable ? html`<code>${v.stable.tag ?? shortDigest(v.stable.digest)}</code>` : 'none yet'}.</p>
<h3>Tags</h3>
<div class="scroll" role="region" tabindex="0" aria-label="tags of ${v.version}"><table><thead><tr><th scope="col">tag</th><th scope="col">source commit</th><th scope="col">digest</th><th scope="col">created</th><th scope="col" class="num">size</th><th scope="col">built from</th></tr></thead>
<tbody>${v.tags.map((t) => tagRow(t, known, model.generatedAt))}</tbody></table></div>
<h3>Build and test durations</h3>
${renderDurations(v.durations, `${img.name} ${v.version}`)}
${manifestSection(v, prefix)}
</section>`,
  )}`;
  return page(model, { title: img.name, current: 'image', prefix, body });
}

function children(model: SiteModel, img: SiteImage): string[] {
  return model.images.filter((i) => i.parents.some((p) => p.image === img.name)).map((i) => i.name);
}

/** What a promotion changed, image by image: `python 2026.1-aaa → 2026.1-bbb`. */
export function promotionChanges(p: Promotion, tagOfDigest: (image: string, digest: string) => string | undefined): Array<{ image: string; from: string; to: string }> {
  return p.images
    .filter((i) => i.previousDigest !== i.digest)
    .map((i) => ({
      image: i.image,
      from: i.previousDigest ? (tagOfDigest(i.image, i.previousDigest) ?? shortDigest(i.previousDigest)) : 'none',
      to: i.sourceTag,
    }));
}

/** The promotions page: per version, newest first, with the revert commands. */
export function renderPromotionsPage(model: SiteModel): string {
  const byDigest = new Map<string, string>();
  for (const img of model.images) for (const v of img.versions) for (const t of v.tags) if (t.digest) byDigest.set(`${img.name}@${t.digest}`, t.tag);
  const tagOf = (image: string, digest: string) => byDigest.get(`${image}@${digest}`);
  const note = model.sources.promotionsNote;
  const body = html`<h1>Promotions</h1>
<p class="lead">Each promotion points every image's <code>&lt;version&gt;-stable</code> tag at one commit's tags; a revert points them back. The history is read from the registry.</p>
${note ? html`<p class="empty">${note}</p>` : ''}
${model.promotions.map(({ version, promotions }) => html`<section aria-labelledby="p-${version}"><h2 id="p-${version}">Version ${version}</h2>
${
  promotions.length
    ? html`${promotions.length > 1 ? html`<p>Undo the latest (back to #${promotions[1].number}): ${copyCommand(`imagestack revert --version ${version}`)}</p>` : ''}
<div class="scroll" role="region" tabindex="0" aria-label="promotions of ${version}"><table><thead><tr><th scope="col">#</th><th scope="col">when</th><th scope="col">who</th><th scope="col">commit</th><th scope="col">what changed</th><th scope="col">go back to this one</th></tr></thead><tbody>${promotions.map((p, i) => {
        const changes = promotionChanges(p, tagOf);
        return html`<tr><th scope="row">${p.number}${p.kind === 'revert' ? html` <span class="badge s-stale">revert of #${p.revertOf ?? '?'}</span>` : ''}</th><td class="time">${formatTime(p.at)}</td><td>${p.by}</td><td>${commitLink(p.commit, commitUrl(model.source, p.commit))}</td>
<td>${changes.length ? html`<ul>${changes.map((c) => html`<li><a href="images/${imageFile(c.image)}">${c.image}</a> <code>${c.from}</code> → <code>${c.to}</code></li>`)}</ul>` : html`<span class="empty">no tag moved</span>`}</td>
<td>${i === 0 ? html`<span class="badge tag-stable">stable now</span>` : copyCommand(`imagestack revert --version ${version} --to ${p.number}`)}</td></tr>`;
      })}</tbody></table></div>`
    : html`<p class="empty">No promotion of ${version} yet. Promote a commit's tags with <code>imagestack promote --version ${version} --commit &lt;sha&gt;</code>.</p>`
}</section>`)}`;
  return page(model, { title: 'Promotions', current: 'promotions', prefix: '', body });
}

/** The last run page: the report, failures first, with the log tails. */
export function renderRunPage(model: SiteModel): string {
  const run = model.run;
  if (!run) {
    return page(model, {
      title: 'Last run',
      current: 'run',
      prefix: '',
      body: html`<h1>Last run</h1><p class="empty">No run report found${model.sources.runDir ? html` in <code>${model.sources.runDir}</code>` : ''}. Run <code>imagestack build</code>, then generate the site again.</p>`,
    });
  }
  const c = run.counts;
  const failed = run.images.filter((r) => r.status === 'failed');
  const body = html`<h1>Last run ${statusBadge(run.ok ? 'built' : 'failed', run.ok ? 'passed' : 'failed')}</h1>
<p class="lead">Started ${formatTime(run.startedAt)} at commit <code>${run.head.slice(0, 7)}</code>${run.dirty ? ' (uncommitted changes)' : ''}, took ${formatMs(run.durationMs)}: ${c.pushed ?? 0} pushed, ${c.built ?? 0} built, ${c.skipped ?? 0} skipped, ${c.failed ?? 0} failed, ${c.blocked ?? 0} blocked, ${c.cancelled ?? 0} cancelled.</p>
${run.stackChecks?.length ? html`<h2 id="stack-checks">Stack-wide checks</h2><ul>${run.stackChecks.map((k) => html`<li data-stack-check="${k.name}">${statusBadge(k.ok ? 'built' : 'failed', k.ok ? 'passed' : 'failed')} ${k.message}</li>`)}</ul>` : ''}
${
  failed.length
    ? html`<h2 id="failures">Failures</h2>${failed.map(
        (r) => html`<section class="failure" data-image="${r.image}" aria-labelledby="f-${r.image}-${r.version}"><h3 id="f-${r.image}-${r.version}"><a href="images/${imageFile(r.image)}">${r.image}</a> ${r.version} ${statusBadge(r.status)} ${r.step ? `${r.step} failed` : r.reason}</h3>
${r.error ? html`<p>${r.error}</p>` : html`<p>${r.reason}</p>`}
${r.gates.flatMap((g) => g.failures.map((f) => html`<p><strong>${g.gate} ${f.name}</strong>: expected ${f.expected ?? 'success'}, found ${f.found ?? 'failure'}</p>`))}
${r.logTail?.length ? html`<details open><summary>Last ${r.logTail.length} lines of the log</summary><pre>${r.logTail.join('\n')}</pre></details>` : ''}
</section>`,
      )}`
    : ''
}
<h2 id="all">Every image</h2>
<div class="scroll" role="region" tabindex="0" aria-label="every image of the run"><table><thead><tr><th scope="col">image</th><th scope="col">version</th><th scope="col">outcome</th><th scope="col">tag</th><th scope="col" class="num">build</th><th scope="col" class="num">manifest</th><th scope="col" class="num">checks</th><th scope="col" class="num">test</th><th scope="col" class="num">push</th><th scope="col" class="num">size</th><th scope="col">why</th></tr></thead>
<tbody>${run.images.map(
    (r) => html`<tr data-image="${r.image}" data-status="${r.status}"><th scope="row"><a href="images/${imageFile(r.image)}">${r.image}</a></th><td>${r.version}</td><td>${statusBadge(r.status)}</td><td><code>${r.tag}</code></td>${(['build', 'manifest', 'checks', 'test', 'push'] as const).map(
      (s) => html`<td class="num">${r.durations[s] === undefined ? '' : formatMs(r.durations[s])}</td>`,
    )}<td class="num">${r.size === undefined ? '' : formatBytes(r.size)}</td><td>${r.reason}${r.gates.length ? html`<br><span class="lead">${r.gates.map((g, i) => html`${i ? '; ' : ''}${g.gate}: ${g.summary}`)}</span>` : ''}</td></tr>`,
  )}</tbody></table></div>`;
  return page(model, { title: 'Last run', current: 'run', prefix: '', body });
}

/** An external base with its pin: `<code>name</code> pinned to <code>sha256:…</code>`, or `(unpinned)`. */
function basePin(reference: string): Html {
  const pin = splitPin(reference);
  if (pin.reference === 'scratch') return html`<code>scratch</code>`;
  return pin.digest === null
    ? html`<code>${pin.reference}</code> <span class="lead">(unpinned)</span>`
    : html`<code>${pin.reference}</code> <span class="lead">pinned to</span> <code title="${pin.digest}">${shortPin(pin.digest)}</code>`;
}
