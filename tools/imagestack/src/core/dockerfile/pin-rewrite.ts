/**
 * Rewriting external base pins in a Dockerfile's text: only the digest part of a reference
 * changes (or `@<digest>` is inserted after an unpinned one); every other byte (comments,
 * spacing, `--platform=`, `AS name`, line endings) is kept. The digest is found where it is
 * written: after the `@` of a `FROM`/`COPY --from=` reference, or in the default of the global
 * ARG the reference (`FROM $BASE_IMAGE`) or its digest (`FROM debian:bookworm-slim@${DIGEST}`)
 * comes from. No I/O.
 */
import { expandWord, splitRawReference, type Lookup } from './expand';
import { parseDockerfile } from './parse';
import type { GlobalArg, ImageText } from './types';

/** One pin to write: every reference that resolves to `reference` gets `digest`. */
export interface PinEdit {
  /** The base without its digest, as substituted, e.g. `debian:bookworm-slim`. */
  reference: string;
  /** The new digest, `sha256:…`. */
  digest: string;
}

/** What {@link rewritePins} did. */
export interface PinRewrite {
  /** The Dockerfile's new text (the same string when nothing changed). */
  text: string;
  /** Each reference whose pin changed: 1-based line of its `FROM`/`COPY`, old digest (null = was unpinned), new. */
  changed: Array<{ line: number; reference: string; from: string | null; to: string }>;
  /** References that resolve to an edited base but whose digest could not be located, in words (file-less). */
  problems: Array<{ line: number; message: string }>;
}

interface Splice {
  offset: number;
  length: number;
  text: string;
}

/**
 * Writes the pins of `edits` into `text`.
 *
 * @param args build args that override the Dockerfile's ARG defaults (e.g. `REGISTRY`), as
 *   the build passes them; a reference whose pin comes from such an arg cannot be rewritten
 *   here and is reported in `problems`
 */
export function rewritePins(text: string, edits: readonly PinEdit[], args: Readonly<Record<string, string>> = {}): PinRewrite {
  const parsed = parseDockerfile(text);
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const defaults = new Map<string, string>();
  const lookup: Lookup = (name) => (name in args ? args[name] : defaults.get(name));
  for (const a of parsed.globalArgs) {
    if (a.rawDefault !== undefined && !(a.name in args)) defaults.set(a.name, expandWord(a.rawDefault, lookup, parsed.escapeChar).value);
  }
  const argByName = new Map<string, GlobalArg>(parsed.globalArgs.map((a) => [a.name, a]));
  const splices = new Map<number, Splice>();
  const out: PinRewrite = { text, changed: [], problems: [] };

  for (const it of parsed.imageTexts) {
    const value = expandWord(it.raw, lookup, parsed.escapeChar).value;
    const at = value.indexOf('@');
    const reference = at < 0 ? value : value.slice(0, at);
    const from = at < 0 ? null : value.slice(at + 1);
    const edit = edits.find((e) => e.reference === reference);
    if (!edit || from === edit.digest) continue;
    const splice = locate(text, lineStarts, it, argByName, args, edit.digest);
    if (typeof splice === 'string') {
      out.problems.push({ line: it.line, message: `cannot rewrite the pin of ${reference}: ${splice}` });
      continue;
    }
    const other = splices.get(splice.offset);
    if (other && other.text !== splice.text) {
      out.problems.push({ line: it.line, message: `cannot rewrite the pin of ${reference}: its digest is shared with another base` });
      continue;
    }
    splices.set(splice.offset, splice);
    out.changed.push({ line: it.instructionLine, reference, from, to: edit.digest });
  }
  let result = text;
  for (const s of [...splices.values()].sort((a, b) => b.offset - a.offset)) {
    result = result.slice(0, s.offset) + s.text + result.slice(s.offset + s.length);
  }
  out.text = result;
  return out;
}

/** The splice that writes `digest` for image text `it`, or why there is none. */
function locate(
  text: string,
  lineStarts: number[],
  it: ImageText,
  argByName: Map<string, GlobalArg>,
  args: Readonly<Record<string, string>>,
  digest: string,
): Splice | string {
  const offset = lineStarts[it.line - 1] + it.column - 1;
  if (text.slice(offset, offset + it.raw.length) !== it.raw) return 'the reference is split over lines';
  const parts = splitRawReference(it.raw);
  if (parts.digest !== undefined) {
    const start = offset + it.raw.length - parts.digest.length;
    if (!parts.digest.includes('$')) return { offset: start, length: parts.digest.length, text: digest };
    const v = wholeVariable(parts.digest);
    if (!v) return `its digest "${parts.digest}" mixes text and variables`;
    return inArgDefault(text, lineStarts, v, argByName, args, digest, 'digest');
  }
  const v = wholeVariable(it.raw);
  if (v) return inArgDefault(text, lineStarts, v, argByName, args, digest, 'reference');
  // Unpinned, written with or without variables: the pin goes right after the reference.
  return { offset: offset + it.raw.length, length: 0, text: `@${digest}` };
}

/** `NAME` when `word` is exactly `$NAME` or `${NAME}`. */
function wholeVariable(word: string): string | undefined {
  return /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/.exec(word)?.slice(1).find((x) => x !== undefined);
}

/**
 * The splice inside global ARG `name`'s default: `holds` says whether the default is the whole
 * reference (then its `@…` part is replaced, or `@<digest>` appended) or the digest alone.
 */
function inArgDefault(
  text: string,
  lineStarts: number[],
  name: string,
  argByName: Map<string, GlobalArg>,
  args: Readonly<Record<string, string>>,
  digest: string,
  holds: 'reference' | 'digest',
): Splice | string {
  const arg = argByName.get(name);
  if (name in args || !arg || arg.rawDefault === undefined) return `it comes from build arg ${name}, which specs.yml sets: pin it there`;
  const start = lineStarts[arg.line - 1] + arg.column - 1 + name.length;
  const m = /^=("?)([^\s"]*)/.exec(text.slice(start));
  if (!m) return `the default of ARG ${name} is not written as ${name}=<value>`;
  const valueStart = start + 1 + m[1].length;
  const value = m[2];
  if (holds === 'digest') {
    if (value.includes('$')) return `the default of ARG ${name} uses variables`;
    return { offset: valueStart, length: value.length, text: digest };
  }
  const at = value.indexOf('@');
  if (at < 0) return { offset: valueStart + value.length, length: 0, text: `@${digest}` };
  if (value.slice(at + 1).includes('$')) return `the digest in the default of ARG ${name} uses variables`;
  return { offset: valueStart + at + 1, length: value.length - at - 1, text: digest };
}
