/**
 * A step's log: every line goes to a file; the last lines stay in memory so a failure can
 * print them without reading the file back.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import * as path from 'node:path';
import { redact } from '../registry';

/** Lines of log kept in memory for failure messages. */
export const TAIL_LINES = 30;

/** An append-only log file with an in-memory tail. */
export class StepLog {
  readonly file: string;
  readonly #out: WriteStream;
  readonly #tail: string[] = [];
  #partial = '';

  /** Opens (appends to) `file`, creating its folder. */
  constructor(file: string) {
    this.file = file;
    mkdirSync(path.dirname(file), { recursive: true });
    this.#out = createWriteStream(file, { flags: 'a' });
  }

  /** Appends text (may hold several lines, or part of one). Credentials are redacted. */
  write(text: string): void {
    const clean = redact(text);
    this.#out.write(clean);
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

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve) => this.#out.end(resolve));
  }

  #push(line: string): void {
    this.#tail.push(line.replace(/\r/g, ''));
    if (this.#tail.length > TAIL_LINES * 4) this.#tail.splice(0, this.#tail.length - TAIL_LINES);
  }
}
