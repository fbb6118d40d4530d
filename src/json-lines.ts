/**
 * The one JSON-lines writer: run logs (`log.jsonl`, `alphas.jsonl`) and the agent's and bridge's log lines on
 * stderr are the same format — one JSON object a line, stamped with the wall-clock time first.
 */
import { appendFileSync } from 'node:fs';

/** One line: `{"time": ISO, ...entry}` and a newline (no time stamp with `stamp: false`). */
export function jsonLine(entry: Record<string, unknown>, stamp = true): string {
  return JSON.stringify(stamp ? { time: new Date().toISOString(), ...entry } : entry) + '\n';
}

/** Appends one line to the file `path`. */
export function appendJsonLine(path: string, entry: Record<string, unknown>, stamp = true): void {
  appendFileSync(path, jsonLine(entry, stamp));
}

/** Writes one line to a stream (process.stderr for logs). */
export function writeJsonLine(stream: NodeJS.WritableStream, entry: Record<string, unknown>): void {
  stream.write(jsonLine(entry));
}
