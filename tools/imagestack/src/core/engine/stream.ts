/**
 * Reading the Docker Engine API's JSON-lines progress streams (build, push, pull):
 * `{"stream": "…"}`, `{"status": "…", "id": "…"}`, `{"aux": {…}}` and
 * `{"error": "…", "errorDetail": {…}}` (Engine API v1.41, "Build an image" / "Push an image").
 */
import type { Readable } from 'node:stream';

/** One message of a progress stream. */
export interface ProgressMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  aux?: Record<string, unknown>;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Reads a JSON-lines stream to its end, calling `onMessage` for each message.
 * Resolves with the `aux` objects seen; rejects with an Error carrying the engine's error
 * message when the stream contains an `error` message or breaks.
 */
export function readProgress(
  stream: Readable,
  onMessage: (m: ProgressMessage) => void,
): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const aux: Array<Record<string, unknown>> = [];
    let buffer = '';
    let failure: string | undefined;
    const handle = (line: string) => {
      if (!line.trim()) return;
      let m: ProgressMessage;
      try {
        m = JSON.parse(line) as ProgressMessage;
      } catch {
        m = { stream: `${line}\n` };
      }
      if (m.aux) aux.push(m.aux);
      if (m.error) failure = m.errorDetail?.message ?? m.error;
      onMessage(m);
    };
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        handle(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
      }
    });
    stream.on('error', reject);
    stream.on('end', () => {
      handle(buffer);
      if (failure !== undefined) reject(new Error(failure));
      else resolve(aux);
    });
    stream.on('close', () => {
      if (!stream.readableEnded) reject(new Error('the engine closed the stream early'));
    });
  });
}
