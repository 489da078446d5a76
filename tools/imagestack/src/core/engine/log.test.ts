/** The step log's bound on disk (issue 11: a test printing 1 GB left a 1.08 GB log). Real files in a temporary folder. */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOG_MAX_BYTES, StepLog } from './log';

const tmp = () => path.join(mkdtempSync(path.join(tmpdir(), 'imagestack-log-')), 'x.log');

describe('StepLog keeps the last maxBytes of output on disk', () => {
  it('a log under the bound is written whole, with no note', async () => {
    const file = tmp();
    const log = new StepLog(file, 1000);
    log.line('hello');
    await log.close();
    expect(readFileSync(file, 'utf8')).toBe('hello\n');
    expect(log.cutBytes).toBe(0);
  });

  it('a log over the bound keeps its last bytes after a note saying how much was cut', async () => {
    const file = tmp();
    const log = new StepLog(file, 1000);
    for (let i = 0; i < 1000; i++) log.line(`line ${String(i).padStart(4, '0')}`); // 10,000 bytes
    await log.close();
    const text = readFileSync(file, 'utf8');
    const [note, ...rest] = text.split('\n');
    expect(note).toBe('[imagestack: output cut: the first 9000 bytes were dropped; the last 1000 bytes are kept (at most 1000, IMAGESTACK_LOG_MAX_BYTES)]');
    expect(rest.join('\n').length).toBe(1000);
    expect(text.endsWith('line 0999\n')).toBe(true);
    expect(text).toContain('\nline 0900\n');
    expect(log.cutBytes).toBe(9000);
    expect(existsSync(`${file}.cut`)).toBe(false);
    expect(log.tail().at(-1)).toBe('line 0999');
  });

  it('never holds more than twice the bound on disk while writing', async () => {
    const file = tmp();
    const log = new StepLog(file, 4096);
    for (let i = 0; i < 200; i++) {
      log.write('y'.repeat(1000));
      const size = statSync(file).size + (existsSync(`${file}.cut`) ? statSync(`${file}.cut`).size : 0);
      expect(size).toBeLessThan(2 * 4096 + 1000);
    }
    await log.close();
    expect(statSync(file).size).toBeLessThan(4096 + 200);
  });

  it('the default bound is 16 MiB', () => {
    expect(LOG_MAX_BYTES).toBe(16 * 1024 * 1024);
  });
});
