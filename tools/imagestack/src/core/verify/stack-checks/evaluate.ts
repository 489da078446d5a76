/**
 * Evaluating stack-wide checks over the images of one version (pure, no I/O): each image's
 * value, then the rule (`unique` / `same`), with a message that names the images and values.
 */
import { resolvePointer } from '../../stamp/pointer';
import type { StackCheckSpec } from './spec';

/** What one image offers the stack checks: its package manifest's lists and OS, and the stack-check command outputs. */
export interface StackCheckImage {
  image: string;
  tag: string;
  packages: { dpkg: Record<string, string>; pip: Record<string, string> };
  os: Record<string, string>;
  /** Output of each `stack-check:<name>` command, by check name. */
  outputs: Record<string, string>;
}

/** The outcome of one stack check at one version. */
export interface StackCheckResult {
  name: string;
  version: string;
  ok: boolean;
  /** One line: what was checked, or what is wrong (naming the images and the values). */
  message: string;
  /** Per image read: its value (images without one are left out). */
  values: Record<string, string>;
  /** Images of the version whose package manifest was not available to this run (their values are unknown). */
  unread?: string[];
}

/** The value of `check` in `img`, or undefined when the image has none (or its file is not JSON / lacks the pointer). */
export function stackCheckValue(check: StackCheckSpec, img: StackCheckImage): string | undefined {
  const s = check.source;
  switch (s.kind) {
    case 'package':
      return img.packages.dpkg[s.package] ?? img.packages.pip[s.package];
    case 'os':
      return img.os[s.field];
    case 'command': {
      const out = (img.outputs[check.name] ?? '').trim();
      return out || undefined;
    }
    case 'file': {
      const text = img.outputs[check.name];
      if (!text?.trim()) return undefined;
      try {
        const r = resolvePointer(JSON.parse(text), s.tokens);
        if (!r.found) return undefined;
        return typeof r.value === 'string' ? r.value : JSON.stringify(r.value);
      } catch {
        return undefined;
      }
    }
    default: {
      const never: never = s;
      return never;
    }
  }
}

function describe(check: StackCheckSpec): string {
  const s = check.source;
  const what = s.kind === 'file' ? `${s.pointer || '(whole file)'} in ${s.file}` : s.kind === 'package' ? `the version of ${s.package}` : s.kind === 'os' ? `${s.field} of /etc/os-release` : `the output of "${s.command}"`;
  return `${what} ${check.rule === 'unique' ? 'is unique across images' : 'is the same in every image'}`;
}

/**
 * Runs `check` over `images` (the version's images whose package manifests are known).
 *
 * @param unread images of the version that were not available (reported, not guessed)
 */
export function evaluateStackCheck(check: StackCheckSpec, version: string, images: readonly StackCheckImage[], unread: readonly string[] = []): StackCheckResult {
  const values: Record<string, string> = {};
  for (const img of images) {
    if (check.images && !check.images.includes(img.image)) continue;
    const v = stackCheckValue(check, img);
    if (v !== undefined) values[img.image] = v;
  }
  const base = { name: check.name, version, values, ...(unread.length ? { unread: [...unread] } : {}) };
  const byValue = new Map<string, string[]>();
  for (const [image, v] of Object.entries(values)) byValue.set(v, [...(byValue.get(v) ?? []), image]);
  if (check.rule === 'unique') {
    const dups = [...byValue].filter(([, imgs]) => imgs.length > 1);
    if (dups.length) {
      const list = dups.map(([v, imgs]) => `${JSON.stringify(v)} in ${imgs.join(' and ')}`).join('; ');
      return { ...base, ok: false, message: `stack check "${check.name}" (${version}) failed: ${describe(check)}, but ${list}` };
    }
  } else if (byValue.size > 1) {
    const list = [...byValue].map(([v, imgs]) => `${JSON.stringify(v)} in ${imgs.join(', ')}`).join('; ');
    return { ...base, ok: false, message: `stack check "${check.name}" (${version}) failed: ${describe(check)}, but found ${list}` };
  }
  return { ...base, ok: true, message: `stack check "${check.name}" (${version}): ${describe(check)} (${Object.keys(values).length} images)` };
}
