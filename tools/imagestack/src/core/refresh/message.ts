/**
 * The words of a refresh: the commit message and the report for people (terminal, and the
 * pull request body of the scheduled workflow, which is Markdown). Pure.
 */
import type { RefreshReport, RootPackages } from './types';

/** `sha256:` and 12 hex digits, or `unpinned`. */
function short(d: string | null | undefined): string {
  return d ? d.slice(0, d.indexOf(':') + 13) : 'unpinned';
}

/**
 * The commit message: a subject, then each base with its old and new digest (full), then the
 * images whose tags will move.
 */
export function commitMessage(r: Pick<RefreshReport, 'changes' | 'moves'>): string {
  const names = r.changes.map((c) => c.reference.split('/').pop()).join(', ');
  const lines = r.changes.map((c) => `- ${c.reference}: ${c.from ?? 'unpinned'} → ${c.to}`);
  return `Refresh external base pins: ${names}\n\n${lines.join('\n')}\n\nTags that will move: ${r.moves.join(', ')}\n`;
}

/**
 * The `--packages` section: each root image rebuilt without layer cache, and the packages that
 * would change since its current tag (`list name: old → new`).
 */
export function renderPackages(rows: readonly RootPackages[]): string[] {
  const out: string[] = ['Packages of the root images rebuilt without layer cache (nothing pushed):', ''];
  if (!rows.length) return [...out, '- no root image to rebuild (every root image is on a changed base)', ''];
  for (const p of rows) {
    const head = `- ${p.image}@${p.version} against \`${p.current}\``;
    if (p.status === 'current') out.push(`${head}: no package would change`);
    else if (p.status === 'no-tag') out.push(`${head}: the tag is not in the registry, nothing to compare with`);
    else if (p.status === 'error') out.push(`${head}: could not compare: ${(p.error ?? '').split('\n')[0]}`);
    else {
      out.push(`${head}: ${p.updates.length} package(s) would change`);
      for (const u of p.updates) out.push(`  - ${u.list} ${u.name}: ${u.from ?? '(absent)'} → ${u.to ?? '(removed)'}`);
    }
  }
  return [...out, ''];
}

/** The report as Markdown (readable as plain text in a terminal too). */
export function renderReport(r: RefreshReport): string {
  const out: string[] = ['## imagestack refresh', ''];
  out.push('| base | pinned | upstream now | status | images |', '| --- | --- | --- | --- | --- |');
  for (const b of r.bases) {
    out.push(`| \`${b.reference}\` | ${b.pins.map(short).join(', ')} | ${b.current ? short(b.current) : '–'} | ${b.status}${b.error ? `: ${b.error.split('\n')[0]}` : ''} | ${b.images.join(', ')} |`);
  }
  out.push('');
  if (r.packages) out.push(...renderPackages(r.packages));
  if (!r.changes.length) {
    const unknown = r.bases.filter((b) => b.status === 'error').length;
    out.push(unknown ? `${unknown} base(s) could not be looked up (see above); every other one is pinned to the digest its tag points at now.` : 'Every external base is pinned to the digest its tag points at now: nothing to do.');
    return `${out.join('\n')}\n`;
  }
  out.push('New pins:', '', ...r.changes.map((c) => `- \`${c.reference}\`: ${c.from ?? 'unpinned'} → ${c.to}`), '');
  out.push(`Tags that will move: ${r.moves.join(', ')}`, '');
  for (const p of r.problems) out.push(`- cannot pin: ${p.file}:${p.line}: ${p.message}`);
  if (r.problems.length) out.push('');
  if (r.verified) {
    if (r.verified.ok) out.push(`Verified on the new bases (built and gated, nothing pushed): ${r.verified.built} image(s) passed.`, '');
    else {
      out.push('**The new bases break the stack; nothing was changed in git.**', '');
      for (const f of r.verified.failures) {
        out.push(`### ${f.image}@${f.version}: ${f.step} failed`, '', f.error.split('\n')[0], '');
        if (f.logTail.length) out.push('```', ...f.logTail, '```', '');
      }
    }
  }
  const said: Record<RefreshReport['outcome'], string> = {
    'nothing-to-do': 'Nothing to do.',
    'dry-run': 'Dry run: nothing was built or written.',
    failed: 'Nothing was changed.',
    rewritten: `Pins rewritten in ${r.files.join(', ')} (not committed).`,
    committed: `Committed ${r.commit?.sha.slice(0, 7)} on ${r.commit?.branch}: ${r.files.join(', ')}.`,
  };
  out.push(said[r.outcome]);
  return `${out.join('\n')}\n`;
}
