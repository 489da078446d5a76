import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InputError, Problem } from '../../errors';
import { toSpecsJson } from '../../specs/document';
import { parseSpecs } from '../../specs/load';
import { manifestSpecIssues } from '../manifest/spec';
import { failureLine } from './gate';
import { compileSchema } from './schema';
import { checksSpecIssues, resolveChecks } from './spec';
import { readTar } from './tar';

describe('checks in specs.yml', () => {
  it('reads the three kinds', () => {
    const { checks, issues } = resolveChecks(
      {
        checks: [
          { name: 'py', command: 'python3 --version', match: '^Python 3\\.11' },
          { name: 'numpy', package: 'python3-numpy', version: '>=1.24 <2' },
          { name: 'any', package: 'tini' },
          { name: 'sp', file: '/start_point/manifest.json', schema: 'schemas/x.json' },
        ],
      },
      'img',
    );
    expect(issues).toEqual([]);
    expect(checks.map((c) => c.kind)).toEqual(['command', 'package', 'package', 'file']);
    const py = checks[0];
    expect(py.kind === 'command' && py.regex.test('x\nPython 3.11.2')).toBe(true);
    const numpy = checks[1];
    expect(numpy.kind === 'package' && numpy.version?.comparisons).toEqual([
      { op: '>=', version: '1.24' },
      { op: '<', version: '2' },
    ]);
  });

  it('reports every invalid check at its line, with a fix', () => {
    // Shapes are specs.schema.json's (definition `check`), the rest readChecks'; both are
    // reported when specs.yml is loaded, one problem per check, in file order.
    const checks = [
      { command: 'x', match: 'y' },
      { name: 'two', command: 'x', match: 'y', package: 'z' },
      { name: 'none' },
      { name: 'nomatch', command: 'x' },
      { name: 'badre', command: 'x', match: '(' },
      { name: 'badver', package: 'p', version: '1.2' },
      { name: 'extra', package: 'p', match: 'y' },
      { name: 'relfile', file: 'etc/x.json', schema: 's.json' },
      { name: 'escape', file: '/x.json', schema: '../s.json' },
      { name: 'dup', package: 'p' },
      { name: 'dup', package: 'q' },
    ];
    const text = `registry: r.example\nnamespace: ns\nversions: { "1": {} }\nimages:\n  a:\n    checks:\n${checks.map((c) => `      - ${JSON.stringify(c)}\n`).join('')}  b:\n    checks: { name: x }\n`;
    let problems: readonly Problem[] = [];
    try {
      parseSpecs(text, 'specs.yml', '/ws');
    } catch (e) {
      problems = (e as InputError).problems;
    }
    const item = (i: number) => 7 + i; // line of images.a.checks[i]
    expect(problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      `${item(0)}: check #1 needs a name`,
      `${item(1)}: check "two" has command and package; a check has exactly one of them`,
      `${item(2)}: check "none" says nothing to check`,
      `${item(3)}: check "nomatch" needs \`match\`: the regular expression the output must match`,
      expect.stringMatching(new RegExp(`^${item(4)}: check "badre": match is not a valid regular expression: `)),
      `${item(5)}: check "badver": "1.2" in version range "1.2" has no operator; write "=1.2" for exactly that version, or ">=1.2"`,
      `${item(6)}: check "extra": "match" does not go with \`package\``,
      `${item(7)}: check "relfile": file must be an absolute path in the image`,
      `${item(8)}: check "escape": schema "../s.json" must be relative to the workspace root and stay inside it`,
      `${item(10)}: check "dup" is defined twice in a`,
      // Not a list: the general wording of a wrong type (the same as in load.test.ts).
      `${item(12)}: images.b.checks must be a list, but it is a mapping`,
    ]);
    expect(problems.every((p) => p.fix.length > 0)).toBe(true);
  });

  it('the example specs.yml has valid checks and manifest settings', () => {
    const root = path.resolve(__dirname, '../../../../../..');
    const raw = toSpecsJson(readFileSync(path.join(root, 'specs.yml'), 'utf8')) as Record<string, unknown>;
    expect(checksSpecIssues(raw)).toEqual([]);
    expect(manifestSpecIssues(raw)).toEqual([]);
    expect(() => parseSpecs(readFileSync(path.join(root, 'specs.yml'), 'utf8'), 'specs.yml', root)).not.toThrow();
  });

  it('formats a failure as <image>@<version>: check "<name>": expected …, found …', () => {
    expect(failureLine('python', '2026.1', { name: 'python-version', expected: 'output matching /^Python 3\\.11/m', found: '"Python 3.12.1" (exit 0)' })).toBe(
      'python@2026.1: check "python-version": expected output matching /^Python 3\\.11/m, found "Python 3.12.1" (exit 0)',
    );
  });
});

describe('readTar', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imagestack-tar-'));
  const long = `${'d'.repeat(120)}/${'f'.repeat(120)}.json`;
  mkdirSync(path.join(dir, 'd'.repeat(120)));
  writeFileSync(path.join(dir, long), '{"long": true}');
  writeFileSync(path.join(dir, 'small.json'), '{"a": 1}\n');
  symlinkSync('small.json', path.join(dir, 'link.json'));

  it.each([['gnu'], ['pax'], ['ustar']])('reads files, long names and links of a %s archive', async (format) => {
    const names = format === 'ustar' ? ['small.json', 'link.json'] : ['small.json', 'link.json', long];
    const tar = execFileSync('tar', ['-c', `--format=${format}`, '-C', dir, ...names]);
    const entries = await readTar(tar);
    expect(entries.map((e) => [e.name, e.type])).toEqual(names.map((n) => [n, n === 'link.json' ? 'symlink' : 'file']));
    expect(entries[0].data.toString()).toBe('{"a": 1}\n');
    expect(entries[1].linkname).toBe('small.json');
    if (format !== 'ustar') expect(entries[2].data.toString()).toBe('{"long": true}');
  });

  it('rejects a corrupt header', async () => {
    const tar = execFileSync('tar', ['-c', '-C', dir, 'small.json']);
    tar[0] ^= 0xff;
    await expect(readTar(tar)).rejects.toThrow(/checksum/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('compileSchema', () => {
  it('picks the dialect from $schema and reports every error', () => {
    const v = compileSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { a: { type: 'integer' }, b: { prefixItems: [{ const: 1 }] } },
      required: ['a'],
    });
    expect(v({ a: 1, b: [1] })).toEqual([]);
    expect(v({ b: [2] })).toEqual(['(root): required property "a" is missing', '/b/0: must be 1']);
  });

  it('ignores unknown formats with a warning', () => {
    const warnings: string[] = [];
    const v = compileSchema({ type: 'string', format: 'date-time' }, (w) => warnings.push(w));
    expect(v('not a date')).toEqual([]);
    expect(warnings.join()).toMatch(/unknown format "date-time"/);
  });

  it('throws on an invalid schema', () => {
    expect(() => compileSchema({ type: 'strin' })).toThrow(/type/);
  });
});
