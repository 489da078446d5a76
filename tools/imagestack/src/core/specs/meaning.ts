/**
 * Comparing `specs.yml` entries by meaning, not by line (DESIGN.md, "source commit").
 *
 * The meaning of image `I` at version `V` is what, in `specs.yml`, decides how `I` is built
 * for `V`: `I`'s entry with its per-version section reduced to `V`'s and its `skip` list
 * reduced to "is `V` skipped", plus the stack-wide args of `V`. Comments, key order,
 * quoting style, other images' entries and other versions' args do not take part.
 */

/** Serializes a JSON value with object keys sorted, so that key order has no effect. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

function asRecord(x: unknown): Record<string, unknown> | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

/**
 * The meaning of image `image` at version `version` in a parsed (not necessarily valid)
 * specs document, as a canonical string. Two documents give equal strings exactly when
 * nothing that decides how that image is built for that version differs.
 *
 * @param raw the whole document as parsed by `yaml.parse` (any shape; never throws)
 * @returns a canonical JSON string; an image absent from the document gives `"absent"`
 */
export function entryMeaning(raw: unknown, image: string, version: string): string {
  const doc = asRecord(raw);
  const entry = asRecord(asRecord(doc?.images)?.[image]);
  if (!entry) return 'absent';
  const { versions, skip, ...rest } = entry;
  const stackVersion = asRecord(asRecord(doc?.versions)?.[version]);
  const skipped = Array.isArray(skip) && skip.map(String).includes(version);
  return canonicalJson({
    entry: rest,
    version: asRecord(versions)?.[version] ?? null,
    skipped,
    stack: stackVersion?.args ?? null,
  });
}
