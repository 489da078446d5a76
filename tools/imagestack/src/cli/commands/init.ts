/** `imagestack init`: write a commented specs.yml for a repository that has Dockerfiles but none. */
import * as path from 'node:path';
import type { Command } from 'commander';
import { checkAdoption, initStack } from '../../core/adopt/adopt';
import { describeEdge } from '../../core/adopt/render';
import type { Adoption } from '../../core/adopt/types';
import { formatTable } from '../../terminal/table';

/**
 * What init found and decided, for the terminal: the images (context, parents, external
 * bases), each parent edge and why, how the Dockerfiles spell the stack, the folders left out,
 * and what needs a decision.
 */
export function initReport(a: Adoption, file: string, replaced: boolean): string {
  const out: string[] = [];
  const source = a.searched === '.' ? 'the Dockerfiles of this repository' : `the Dockerfiles under ${a.searched}/`;
  out.push(`${replaced ? 'replaced' : 'wrote'} ${file}: ${a.images.length} image${a.images.length === 1 ? '' : 's'} from ${source}${a.datahubSpec ? ` and ${a.datahubSpec}` : ''}`, '');
  const rows = a.images.map((i) => [
    i.name,
    `${i.context}/${i.dockerfile}`,
    i.edges.map((e) => e.parent).join(', ') || '-',
    i.externals.map((x) => x.reference).join(', ') || '-',
  ]);
  out.push(formatTable(['image', 'Dockerfile', 'parents', 'external bases'], rows), '');
  const edges = a.images.flatMap((i) => i.edges.map((e) => `  ${i.name} ← ${e.parent}: ${e.file}:${describeEdge(e).replace(/ \(line \d+\)/, '').replace(/^/, `${e.line} `)}`));
  out.push(edges.length ? 'parent edges, and why:' : 'parent edges: none (no Dockerfile builds on another image of the stack)', ...edges);
  const notes = a.images.flatMap((i) => i.externals.filter((x) => x.note).map((x) => `  ${i.name}: ${x.reference} (${i.context}/${i.dockerfile}:${x.line}) ${x.note}`));
  if (notes.length) out.push('', 'external bases named like stack images:', ...notes);
  if (a.references) {
    const r = a.references;
    const args = [r.args?.registry ? `the registry in ARG ${r.args.registry}` : '', r.args?.namespace ? `the namespace in ARG ${r.args.namespace}` : ''].filter(Boolean).join(' and ');
    out.push('', `references: the Dockerfiles spell the stack's repositories ${r.registry}/${r.namespace}/<image>${args ? `, with ${args}` : ''}`);
  }
  if (a.leftOut.length) out.push('', 'left out:', ...a.leftOut.map((l) => `  ${l.path}: ${l.why}`));
  out.push('', 'to decide:', ...a.decisions.map((d) => `  - ${d.at ? `${d.at}: ` : d.image ? `${d.image}: ` : ''}${d.message}`));
  return `${out.join('\n')}\n`;
}

/** Registers the command. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a commented specs.yml for the Dockerfiles of this repository: images, parent edges and why, what needs a decision')
    .argument('[dir]', 'the workspace root, where specs.yml is written', '.')
    .option('--force', 'replace an existing specs.yml')
    .action(async (dir: string, o: { force?: boolean }, cmd: Command) => {
      // Only values given on the command line are written: IMAGESTACK_REGISTRY/NAMESPACE are
      // this machine's, and still override specs.yml whenever imagestack runs.
      const given = (name: string) => (cmd.parent?.getOptionValueSource(name) === 'cli' ? (cmd.parent.getOptionValue(name) as string) : undefined);
      const registry = given('registry');
      const namespace = given('namespace');
      const r = initStack({ root: dir, force: o.force, ...(registry !== undefined ? { registry } : {}), ...(namespace !== undefined ? { namespace } : {}) });
      const shown = path.relative(process.cwd(), r.file) || r.file;
      process.stdout.write(initReport(r.adoption, shown, r.replaced));
      const differences = await checkAdoption(r.file, r.adoption);
      if (differences.length === 0) {
        process.stdout.write(`\ncheck: imagestack reads ${shown} with the same parents for every image; next: imagestack plan\n`);
      } else {
        process.stdout.write(`\ncheck: imagestack does not plan ${shown} as init inferred it:\n${differences.map((d) => `  - ${d}\n`).join('')}`);
      }
    });
}
