/**
 * Decoding BuildKit's plain progress (`docker build --progress=plain`), as the Docker CLI
 * prints it: one vertex per build step, numbered, its lines prefixed `#<n> `:
 *
 * ```text
 * #5 [stage-0 2/4] RUN apt-get update
 * #5 0.512 Get:1 http://deb.debian.org/debian bookworm InRelease
 * #5 DONE 3.2s
 * #6 [stage-0 3/4] COPY app /app
 * #6 CACHED
 * ```
 *
 * Every line goes to the log (so the failure tail shows BuildKit's own step names); the first
 * line naming a step (`#5 [stage-0 2/4] RUN apt-get update`) is reported as the step in
 * progress. Vertex digests (`#5 sha256:…`, printed by CLIs of 20.10) are left out of the log.
 */

/** A step line: `#<n> [<stage> <i>/<n>] <instruction>` or `#<n> [internal] …`. */
const STEP = /^#(\d+) \[([^\]]+)\] (.*)$/;
const DIGEST = /^#\d+ sha256:[0-9a-f]{64}$/;

/** Splits the CLI's output into lines, logs them, and reports each new step once. */
export class PlainProgress {
  #partial = '';
  readonly #seen = new Set<string>();

  /**
   * @param line called with every line (without its newline)
   * @param step called with the first line of each step that is not `[internal]`
   */
  constructor(
    private readonly line: (text: string) => void,
    private readonly step: (text: string) => void,
  ) {}

  /** Feeds output (any chunk: part of a line, or many). */
  write(chunk: string): void {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const l of lines) this.#one(l.replace(/\r$/, ''));
  }

  /** Flushes a last line without a newline. */
  end(): void {
    if (this.#partial) this.#one(this.#partial);
    this.#partial = '';
  }

  #one(text: string): void {
    if (DIGEST.test(text)) return;
    this.line(text);
    const m = STEP.exec(text);
    if (!m || /^(internal|auth)\b/.test(m[2]) || this.#seen.has(m[1])) return;
    this.#seen.add(m[1]);
    this.step(text);
  }
}
