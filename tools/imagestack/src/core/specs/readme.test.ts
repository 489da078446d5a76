// The README's full specs.yml example is what newcomers copy: it must load as written.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSpecs } from './load';

const README = path.resolve(__dirname, '../../../../../README.md');

describe('the README', () => {
  it('shows a full specs.yml example that loads without problems', () => {
    const blocks = [...readFileSync(README, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
    const example = blocks.find((b) => b.startsWith('registry:'));
    expect(example, 'a ```yaml block starting with "registry:"').toBeDefined();
    const specs = parseSpecs(example!, 'README.md', '/ws');
    expect(specs.versions.map((v) => v.name)).toEqual(['2026.1', '2026.2']);
    expect(specs.images.map((i) => i.name)).toEqual(['base', 'python']);
  });
});
