/**
 * schemas/start-point-manifest.schema.json (repo root) against real start points (copied
 * from the shared corpus into __fixtures__/start-points, see SOURCES.md there) and one
 * invalid variant per rule of cyber-dojo's validator.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSchemaFile, type SchemaValidator } from './schema';

const REPO_ROOT = path.resolve(__dirname, '../../../../../..');
const SCHEMA = 'schemas/start-point-manifest.schema.json';
const CORPUS = path.join(__dirname, '__fixtures__/start-points');

let validate: SchemaValidator;
const warnings: string[] = [];
beforeAll(async () => {
  validate = await loadSchemaFile(REPO_ROOT, SCHEMA, (w) => warnings.push(w));
});

const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

describe('start point manifest schema: valid manifests', () => {
  const files = readdirSync(CORPUS).filter((f) => f.endsWith('.manifest.json'));
  it('the corpus holds the 16 real manifests', () => expect(files).toHaveLength(16));
  it.each(files)('%s passes', (f) => {
    expect(validate(read(path.join(CORPUS, f)))).toEqual([]);
  });
  it('images/gcc-assert/start_point/manifest.json passes', () => {
    expect(validate(read(path.join(REPO_ROOT, 'images/gcc-assert/start_point/manifest.json')))).toEqual([]);
  });
  it('compiles without warnings (every format and keyword is known)', () => expect(warnings).toEqual([]));
});

/** A valid manifest to break one rule at a time. */
const GOOD = {
  display_name: 'C (gcc), assert',
  image_name: 'ghcr.io/cyber-dojo-languages/gcc_assert:2733119',
  visible_filenames: ['hiker.c', 'hiker.h', 'hiker.tests.c', 'makefile', 'cyber-dojo.sh'],
  filename_extension: ['.c', '.h'],
  hidden_filenames: ['coverage/\\.last_run\\.json'],
  highlight_filenames: ['hiker.c'],
  progress_regexs: ['Assertion `.*\' failed', '^All tests passed$'],
  tab_size: 4,
  max_seconds: 10,
  rag_lambda: 'colour.rb',
  language: ['C (gcc)', '12.2.0'],
  test_framework: ['assert', ''],
};

type Variant = [rule: string, change: Record<string, unknown>, message: RegExp];
const without = (key: string): Record<string, unknown> => ({ [key]: undefined });

