/**
 * The top-level `stamp:` list of specs.yml: which JSON files of the stack get an image's
 * resolved reference written into them by `imagestack stamp` (into copies in the output
 * folder, never into the source tree). Read from the plain JSON of the file; pure, except
 * that the file checks use the reader given.
 *
 * ```yaml
 * stamp:
 *   - file: images/gcc-assert/start_point/manifest.json   # relative to the folder of specs.yml
 *     pointer: /image_name                                # JSON Pointer (RFC 6901) to an existing key
 *     image: gcc-assert                                   # whose reference is written
 *     version: "2026.2"                                   # optional: default every version the image is built for
 *     form: "repository:tag@digest"                       # optional: or "repository:tag", "repository@digest"
 * ```
 *
 * Top level rather than inside an image's entry on purpose: an image's entry is one of its
 * inputs (compared by meaning), so a stamp setting there would move the image's tag and
 * rebuild it and its descendants although nothing in the image changed.
 */
import { asObject } from '../specs/context';
import type { SpecIssue } from '../verify/manifest/spec';
import { closest, quoteList } from '../util/suggest';
import { parsePointer, resolvePointer } from './pointer';

/** How the reference is written. */
export type StampForm = 'repository:tag@digest' | 'repository:tag' | 'repository@digest';

/** The forms, default first. */
export const STAMP_FORMS: readonly StampForm[] = ['repository:tag@digest', 'repository:tag', 'repository@digest'];

/** One `stamp:` item. */
export interface StampSpec {
  /** JSON file, relative to the workspace root (forward slashes). */
  file: string;
  /** The JSON Pointer as written. */
  pointer: string;
  /** Its reference tokens. */
  tokens: string[];
  /** Image whose reference is written. */
  image: string;
  /** Only this version; otherwise one stamped copy per version the image is built for. */
  version?: string;
  form: StampForm;
}

/** Reads a workspace file (path relative to the root); `undefined` when it does not exist. */
export type WorkspaceReader = (rel: string) => string | undefined;

