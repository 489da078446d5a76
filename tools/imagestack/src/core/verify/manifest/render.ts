/**
 * The Markdown form of a package manifest, for people (GitHub renders it). Pure, no I/O.
 *
 * Sections: a heading with the reference, a summary table (image ID, version, source
 * commit, OS, sizes), "Changes since <previous tag>" (one table per package list), the
 * layer table, then one section per command with its description and output; outputs
 * longer than {@link FOLD_LINES} lines are folded in `<details>`.
 */
import type { ListDiff } from './diff';
import { formatBytes } from './layers';
import type { PackageManifest } from './types';

/** Outputs longer than this many lines are folded. */
export const FOLD_LINES = 30;

/** Longest `created by` text shown in the layer table (characters); the JSON keeps it whole. */
export const MAX_CREATED_BY = 160;

/** Escapes text for a Markdown table cell: `|`, newlines, and HTML-significant `<`, `&`. */
export function cell(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** An inline code span that survives backticks in `text` (CommonMark: a longer backtick fence). */
export function code(text: string): string {
  const runs = text.match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** An inline code span inside a table cell: pipes escaped (GFM unescapes them inside code spans in tables), newlines as spaces. */
export function cellCode(text: string): string {
  return code(text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|'));
}

/** A fenced code block that survives backtick fences in `text`. */
export function codeBlock(text: string, info = 'text'): string {
  const runs = text.match(/`{3,}/g) ?? [];
  const fence = '`'.repeat(Math.max(2, ...runs.map((r) => r.length)) + 1);
  return `${fence}${info}\n${text}\n${fence}`;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function diffTable(title: string, d: ListDiff): string[] {
  const rows = [
    ...d.added.map((a) => ({ name: a.name, change: 'added', from: '', to: a.version })),
    ...d.removed.map((r) => ({ name: r.name, change: 'removed', from: r.version, to: '' })),
    ...d.changed.map((c) => ({ name: c.name, change: 'changed', from: c.from, to: c.to })),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out = [`### ${title}`, ''];
  if (rows.length === 0) return [...out, 'No changes.', ''];
  out.push(
    `${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed.`,
    '',
    '| Package | Change | Before | After |',
    '|---|---|---|---|',
  );
  for (const r of rows) out.push(`| ${cell(r.name)} | ${r.change} | ${r.from ? cellCode(r.from) : ''} | ${r.to ? cellCode(r.to) : ''} |`);
  return [...out, ''];
}

/** A package list as two aligned columns, `name  version`, one package a line. */
function columns(list: Record<string, string>): string {
  const width = Math.max(0, ...Object.keys(list).map((n) => n.length));
  return Object.entries(list)
    .map(([n, v]) => `${n.padEnd(width)}  ${v}`)
    .join('\n');
}

/** Renders the manifest as Markdown (ends with a newline). */
export function renderManifestMarkdown(m: PackageManifest): string {
  const out: string[] = [];
  const dpkgCount = Object.keys(m.packages.dpkg).length;
  const pipCount = Object.keys(m.packages.pip).length;
  out.push(`# ${m.reference}`, '');
  out.push('| | |', '|---|---|');
  out.push(`| Image ID | ${cellCode(m.imageId)} |`);
  out.push(`| Version | ${cell(m.version)} |`);
  out.push(`| Source commit | ${cellCode(m.sourceCommit)}${m.dirty ? ' (plus uncommitted changes: dirty tag)' : ''} |`);
  out.push(`| Created | ${cell(m.created)} |`);
  if (m.os.PRETTY_NAME) out.push(`| OS | ${cell(m.os.PRETTY_NAME)} |`);
  out.push(`| Size | ${formatBytes(m.size)} (${m.size} bytes) |`);
  out.push(`| Packages | ${dpkgCount} dpkg, ${m.pipSource === 'none' ? 'no python3' : `${pipCount} pip (${m.pipSource})`} |`);
  out.push('');

  if (m.diff.previous) {
    const p = m.diff.previous;
    out.push(`## Changes since ${p.tag}`, '');
    out.push(`Compared with ${code(p.reference)} (source commit ${code(p.sourceCommit)}).`, '');
    out.push(...diffTable('dpkg', m.diff.dpkg), ...diffTable('pip', m.diff.pip));
  } else {
    out.push('## Changes', '', `No previous tag to compare with: ${m.diff.reason}.`, '');
  }

  out.push('## Layers', '', `${m.layers.length} layers, oldest first.`, '');
  out.push('| # | Created | Size | Created by |', '|---:|---|---:|---|');
  m.layers.forEach((l, i) => {
    out.push(`| ${i + 1} | ${cell(l.created)} | ${formatBytes(l.size)} | ${l.createdBy ? cellCode(truncate(l.createdBy, MAX_CREATED_BY)) : '(not recorded)'} |`);
  });
  out.push('');

  out.push('## Commands', '');
  for (const [name, c] of Object.entries(m.commands)) {
    out.push(`### ${name}: ${c.description}`, '');
    const status = c.timedOut ? 'stopped at the time limit' : `exit ${c.exitCode}`;
    out.push(`${code(c.command.includes('\n') ? c.command.split('\n')[0] + ' …' : c.command)} · ${status}${c.builtIn ? ' · built in' : ''}`, '');
    // The package lists read better as the parsed `name version` columns than as raw output.
    const list = c.builtIn && (name === 'dpkg' || name === 'pip') && c.exitCode === 0 ? m.packages[name] : undefined;
    const text = list ? columns(list) : c.output;
    const lines = text === '' ? 0 : text.split('\n').length;
    if (list) out.push(`${Object.keys(list).length} packages${name === 'pip' ? ` (${m.pipSource})` : ''}; the JSON file has the raw output.`, '');
    if (lines === 0) {
      out.push('(no output)', '');
    } else if (lines > FOLD_LINES) {
      out.push('<details>', `<summary>${lines} lines</summary>`, '', codeBlock(text), '', '</details>', '');
    } else {
      out.push(codeBlock(text), '');
    }
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}
