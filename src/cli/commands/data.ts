/**
 * `ranas data fetch cifar10|cifar100 [--dir D] [--json]` — download (or only verify) a dataset in the cache.
 * `ranas data status [--dir D] [--deep] [--json]` — what is cached and verified.
 */
import type { Command } from 'commander';
import { RanasError } from '../../errors.ts';
import { printTable, type Row } from '../../text-table.ts';

type DatasetName = 'cifar10' | 'cifar100';
/** Which loader fetches each dataset (the data modules load when a sub-command runs, not at start-up). */
const ENSURER: Record<DatasetName, 'ensureCifar10' | 'ensureCifar100'> = { cifar10: 'ensureCifar10', cifar100: 'ensureCifar100' };

/** Options of `ranas data fetch`. */
interface FetchOptions {
  readonly dataset: DatasetName;
  readonly dir?: string;
  readonly json: boolean;
}

/** Options of `ranas data status`. */
interface StatusOptions {
  readonly dir?: string;
  readonly deep: boolean;
  readonly json: boolean;
}

function parseDataset(v: string): DatasetName {
  if (v === 'cifar10' || v === 'cifar100') return v;
  throw new RanasError('E_CLI_ARG', `unknown dataset "${v}"; expected cifar10 or cifar100`);
}

async function runFetch(o: FetchOptions): Promise<void> {
  const ensure = await import('../../data/ensure-cifar.ts');
  const r = await ensure[ENSURER[o.dataset]]({ dir: o.dir });
  const rows: Row[] = r.files.map((f) => ({ file: f.file, sizeBytes: f.sizeBytes, md5: f.md5, md5Ok: f.ok }));
  printTable(rows, { json: o.json, title: `${r.dataset}: ${r.action} in ${r.folder} (${r.seconds.toFixed(1)} s) — source: ${r.source}` });
}

async function runStatus(o: StatusOptions): Promise<void> {
  const { cacheState } = await import('../../data/cache-state.ts');
  const states = await cacheState({ dir: o.dir, deep: o.deep });
  const rows: Row[] = states.map((s) => ({
    dataset: s.dataset, files: `${s.filesPresent}/${s.filesExpected}`, sizeMB: Math.round((s.sizeBytes / 1048576) * 10) / 10,
    verified: s.verified, folder: s.folder, source: s.source,
  }));
  printTable(rows, { json: o.json });
}

/** Registers `ranas data`. */
export function registerData(program: Command): void {
  const data = program.command('data').description('dataset cache: fetch and verify CIFAR-10/100');
  data
    .command('fetch')
    .description('download a dataset into the cache (default ~/.cache/ranas or $RANAS_DATA) and verify its md5 sums; a second run only verifies')
    .argument('<dataset>', 'cifar10 | cifar100')
    .option('--dir <dir>', 'cache directory')
    .option('--json', 'print the per-file table as JSON', false)
    .action(async (dataset: string, raw: { dir?: string; json?: boolean }) => {
      await runFetch({ dataset: parseDataset(dataset), dir: raw.dir, json: raw.json === true });
    });
  data
    .command('status')
    .description('which datasets are cached and verified')
    .option('--dir <dir>', 'cache directory')
    .option('--deep', 're-hash every file instead of trusting the verification stamp', false)
    .option('--json', 'print the table as JSON', false)
    .action(async (raw: { dir?: string; deep?: boolean; json?: boolean }) => {
      await runStatus({ dir: raw.dir, deep: raw.deep === true, json: raw.json === true });
    });
}