/** One invalid variant per rule, and the message that must name it. */
const INVALID: Variant[] = [
  ['display_name is required', without('display_name'), /^\(root\): required property "display_name" is missing$/],
  ['display_name is a string', { display_name: 42 }, /^\/display_name: must be string$/],
  ['display_name is not empty', { display_name: '' }, /^\/display_name: must NOT have fewer than 1 characters$/],
  ['image_name is required', without('image_name'), /^\(root\): required property "image_name" is missing$/],
  ['image_name is a string', { image_name: ['gcc'] }, /^\/image_name: must be string$/],
  ['image_name is a well-formed reference', { image_name: 'Cyber Dojo/gcc' }, /^\/image_name: "Cyber Dojo\/gcc" does not match pattern .*well-formed image reference/],
  ['image_name has lowercase name components', { image_name: 'cyberdojo/GCC_assert' }, /^\/image_name: .* does not match pattern/],
  ['visible_filenames is required', without('visible_filenames'), /^\(root\): required property "visible_filenames" is missing$/],
  ['visible_filenames is an array', { visible_filenames: 'cyber-dojo.sh' }, /^\/visible_filenames: must be array$/],
  ['visible_filenames is not empty', { visible_filenames: [] }, /^\/visible_filenames: must NOT have fewer than 1 items$/],
  ['visible_filenames includes cyber-dojo.sh', { visible_filenames: ['hiker.c'], highlight_filenames: ['hiker.c'] }, /^\/visible_filenames: must contain "cyber-dojo.sh"$/],
  ['visible_filenames has no duplicates', { visible_filenames: ['hiker.c', 'cyber-dojo.sh', 'hiker.c'] }, /^\/visible_filenames: must not have duplicate items \(items 0 and 2 are equal\)$/],
  ['visible_filenames are strings', { visible_filenames: ['cyber-dojo.sh', 7] }, /^\/visible_filenames\/1: must be string$/],
  ['visible_filenames are not empty strings', { visible_filenames: ['cyber-dojo.sh', ''] }, /^\/visible_filenames\/1: must NOT have fewer than 1 characters$/],
  ['visible_filenames are portable (no space)', { visible_filenames: ['cyber-dojo.sh', 'my file.c'] }, /^\/visible_filenames\/1: "my file.c" does not match pattern .*portable file name/],
  ['visible_filenames are portable (no leading -)', { visible_filenames: ['cyber-dojo.sh', '-rf'] }, /^\/visible_filenames\/1: "-rf" does not match pattern/],
  ['visible_filenames stay inside (no ..)', { visible_filenames: ['cyber-dojo.sh', '../etc/passwd'] }, /^\/visible_filenames\/1: "..\/etc\/passwd" does not match pattern/],
  ['visible_filenames stay inside (not absolute)', { visible_filenames: ['cyber-dojo.sh', '/etc/passwd'] }, /^\/visible_filenames\/1: "\/etc\/passwd" does not match pattern/],
  ['filename_extension is required', without('filename_extension'), /^\(root\): required property "filename_extension" is missing$/],
  ['filename_extension is a string or an array', { filename_extension: 7 }, /^\/filename_extension: must be string,array$/],
  ['filename_extension array is not empty', { filename_extension: [] }, /^\/filename_extension: must NOT have fewer than 1 items$/],
  ['filename_extension starts with a dot (string)', { filename_extension: 'c' }, /^\/filename_extension: "c" does not match pattern "\^\\\."/],
  ['filename_extension starts with a dot (array)', { filename_extension: ['.c', 'h'] }, /^\/filename_extension\/1: "h" does not match pattern/],
  ['filename_extension is more than a dot', { filename_extension: ['.'] }, /^\/filename_extension\/0: must NOT have fewer than 2 characters$/],
  ['filename_extension has no duplicates', { filename_extension: ['.c', '.c'] }, /^\/filename_extension: must not have duplicate items/],
  ['hidden_filenames is an array', { hidden_filenames: 'x' }, /^\/hidden_filenames: must be array$/],
  ['hidden_filenames are regular expressions', { hidden_filenames: ['coverage/(unclosed'] }, /^\/hidden_filenames\/0: "coverage\/\(unclosed" is not a valid regex$/],
  ['hidden_filenames are not empty strings', { hidden_filenames: [''] }, /^\/hidden_filenames\/0: must NOT have fewer than 1 characters$/],
  ['hidden_filenames has no duplicates', { hidden_filenames: ['a', 'a'] }, /^\/hidden_filenames: must not have duplicate items/],
  ['highlight_filenames are visible files', { highlight_filenames: ['hiker.c', 'nope.c'] }, /^\/highlight_filenames: must only list items of visible_filenames; not in visible_filenames: "nope.c"$/],
  ['highlight_filenames is not empty', { highlight_filenames: [] }, /^\/highlight_filenames: must NOT have fewer than 1 items$/],
  ['highlight_filenames has no duplicates', { highlight_filenames: ['hiker.c', 'hiker.c'] }, /^\/highlight_filenames: must not have duplicate items/],
  ['progress_regexs has exactly 2 items (1)', { progress_regexs: ['red'] }, /^\/progress_regexs: must NOT have fewer than 2 items$/],
  ['progress_regexs has exactly 2 items (3)', { progress_regexs: ['a', 'b', 'c'] }, /^\/progress_regexs: must NOT have more than 2 items$/],
  ['progress_regexs are strings', { progress_regexs: ['a', 2] }, /^\/progress_regexs\/1: must be string$/],
  ['progress_regexs are regular expressions', { progress_regexs: ['a', '[z-a]'] }, /^\/progress_regexs\/1: "\[z-a\]" is not a valid regex$/],
  ['tab_size is an integer', { tab_size: 4.5 }, /^\/tab_size: must be integer$/],
  ['tab_size is a number, not a string', { tab_size: '4' }, /^\/tab_size: must be integer$/],
  ['tab_size is at least 1', { tab_size: 0 }, /^\/tab_size: must be >= 1$/],
  ['tab_size is at most 8', { tab_size: 9 }, /^\/tab_size: must be <= 8$/],
  ['max_seconds is an integer', { max_seconds: 'ten' }, /^\/max_seconds: must be integer$/],
  ['max_seconds is at least 1', { max_seconds: 0 }, /^\/max_seconds: must be >= 1$/],
  ['max_seconds is at most 20', { max_seconds: 21 }, /^\/max_seconds: must be <= 20$/],
  ['rag_lambda is a non-empty string', { rag_lambda: '' }, /^\/rag_lambda: must NOT have fewer than 1 characters$/],
  ['language is [name, version]', { language: ['C'] }, /^\/language: must NOT have fewer than 2 items$/],
  ['language name is not empty', { language: ['', '12'] }, /^\/language\/0: must NOT have fewer than 1 characters$/],
  ['test_framework has 2 strings', { test_framework: ['assert', 1] }, /^\/test_framework\/1: must be string$/],
  ['unknown keys are rejected', { colour: 'red' }, /^\(root\): unknown property "colour" \(not allowed\)$/],
];

describe('start point manifest schema: one invalid variant per rule', () => {
  it('the base variant is valid', () => expect(validate(GOOD)).toEqual([]));
  it.each(INVALID)('%s', (_rule, change, message) => {
    const doc: Record<string, unknown> = { ...GOOD, ...change };
    for (const [k, v] of Object.entries(change)) if (v === undefined) delete doc[k];
    const errors = validate(doc);
    expect(errors.length, errors.join('\n')).toBeGreaterThan(0);
    expect(errors.some((e) => message.test(e)), `${errors.join('\n')}\n  should include ${message}`).toBe(true);
  });
});
