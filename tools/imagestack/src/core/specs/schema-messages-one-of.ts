/**
 * Plain-English messages for the "exactly one of" rules of `taggers:` items and `stackChecks:`
 * items (specs.schema.json `definitions/tagger`, `definitions/stackCheck`), used by
 * `schema-messages.ts` instead of ajv's "must match exactly one schema in oneOf".
 */
import type { ErrorObject } from 'ajv';
import type { DocPath } from './positions';
import type { SectionMessage } from './schema-messages';

const GROUPS: Record<string, { what: string; sets: string[][]; example: string }> = {
  tagger: { what: 'a tagger', sets: [['command', 'package', 'builtIn', 'off']], example: 'e.g. `{ name: python, package: python3 }` or `{ name: os, builtIn: os }`' },
  stackCheck: {
    what: 'a stack check',
    sets: [['file', 'package', 'os', 'command'], ['unique', 'same']],
    example: 'e.g. `{ name: unique-display-name, file: /start_point/manifest.json, pointer: /display_name, unique: true }`',
  },
};

/**
 * The message of a `oneOf` violation of a tagger or stack check: which of the keys it has
 * (none, or several) and an example; undefined for other errors.
 */
export function exactlyOneMessage(def: string, e: ErrorObject, rest: string[], path: DocPath): SectionMessage | undefined {
  const g = GROUPS[def];
  if (!g || e.keyword !== 'oneOf') return undefined;
  // `rest`: the last three segments of the schema path, `…/allOf/<i>/oneOf` for the i-th set.
  const set = g.sets[rest[0] === 'allOf' ? Number(rest[1]) : 0];
  if (!set) return undefined;
  const item = (e.data ?? {}) as Record<string, unknown>;
  const has = set.filter((k) => k in item);
  const label = typeof item.name === 'string' ? `${g.what.replace(/^a /, '')} "${item.name}"` : g.what;
  const message = has.length ? `${label} has ${has.join(' and ')}; ${g.what} has exactly one of ${set.join(', ')}` : `${label} has none of ${set.join(', ')}; it needs exactly one`;
  return { path, target: 'value', message, fix: g.example };
}
