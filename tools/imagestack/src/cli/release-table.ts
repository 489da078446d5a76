/** Tables and summaries of promote, revert and history. */
import type { ReleaseResult } from '../core/release/execute';
import { changedImages } from '../core/release/record';
import type { Promotion } from '../core/release/types';
import { formatTable } from '../terminal/table';

const short = (d: string | null) => (d ? d.replace(/^sha256:/, '').slice(0, 12) : '-');

/** Per image: stable tag, digest before → after, source tag, whether it moved. */
export function releaseTable(p: Promotion): string {
  const rows = [...p.images, ...(p.globalStable ?? []), ...(p.movingTags ?? [])].map((i) => [i.image, i.stableTag, short(i.previousDigest), short(i.digest), i.sourceTag, i.previousDigest === i.digest ? 'unchanged' : 'moved']);
  return formatTable(['image', 'stable tag', 'was', 'now', 'source tag', ''], rows);
}

/** The closing summary of promote / revert: the table and one line saying what happened. */
export function releaseSummary(r: ReleaseResult): string {
  const p = r.promotion;
  const n = changedImages(p).length;
  const g = (p.globalStable ?? []).filter((i) => i.previousDigest !== i.digest).length;
  const global = p.globalStable ? ` (global \`stable\`: ${g} of ${p.globalStable.length}${r.status === 'done' ? ' moved' : r.status === 'dry-run' ? ' would move' : ''})` : '';
  const m = (p.movingTags ?? []).filter((i) => i.previousDigest !== i.digest).length;
  const moving = p.movingTags ? ` (moving descriptive tags: ${m} of ${p.movingTags.length}${r.status === 'done' ? ' moved' : r.status === 'dry-run' ? ' would move' : ''})` : '';
  const what = p.kind === 'revert' ? `revert of ${p.version} to promotion ${p.revertOf}` : `promotion of ${p.version} to commit ${p.commit.slice(0, 7)}`;
  const last =
    r.status === 'done'
      ? `${what}: ${n} of ${p.images.length} stable tags moved${global}${moving}, verified, recorded as number ${p.number} (${r.record!.reference})`
      : r.status === 'dry-run'
        ? `dry run of the ${what}: ${n} of ${p.images.length} stable tags would move${global}${moving}; nothing was changed`
        : `${what}: every stable tag already pointed there; nothing was changed or recorded`;
  return `${releaseTable(p)}\n\n${last}\n`;
}

/** `imagestack history`: number, kind, when, by, commit, images changed; newest first. */
export function historyTable(history: readonly Promotion[]): string {
  const rows = history.map((p) => {
    const changed = changedImages(p).map((i) => i.image);
    return [
      String(p.number),
      p.kind === 'revert' ? `revert to ${p.revertOf}` : p.kind,
      p.at.replace(/\.\d+Z$/, 'Z'),
      p.by,
      p.commit.slice(0, 7),
      `${changed.length}/${p.images.length}${changed.length ? `: ${changed.join(', ')}` : ''}`,
    ];
  });
  return formatTable(['number', 'kind', 'when (UTC)', 'by', 'commit', 'images changed'], rows);
}
