/**
 * Latency tables on disk: read with the validator (`parseLatencyTable`), written atomically after every
 * measured entry (an interrupted run keeps what it measured), and checked against the config, runtime and
 * threads a run asks for before it is resumed or used.
 */
import fs from 'node:fs';
import { parseLatencyTable, type LatencyTable } from '../bundle-format/latency-table.ts';
import { RanasError } from '../errors.ts';
import { writeJsonAtomic } from '../run-folder.ts';

/** Reads and validates a latency table file (E_LATENCY_TABLE naming the file). */
export function readLatencyTable(file: string): LatencyTable {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new RanasError('E_LATENCY_TABLE', `cannot read latency table ${file}: ${e instanceof Error ? e.message : String(e)}`, { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new RanasError('E_LATENCY_TABLE', `${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`, { file });
  }
  return parseLatencyTable(json, file);
}

/** Writes a table atomically (a reader never sees half a file). */
export function writeLatencyTable(file: string, table: LatencyTable): void {
  writeJsonAtomic(file, table);
}

/** What a table must match to be resumed or used. */
export interface TableExpectation {
  configHash: string;
  configName: string;
  runtime?: LatencyTable['runtime'];
  threads?: number;
}

/** Refuses a table measured for another config, runtime or thread count (E_LATENCY_CONFIG). */
export function checkTableMatches(table: LatencyTable, want: TableExpectation, file: string): void {
  const mismatch = (what: string, found: string | number, expected: string | number) =>
    new RanasError('E_LATENCY_CONFIG', `${file} was measured for ${what} ${found}; expected ${expected} (measure a new table, or use the one for ${found})`, { file, field: what });
  if (table.config.hash !== want.configHash) throw mismatch('config', `${table.config.name} (hash ${table.config.hash})`, `${want.configName} (hash ${want.configHash})`);
  if (want.runtime !== undefined && table.runtime !== want.runtime) throw mismatch('runtime', table.runtime, want.runtime);
  if (want.threads !== undefined && table.threads !== want.threads) throw mismatch('threads', table.threads, want.threads);
}
