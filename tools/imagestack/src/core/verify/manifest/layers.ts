/**
 * The layer table of a package manifest, from the engine's image history
 * (`GET /images/{id}/history`, what `docker history` shows). Pure, no I/O.
 */
import { redact } from '../../registry';

/** One history entry as the engine returns it. */
export interface HistoryEntry {
  Id?: string;
  /** Unix time, seconds. */
  Created?: number;
  CreatedBy?: string;
  /** Bytes the step added (0 for metadata-only steps). */
  Size?: number;
  Comment?: string;
}

/** One row of the layer table, oldest first. */
export interface LayerRow {
  /** When the step was built, ISO 8601 (UTC); `''` when unknown. */
  created: string;
  /** The instruction, as readable as the history allows: `RUN apt-get …`, `ENV A=b`, `COPY file:… in /x`. */
  createdBy: string;
  /** Bytes the step added. */
  size: number;
}

/**
 * Makes a history `CreatedBy` readable: `/bin/sh -c #(nop) ENV A=b` → `ENV A=b`;
 * `/bin/sh -c apt-get …` → `RUN apt-get …`; `|2 A=1 B=2 /bin/sh -c make` → `RUN make`
 * (build arg values are left out: they may hold secrets); BuildKit's `RUN /bin/sh -c x #
 * buildkit` → `RUN x`. Whitespace runs become one space; credentials are redacted.
 */
export function trimCreatedBy(createdBy: string): string {
  let s = createdBy.replace(/\s+/g, ' ').trim();
  s = s.replace(/ # buildkit$/, '');
  const nop = /^\/bin\/sh -c #\(nop\) ?(.*)$/.exec(s);
  if (nop) return redact(nop[1].trim());
  const args = /^\|\d+ .*? \/bin\/sh -c (.*)$/.exec(s);
  if (args) return redact(`RUN ${args[1]}`);
  const withArgs = /^\|(\d+) (.*)$/.exec(s);
  if (withArgs) {
    // Exec form with build args: "|N k=v … cmd …": drop the N assignments.
    const rest = withArgs[2].split(' ').slice(Number(withArgs[1])).join(' ');
    return redact(`RUN ${rest}`);
  }
  const sh = /^(?:RUN )?\/bin\/sh -c (.*)$/.exec(s);
  if (sh) return redact(`RUN ${sh[1]}`);
  return redact(s);
}

/** The layer table from the engine's history (newest first), oldest first. */
export function layersFromHistory(history: readonly HistoryEntry[]): LayerRow[] {
  return [...history].reverse().map((h) => ({
    created: typeof h.Created === 'number' && h.Created > 0 ? new Date(h.Created * 1000).toISOString() : '',
    createdBy: trimCreatedBy(h.CreatedBy ?? ''),
    size: typeof h.Size === 'number' ? h.Size : 0,
  }));
}

export { formatBytes } from '../../util/format';