/** The stamp settings of a valid specs document (`Specs.raw`), in file order. */
export function readStampSpecs(raw: unknown): StampSpec[] {
  const list = asObject(raw)?.stamp;
  if (!Array.isArray(list)) return [];
  return list.map((x) => {
    const o = x as Record<string, unknown>;
    return {
      file: String(o.file).replace(/^(?:\.\/)+/, ''),
      pointer: String(o.pointer),
      tokens: parsePointer(String(o.pointer)) ?? [],
      image: String(o.image),
      ...(typeof o.version === 'string' ? { version: o.version } : {}),
      form: (typeof o.form === 'string' ? o.form : STAMP_FORMS[0]) as StampForm,
    };
  });
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * Problems of the `stamp:` settings beyond the schema's shapes: a file outside the
 * workspace, a malformed pointer, an unknown image or version, a version the image skips,
 * the same place stamped twice; and, when `read` is given, a missing or non-JSON file and
 * a pointer that does not name an existing string in it.
 *
 * @param json the whole document as plain JSON (any shape; never throws)
 */
export function stampSpecIssues(json: Record<string, unknown>, read?: WorkspaceReader): SpecIssue[] {
  const list = json.stamp;
  if (!Array.isArray(list)) return [];
  const issues: SpecIssue[] = [];
  const images = asObject(json.images) ?? {};
  const versions = Object.keys(asObject(json.versions) ?? {});
  const seen = new Map<string, number>();
  const parsed = new Map<string, unknown>();
  list.forEach((x, i) => {
    const o = asObject(x);
    if (!o) return;
    const at = (k: string) => ['stamp', i, k];
    const file = typeof o.file === 'string' ? o.file : undefined;
    const pointer = typeof o.pointer === 'string' ? o.pointer : undefined;
    const image = typeof o.image === 'string' ? o.image : undefined;
    const version = typeof o.version === 'string' ? o.version : undefined;
    let fileOk = false;
    if (file !== undefined && file !== '') {
      if (file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file) || file.split(/[\\/]/).includes('..')) {
        issues.push({ path: at('file'), message: `stamp file ${JSON.stringify(file)} is outside the workspace`, fix: 'write the path relative to the folder of specs.yml, without ".." (e.g. "images/gcc-assert/start_point/manifest.json")' });
      } else {
        fileOk = true;
      }
    }
    let tokens: string[] | undefined;
    if (pointer !== undefined) {
      tokens = parsePointer(pointer);
      if (!tokens) {
        const near = pointer.startsWith('/') ? undefined : `/${pointer.replace(/\./g, '/')}`;
        issues.push({ path: at('pointer'), message: `${JSON.stringify(pointer)} is not a JSON Pointer`, fix: `write the key path as a JSON Pointer (RFC 6901): "/" before each key, "~1" for a "/" inside a key${near ? `, e.g. ${JSON.stringify(near)}` : ''}` });
      } else if (tokens.length === 0) {
        issues.push({ path: at('pointer'), message: 'the pointer "" names the whole file', fix: 'point at the key that holds the image name, e.g. "/image_name"' });
        tokens = undefined;
      }
    }
    if (image !== undefined && !Object.prototype.hasOwnProperty.call(images, image)) {
      const near = closest(image, Object.keys(images));
      issues.push({ path: at('image'), message: `stamp names image ${JSON.stringify(image)}, which is not in "images"`, fix: near ? `did you mean ${JSON.stringify(near)}?` : `use one of ${quoteList(Object.keys(images))}` });
    } else if (image !== undefined && version !== undefined) {
      const skip = asObject(images[image])?.skip;
      if (!versions.includes(version)) {
        const near = closest(version, versions, 3);
        issues.push({ path: at('version'), message: `stamp names version ${JSON.stringify(version)}, which is not a declared version`, fix: near ? `did you mean ${JSON.stringify(near)}?` : `use one of ${quoteList(versions)}, or remove "version" to stamp every version` });
      } else if (Array.isArray(skip) && skip.map(String).includes(version)) {
        issues.push({ path: at('version'), message: `image ${JSON.stringify(image)} skips version ${JSON.stringify(version)}, so it has no reference to stamp`, fix: 'name a version the image is built for, or remove "version"' });
      }
    }
    if (file !== undefined && pointer !== undefined) {
      const key = JSON.stringify([file.replace(/^(?:\.\/)+/, ''), pointer, version ?? '*']);
      const first = seen.get(key);
      if (first !== undefined) {
        issues.push({ path: at('pointer'), message: `stamp item ${first + 1} already writes ${pointer} of ${file}`, fix: 'remove one of the two items, or give them different versions' });
      } else {
        seen.set(key, i);
      }
    }
    if (!read || !fileOk || file === undefined) return;
    const rel = file.replace(/^(?:\.\/)+/, '');
    if (!parsed.has(rel)) {
      const text = read(rel);
      if (text === undefined) {
        parsed.set(rel, { missing: true });
      } else {
        try {
          parsed.set(rel, { json: JSON.parse(text) });
        } catch (e) {
          parsed.set(rel, { error: (e as Error).message });
        }
      }
    }
    const content = parsed.get(rel) as { missing?: true; json?: unknown; error?: string };
    if (content.missing) {
      issues.push({ path: at('file'), message: `stamp file ${JSON.stringify(file)} does not exist`, fix: 'correct the path (relative to the folder of specs.yml), or add the file' });
      return;
    }
    if (content.error !== undefined) {
      issues.push({ path: at('file'), message: `stamp file ${JSON.stringify(file)} is not JSON: ${content.error}`, fix: 'stamp only JSON files; correct the file' });
      return;
    }
    if (!tokens) return;
    const r = resolvePointer(content.json, tokens);
    if (!r.found) {
      const have = tokens.slice(0, r.at).map((t) => `/${t.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('') || 'the top level';
      const parent = resolvePointer(content.json, tokens.slice(0, r.at));
      const keys = parent.found && asObject(parent.value) ? Object.keys(parent.value as object) : [];
      const near = closest(tokens[r.at], keys);
      issues.push({
        path: at('pointer'),
        message: `${file} has no ${pointer}: ${have} has no ${JSON.stringify(tokens[r.at])}`,
        fix: near ? `did you mean ${JSON.stringify(tokens.slice(0, r.at).concat(near).map((t) => `/${t}`).join(''))}?` : `add the key to the file with a placeholder value (stamping replaces a value, it never adds keys)${keys.length ? `; keys there: ${quoteList(keys.slice(0, 8))}` : ''}`,
      });
    } else if (typeof r.value !== 'string') {
      issues.push({ path: at('pointer'), message: `${pointer} in ${file} holds ${typeName(r.value)}, not a string`, fix: 'point at a key whose value is a string (an image name)' });
    }
  });
  return issues;
}
