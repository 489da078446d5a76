/**
 * Writing an {@link Adoption} as a commented specs.yml (no I/O). Every value is written as
 * a JSON string where quoting matters (JSON strings are YAML double-quoted scalars), so the
 * text reads back as written; version keys are always quoted (`"2026.10"` is not 2026.1).
 */
import { secretVariable } from './assemble';
import type { Adoption, AdoptedImage, ManifestCommandSpec, ParentEdge, TestFolder } from './types';

/** Options of {@link renderSpecs}. */
export interface RenderOptions {
  /** The schema's path relative to the folder of specs.yml, for the `# yaml-language-server: $schema=` line. */
  schemaPath: string;
}

/**
 * The specs.yml text of an adoption: the schema line, a header saying where it came from,
 * `registry`, `namespace`, `references` (when the Dockerfiles spell the stack otherwise),
 * `versions`, `defaults.manifest` (commands every image runs) and `images` in build order,
 * each preceded by comments naming its parent edges and why, its external bases, and what is
 * left to decide.
 */
export function renderSpecs(a: Adoption, options: RenderOptions): string {
  const out: string[] = [];
  const from = a.searched === '.' ? 'the Dockerfiles of this repository' : `the Dockerfiles under ${a.searched}/`;
  out.push(
    `# yaml-language-server: $schema=${options.schemaPath}`,
    `# Written by \`imagestack init\` from ${from}${a.datahubSpec ? ` and ${a.datahubSpec}` : ''}.`,
    '# Parents are not declared here: imagestack reads them from the Dockerfiles (FROM, COPY --from);',
    '# the edges init found are noted above each image. `imagestack plan` shows the stack as imagestack reads it.',
    commented(`registry: ${scalar(a.registry)}`, `where imagestack pushes (from ${a.pushFrom})`),
    `namespace: ${scalar(a.namespace)}`,
  );
  if (a.references) {
    const r = a.references;
    out.push(
      commented('references:', "how the Dockerfiles spell the stack's repositories (kept when --registry overrides registry)"),
      `  registry: ${scalar(r.registry)}`,
      `  namespace: ${scalar(r.namespace)}`,
    );
    if (r.args) {
      const args = [r.args.registry ? `registry: ${r.args.registry}` : '', r.args.namespace ? `namespace: ${r.args.namespace}` : ''].filter(Boolean).join(', ');
      out.push(commented(`  args: { ${args} }`, "the Dockerfiles' own ARGs that carry them"));
    }
  }
  out.push('', 'versions:', commented(`  ${JSON.stringify(a.version)}: ${flowArgs(a.versionArgs)}`, 'tags are <version>-<sha7>'));
  if (a.defaultManifest.length) {
    out.push('', 'defaults:', '  manifest:', a.datahubSpec ? commented('    commands:', `info_cmds every image of ${a.datahubSpec} runs`) : '    commands:');
    for (const c of a.defaultManifest) out.push(`      - ${command(c)}`);
  }
  out.push('', 'images:');
  const contexts = new Map(a.images.map((i) => [i.name, i.context]));
  a.images.forEach((image, i) => {
    if (i > 0) out.push('');
    out.push(...imageLines(image, image.variantOf !== undefined && contexts.get(image.variantOf) === image.context));
  });
  if (a.leftOut.length) {
    out.push('', '# Dockerfiles that are not images of this file:');
    for (const l of a.leftOut) out.push(`#   ${l.path}: ${l.why}`);
  }
  return `${out.join('\n')}\n`;
}

