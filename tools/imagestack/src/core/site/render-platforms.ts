/**
 * The package manifests of a multi-platform tag on an image page (issue 14): one column per
 * platform (OS, package counts, files), each platform's diff against the previous tag, and the
 * packages side by side with the ones that differ between platforms marked and listed first.
 * Pure: model in, HTML out.
 */
import { esc, html, raw, type Html } from './html';
import type { SiteManifest, SiteTag } from './model';
import { packagesSideBySide, type PlatformPackageRow } from './platform-manifests';

/** What the image page lends this renderer: its diff table and its links to the manifest files. */
export interface PlatformRenderers {
  diff: (m: SiteManifest) => Html;
  files: (f: SiteManifest['files']) => Html[];
}

/** The section of the newest tag of several platforms: summary per platform, diffs, packages side by side. */
export function renderPlatformManifests(t: SiteTag, r: PlatformRenderers): Html {
  const per = t.platformManifests!;
  const cells = (f: (m: SiteManifest) => Html | string) => per.map((p) => html`<td>${p.manifest ? f(p.manifest) : html`<span class="empty">no package manifest</span>`}</td>`);
  const rows = packagesSideBySide(per.map((p) => p.manifest?.packages));
  return html`<h3>Package manifests of <code>${t.tag}</code>, per platform</h3>
<div class="scroll" role="region" tabindex="0" aria-label="package manifests of ${t.tag} per platform"><table data-platform-manifests="${t.tag}"><thead><tr><th scope="col">platform</th>${per.map((p) => html`<th scope="col">${p.platform}</th>`)}</tr></thead>
<tbody><tr><th scope="row">OS</th>${cells((m) => m.os ?? 'unknown OS')}</tr>
<tr><th scope="row">packages</th>${cells((m) => `${m.dpkgCount} dpkg, ${m.pipCount} pip`)}</tr>
<tr><th scope="row">files</th>${cells((m) => html`${r.files(m.files)}`)}</tr></tbody></table></div>
${per.map((p) => (p.manifest ? html`<h4 data-platform-diff="${p.platform}">Package diff, ${p.platform}</h4>${r.diff(p.manifest)}` : ''))}
${rows.length ? sideBySide(per.map((p) => p.platform), per.map((p) => !!p.manifest?.packages), rows) : ''}`;
}

/** The older tags of several platforms: each platform's diff, folded. */
export function renderOlderPlatformDiffs(t: SiteTag, r: PlatformRenderers): Html {
  return html`${t.platformManifests!.map((p) =>
    p.manifest ? html`<details><summary>Package diff of <code>${t.tag}</code>, ${p.platform}</summary>${r.diff(p.manifest)}<p>${r.files(p.manifest.files)}</p></details>` : '',
  )}`;
}

function sideBySide(platforms: string[], listed: boolean[], rows: PlatformPackageRow[]): Html {
  const differ = rows.filter((x) => x.differs);
  const row = (x: PlatformPackageRow) =>
    `<tr${x.differs ? ' class="differs" data-differs=""' : ''}><td>${x.list}</td><td>${esc(x.name)}${x.differs ? ' <span class="badge s-stale">differs</span>' : ''}</td>${x.versions
      .map((v, i) => (v !== undefined ? `<td class="mono">${esc(v)}</td>` : `<td class="empty">${listed[i] ? 'not installed' : '–'}</td>`))
      .join('')}</tr>`;
  const table = (label: string, list: PlatformPackageRow[]) =>
    html`<div class="scroll" role="region" tabindex="0" aria-label="${label}"><table><thead><tr><th scope="col">list</th><th scope="col">package</th>${platforms.map((p) => html`<th scope="col">${p}</th>`)}</tr></thead><tbody>${raw(list.map(row).join(''))}</tbody></table></div>`;
  return html`<h4>Packages side by side</h4>
${differ.length ? html`<p>${differ.length} package${differ.length === 1 ? '' : 's'} differ${differ.length === 1 ? 's' : ''} between platforms:</p>${table('packages that differ between platforms', differ)}` : html`<p>Every package has the same version on every platform.</p>`}
<details><summary>All ${rows.length} packages on ${platforms.length} platforms</summary>${table('packages per platform', rows)}</details>`;
}
