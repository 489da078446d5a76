/**
 * A step's log: every line goes to a file; the last lines stay in memory so a failure can
 * print them without reading the file back. The file keeps at most the last
 * {@link LOG_MAX_BYTES} bytes of output (a test printing 1 GB leaves 16 MiB, not 1 GB): the
 * output is written in segments of that size, the older one kept as `<file>.cut`, and on
 * close the file becomes a line saying how much was cut, then the last bytes.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { redact } from '../registry';

/** Lines of log kept in memory for failure messages. */
export const TAIL_LINES = 30;

/** Bytes of a log kept on disk, the last ones: 16 MiB (env `IMAGESTACK_LOG_MAX_BYTES` overrides it). */
export const LOG_MAX_BYTES = 16 * 1024 * 1024;

/** The bound in effect: `IMAGESTACK_LOG_MAX_BYTES` when it is a positive integer, else {@link LOG_MAX_BYTES}. */
export function logMaxBytes(): number {
  const n = Number(process.env.IMAGESTACK_LOG_MAX_BYTES);
  return Number.isSafeInteger(n) && n > 0 ? n : LOG_MAX_BYTES;
}

/** An append-only log file with an in-memory tail, bounded on disk (see the module comment). */
export class StepLog {
  readonly file: string;
  /** Bytes kept at most (the last ones). */
  readonly maxBytes: number;
  #fd: number | undefined;
  /** Bytes in the current segment. */
  #size: number;
  /** Bytes written in all, this session. */
  #written = 0;
  #rotated = false;
  #cut = 0;
  readonly #tail: string[] = [];
  #partial = '';

  /**
   * Opens (appends to) `file`, creating its folder.
   * @param maxBytes bytes kept at most (default {@link logMaxBytes})
   */
  constructor(file: string, maxBytes = logMaxBytes()) {
    this.file = file;
    this.maxBytes = maxBytes;
    mkdirSync(path.dirname(file), { recursive: true });
    this.#fd = openSync(file, 'a');
    this.#size = statSync(file).size;
  }

  /** Bytes of output dropped from the start of the file (set by {@link close}; 0 when nothing was cut). */
  get cutBytes(): number {
    return this.#cut;
  }

  /** Appends text (may hold several lines, or part of one). Credentials are redacted. */
  write(text: string): void {
    const clean = redact(text);
    if (this.#fd !== undefined) {
      const bytes = Buffer.from(clean);
      writeSync(this.#fd, bytes);
      this.#size += bytes.length;
      this.#written += bytes.length;
      if (this.#size >= this.maxBytes) this.#rotate();
    }
    const lines = (this.#partial + clean).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) this.#push(line);
  }

  /** Appends one line. */
  line(text: string): void {
    this.write(`${text}\n`);
  }

  /** The last {@link TAIL_LINES} complete lines (plus a trailing partial line, if any). */
  tail(n = TAIL_LINES): string[] {
    const all = this.#partial ? [...this.#tail, this.#partial] : this.#tail;
    return all.slice(-n);
  }

  /** Closes the file; when output was cut, rewrites it as a note of the cut and the last {@link maxBytes} bytes. */
  async close(): Promise<void> {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
    if (!this.#rotated) return;
    const older = `${this.file}.cut`;
    const current = readFileSync(this.file);
    const previous = readFileSync(older);
    const kept = previous.subarray(Math.max(0, previous.length - (this.maxBytes - current.length)));
    this.#cut = this.#written - kept.length - current.length;
    const note = `[imagestack: output cut: the first ${this.#cut} bytes were dropped; the last ${kept.length + current.length} bytes are kept (at most ${this.maxBytes}, IMAGESTACK_LOG_MAX_BYTES)]\n`;
    writeFileSync(this.file, Buffer.concat([Buffer.from(note), kept, current]));
    rmSync(older, { force: true });
  }

  /** Starts a new segment; the full one becomes `<file>.cut` (replacing the one before). */
  #rotate(): void {
    closeSync(this.#fd!);
    renameSync(this.file, `${this.file}.cut`);
    this.#fd = openSync(this.file, 'w');
    this.#size = 0;
    this.#rotated = true;
  }

  #push(line: string): void {
    this.#tail.push(line.replace(/\r/g, ''));
    if (this.#tail.length > TAIL_LINES * 4) this.#tail.splice(0, this.#tail.length - TAIL_LINES);
  }
}