function imageLines(image: AdoptedImage, sameContext: boolean): string[] {
  const lines: string[] = [];
  if (image.variantOf && sameContext) lines.push(`  # a variant of ${image.variantOf}: the same context, its own Dockerfile`);
  else if (image.variantOf) lines.push(`  # a variant inside ${image.variantOf}'s folder, built with ${image.context}/ as its context`);
  if (image.edges.length === 0) lines.push('  # parents: none (a root of the stack)');
  for (const e of image.edges) lines.push(`  # parent ${e.parent}: ${describeEdge(e)}`);
  for (const x of image.externals) lines.push(`  # external base ${x.reference} (line ${x.line})${x.note ? `: ${x.note}` : ''}`);
  const body: string[] = [];
  if (image.context !== `images/${image.name}`) body.push(`    context: ${scalar(image.context)}`);
  if (image.dockerfile !== 'Dockerfile') body.push(`    dockerfile: ${scalar(image.dockerfile)}`);
  if (Object.keys(image.args).length) body.push(`    args: ${flowArgs(image.args)}`);
  if (image.secrets?.length) {
    lines.push('  # decide: where each build secret comes from (an environment variable here; or file: <path>)');
    body.push(`    secrets: [${image.secrets.map((id) => `{ id: ${scalar(id)}, env: ${secretVariable(id)} }`).join(', ')}]`);
  }
  if (image.manifest.length) {
    body.push('    manifest:', '      commands:');
    for (const c of image.manifest) body.push(`        - ${command(c)}`);
  }
  const test = image.testFolder ? testSetting(image.context, image.testFolder) : undefined;
  if (test) {
    lines.push(`  # decide: ${test.comment}`);
    body.push(`    test: { ${test.key}: ${JSON.stringify(test.command)} }`);
  }
  lines.push(`  ${key(image.name)}:${body.length ? '' : ' {}'}`, ...body);
  return lines;
}

/**
 * The test setting written for a `test/` folder (imagestack refuses a test folder with no
 * command): pytest files run on the host (`test.host`), one script inside the image
 * (`test.command`), anything else a command that fails with what to do, so that nothing is
 * pushed untested.
 */
export function testSetting(context: string, folder: TestFolder): { key: 'host' | 'command'; command: string; comment: string } {
  switch (folder.kind) {
    case 'pytest':
      return { key: 'host', command: `python3 -m pytest -q ${context}/test`, comment: `pytest files in ${context}/test/, run on the host after the build; IMAGESTACK_IMAGE names the image` };
    case 'script':
      return { key: 'command', command: `sh /imagestack/test/${folder.script}`, comment: `${context}/test/${folder.script}, run inside a container of the image` };
    default:
      return {
        key: 'command',
        command: `echo "write how ${context}/test/ runs: specs.yml test.command (in the image) or test.host (on the host)" >&2; exit 1`,
        comment: `how the tests in ${context}/test/ run; until then this test fails and nothing is pushed`,
      };
  }
}

/** One edge in words: the instruction as written, its line, the ARGs it goes through and what imagestack passes. */
export function describeEdge(e: ParentEdge): string {
  const what = `${e.instruction} ${e.raw} (line ${e.line})${e.via ? `, ${e.via}` : ''}`;
  switch (e.form) {
    case 'whole-reference':
      return `${what}; imagestack passes ${e.arg}=<${e.parent}'s repository>:<tag>`;
    case 'tag-arg':
      return `${what}; imagestack passes ${e.arg}=<${e.parent}'s tag>`;
    case 'tag-arg-own':
      return `${what}; imagestack's own convention (it passes REGISTRY and ${e.arg})`;
    default:
      return `${what}; a fixed tag: this line must change (see the decisions)`;
  }
}

function command(c: ManifestCommandSpec): string {
  return `{ name: ${scalar(c.name)}, ${c.description !== undefined ? `description: ${JSON.stringify(c.description)}, ` : ''}command: ${JSON.stringify(c.command)} }`;
}

function flowArgs(args: Readonly<Record<string, string>>): string {
  const entries = Object.entries(args);
  return entries.length ? `{ ${entries.map(([k, v]) => `${key(k)}: ${JSON.stringify(v)}`).join(', ')} }` : '{}';
}

/** A mapping key written plain when YAML reads it back as the same string, else as a JSON string. */
function key(s: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(s) && !/^(?:true|false|null|yes|no|on|off|y|n)$/i.test(s) ? s : JSON.stringify(s);
}

/** A value written plain when it is a simple word YAML reads back as the same string (hosts, paths, names), else as a JSON string. */
function scalar(s: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9_./:-]*$/.test(s) && !/^[0-9.:_-]+$/.test(s) && !/^(?:true|false|null|yes|no|on|off|y|n)$/i.test(s) && !s.includes(': ') ? s : JSON.stringify(s);
}

/** `line`, then `# comment` from column 35 (or after one space when the line is longer). */
function commented(line: string, comment: string): string {
  return `${line}${' '.repeat(Math.max(1, 34 - line.length))}# ${comment}`;
}
