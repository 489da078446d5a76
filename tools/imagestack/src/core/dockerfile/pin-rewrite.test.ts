/**
 * Pin rewriting keeps every other byte (issue 15): golden files under `__fixtures__/pins/<case>/`,
 * `Dockerfile` rewritten must equal `Dockerfile.expected` byte for byte (`--platform=`, `AS name`,
 * ARG-templated forms, comments, CRLF, unpinned bases getting a pin).
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rewritePins } from './pin-rewrite';

const DIR = path.join(__dirname, '__fixtures__', 'pins');
const A = `sha256:${'a'.repeat(64)}`;
const N = `sha256:${'1'.repeat(64)}`;
const EDITS = [
  { reference: 'debian:bookworm-slim', digest: N },
  { reference: 'upstream.test:5000/library/debian:bookworm-slim', digest: N },
  // Already at this digest: nothing to do.
  { reference: 'busybox:1.36', digest: `sha256:${'b'.repeat(64)}` },
];

describe('rewritePins (golden files)', () => {
  for (const name of readdirSync(DIR).sort()) {
    it(name, () => {
      const input = readFileSync(path.join(DIR, name, 'Dockerfile'), 'utf8');
      const expected = readFileSync(path.join(DIR, name, 'Dockerfile.expected'), 'utf8');
      const r = rewritePins(input, EDITS);
      expect(r.problems).toEqual([]);
      expect(r.text).toBe(expected);
      expect(r.changed.length).toBeGreaterThan(0);
      expect(r.changed.every((c) => c.to === N)).toBe(true);
      // Idempotent: the rewritten file needs nothing more.
      expect(rewritePins(r.text, EDITS)).toEqual({ text: expected, changed: [], problems: [] });
    });
  }
});

describe('rewritePins', () => {
  it('says what changed: the instruction line, the base, old digest or null, new', () => {
    const r = rewritePins(`FROM debian:bookworm-slim@${A}\nFROM debian:trixie\n`, [
      { reference: 'debian:bookworm-slim', digest: N },
      { reference: 'debian:trixie', digest: N },
    ]);
    expect(r.changed).toEqual([
      { line: 1, reference: 'debian:bookworm-slim', from: A, to: N },
      { line: 2, reference: 'debian:trixie', from: null, to: N },
    ]);
  });

  it('leaves a file with no edited base byte-identical', () => {
    const text = `# keep\nFROM alpine:3.20@${A}\n`;
    expect(rewritePins(text, EDITS)).toEqual({ text, changed: [], problems: [] });
  });

  it('reports, and does not touch, a pin it cannot locate: from a build arg specs.yml sets, or a digest mixing text and variables', () => {
    const fromArgs = `ARG BASE_IMAGE\nFROM $BASE_IMAGE\n`;
    const r = rewritePins(fromArgs, EDITS, { BASE_IMAGE: `debian:bookworm-slim@${A}` });
    expect(r.text).toBe(fromArgs);
    expect(r.problems).toEqual([{ line: 2, message: 'cannot rewrite the pin of debian:bookworm-slim: it comes from build arg BASE_IMAGE, which specs.yml sets: pin it there' }]);
    const mixed = `ARG H=${'a'.repeat(64)}\nFROM debian:bookworm-slim@sha256:\${H}\n`;
    expect(rewritePins(mixed, EDITS).problems[0].message).toContain('mixes text and variables');
  });
});
