import { describe, expect, it } from 'vitest';
import type { Stack, StackImage } from '../graph/types';
import type { SpecIssue } from '../verify/manifest/spec';
import { movingPartOf, movingTagsFor } from '../release/moving';
import { immutableDescriptiveTag, packageVersionValue, tagProblem } from './descriptive';
import { effectiveTaggers, readTaggers, taggerCommands, taggerOutcomes, type TaggerSpec } from './taggers';

describe('tag grammar', () => {
  it('accepts OCI tags and says what is wrong with others', () => {
    expect(tagProblem('python-3.11.2')).toBeUndefined();
    expect(tagProblem('_x')).toBeUndefined();
    expect(tagProblem('')).toBe('it is empty');
    expect(tagProblem('a'.repeat(129))).toBe('it is 129 characters long (at most 128)');
    expect(tagProblem('-x')).toContain('it starts with "-"');
    expect(tagProblem('two words')).toContain('a space at character 4');
    expect(tagProblem('a\nb')).toContain('a line break or other white space at character 2');
    expect(tagProblem('a+b')).toContain('"+" at character 2');
  });

  it('makes package versions tag values and tags', () => {
    expect(packageVersionValue('3.11.2-1+b1')).toBe('3.11.2');
    expect(packageVersionValue('4:12.2.0-3')).toBe('12.2.0');
    expect(packageVersionValue('1:1.24.2-1+deb12u1')).toBe('1.24.2');
    expect(packageVersionValue('1.26.4')).toBe('1.26.4');
    expect(packageVersionValue('2.0~rc1')).toBe('2.0.rc1');
    expect(immutableDescriptiveTag('2026.1', 'python-3.11.2', 'abc1234')).toBe('2026.1-python-3.11.2-abc1234');
    expect(movingPartOf('python-3.11.2')).toBe('python-3.11');
    expect(movingPartOf('gcc-12.2.0')).toBe('gcc-12.2');
    expect(movingPartOf('debian-12')).toBe('debian-12');
    expect(movingPartOf('2026-12-07')).toBeUndefined();
  });

  it('finds the moving tags of a promoted tag from the repository tag list', () => {
    const tags = ['2026.1-abc1234', '2026.1-python-3.11.2-abc1234', '2026.1-2026-12-07-abc1234', '2026.1-debian-12-abc1234', '2026.1-python-3.11.1-0000000', '2026.1-abc1234.force-20261207T100000', '2026.1-stable'];
    expect(movingTagsFor(tags, '2026.1', '2026.1-abc1234', false)).toEqual(['2026.1-debian-12', '2026.1-python-3.11']);
    expect(movingTagsFor(tags, '2026.1', '2026.1-abc1234', true)).toEqual(['2026.1-debian-12', '2026.1-python-3.11', 'debian-12', 'latest', 'python-3.11']);
    expect(movingTagsFor(['2026.1-abc1234'], '2026.1', '2026.1-abc1234', true)).toEqual([]);
    expect(movingTagsFor(tags, '2026.1', '2026.1-dirty-0123456789ab', true)).toEqual([]);
  });
});

/** A stack of three images: base ← python ← scipy (final-stage bases), and tool with base only in a build stage. */
function stack(stackWide: TaggerSpec[], own: Record<string, TaggerSpec[]>): Stack {
  const image = (name: string, finalBase: StackImage['finalBase']): StackImage =>
    ({ name, spec: { taggers: own[name] ?? [] }, finalBase }) as unknown as StackImage;
  const images = new Map([
    ['base', image('base', { reference: 'debian:bookworm-slim', raw: 'debian:bookworm-slim' })],
    ['python', image('python', { image: 'base' })],
    ['scipy', image('scipy', { image: 'python' })],
    ['tool', image('tool', { reference: 'debian:bookworm-slim', raw: 'debian:bookworm-slim' })],
  ]);
  return { specs: { taggers: stackWide }, images } as unknown as Stack;
}

describe('taggers', () => {
  it('reads lists and refuses a name used twice', () => {
    const issues: SpecIssue[] = [];
    const list = readTaggers([{ name: 'a', command: 'x' }, { name: 'b', package: 'p' }, { name: 'a', builtIn: 'os' }, { name: 'c', off: true }], ['taggers'], issues);
    expect(list).toEqual([{ name: 'a', source: { kind: 'command', command: 'x' } }, { name: 'b', source: { kind: 'package', package: 'p' } }, { name: 'c' }]);
    expect(issues).toEqual([{ path: ['taggers', 2, 'name'], message: 'tagger "a" is defined twice', fix: 'give each tagger its own name' }]);
  });

  it('inherits along the final-base chain; same name replaces, off removes', () => {
    const s = stack([{ name: 'os', source: { kind: 'builtIn', builtIn: 'os' } }], {
      base: [{ name: 'date', source: { kind: 'builtIn', builtIn: 'commit-date' } }],
      python: [{ name: 'python', source: { kind: 'package', package: 'python3' } }],
      scipy: [{ name: 'date' }, { name: 'python', source: { kind: 'command', command: 'python3 -c "import sys; print(sys.version.split()[0])"' } }],
    });
    const names = (i: string) => effectiveTaggers(s, i).map((t) => `${t.name}<${t.from}`);
    expect(names('base')).toEqual(['os<(stack)', 'date<base']);
    expect(names('python')).toEqual(['os<(stack)', 'date<base', 'python<python']);
    expect(names('scipy')).toEqual(['os<(stack)', 'python<scipy']);
    expect(names('tool')).toEqual(['os<(stack)']);
    expect(taggerCommands(effectiveTaggers(s, 'scipy'))).toEqual([{ name: 'tagger:python', command: 'python3 -c "import sys; print(sys.version.split()[0])"' }]);
  });

  it('turns values into parts, refusing what is not a tag part', () => {
    const s = stack([], {
      base: [
        { name: 'date', source: { kind: 'builtIn', builtIn: 'commit-date' } },
        { name: 'os', source: { kind: 'builtIn', builtIn: 'os' } },
        { name: 'python', source: { kind: 'package', package: 'python3' } },
        { name: 'numpy', source: { kind: 'package', package: 'numpy' } },
        { name: 'missing', source: { kind: 'package', package: 'nope' } },
        { name: 'cmd', source: { kind: 'command', command: 'echo' } },
        { name: 'bad', source: { kind: 'command', command: 'echo' } },
      ],
    });
    const out = taggerOutcomes(effectiveTaggers(s, 'base'), {
      packages: { dpkg: { python3: '3.11.2-1+b1' }, pip: { numpy: '1.26.4' } },
      os: { ID: 'debian', VERSION_ID: '12' },
      commands: new Map([
        ['cmd', { stdout: ' 1.2.3\n', exitCode: 0 }],
        ['bad', { stdout: 'a b\n', exitCode: 0 }],
      ]),
      commitDate: '2026-12-07T23:59:00.000Z',
    });
    expect(out.map((o) => (o.ok ? o.part : o.problem))).toEqual([
      '2026-12-07',
      'debian-12',
      'python-3.11.2',
      'numpy-1.26.4',
      'tagger "missing" (from base): package nope is not in the package manifest (neither dpkg nor pip)',
      'cmd-1.2.3',
      `tagger "bad" (from base): "bad-a b" is not a tag part: it contains a space at character 6 (a tag holds only letters, digits, '.', '_' and '-'); fix: make it print one word of letters, digits, '.', '_' and '-'`,
    ]);
  });
});
