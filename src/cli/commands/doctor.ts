/**
 * `ranas doctor [--json] [--seconds S] [--no-bench]` — versions, the compute backend and why it runs,
 * threads, the data cache, and a short engine benchmark (reference net forward and training img/s).
 */
import type { Command } from 'commander';
import { availableParallelism, loadavg } from 'node:os';
import type { EngineInfo } from '../../engine/backend.ts';
import type { DatasetCacheState } from '../../data/cache-state.ts';
import { RanasError } from '../../errors.ts';
import { formatTable, type Row } from '../../text-table.ts';
import type { CheckResult } from '../doctor-checks.ts';

/** Options of `ranas doctor`. */
interface DoctorOptions {
  readonly json: boolean;
  /** Total benchmark budget in seconds (split between forward and training; worker start-up excluded). */
  readonly seconds: number;
  readonly bench: boolean;
}

/** What doctor reports (the `--json` object). */
export interface DoctorReport {
  versions: { ranas: string; node: string; tfjsCore: string; backend: string };
  engine: EngineInfo & { cores: number; replicas: number };
  dataCache: { dir: string; datasets: DatasetCacheState[] };
  /** Optional pieces: ✓/✗ with the fix. */
  checks: CheckResult[];
  benchmark: {
    batch: number;
    replicas: number;
    seconds: number;
    forwardImgPerSec: number;
    trainingImgPerSec: number;
    /** Per CPU-second of the process (all threads): what the engine costs, whatever else runs. */
    forwardImgPerCpuSec: number;
    trainingImgPerCpuSec: number;
    /** 1-minute load average when measured (wall-clock figures drop when it exceeds the cores). */
    loadAverage: number;
  } | null;
}

const BATCH = 64;

function parseSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new RanasError('E_CLI_ARG', `--seconds is "${v}"; expected a positive number`);
  return n;
}

async function runDoctor(o: DoctorOptions): Promise<void> {
  // Loaded here, not at import: registering the command (every `ranas` start) must not load the engine.
  const { tf } = await import('../../engine/tf.ts');
  const { initEngine } = await import('../../engine/backend.ts');
  const { syntheticBatch } = await import('../../engine/synthetic-batch.ts');
  const { forwardImagesPerSec, trainingImagesPerSec } = await import('../../train/throughput.ts');
  const { cacheState } = await import('../../data/cache-state.ts');
  const { dataCacheDir } = await import('../../data/cache-dir.ts');
  const { packageVersion } = await import('../../run-folder.ts');
  const { formatChecklist, runChecks } = await import('../doctor-checks.ts');
  const engine = await initEngine();
  const replicas = engine.backend === 'tensorflow' ? 1 : Math.min(2, availableParallelism());
  const datasets = await cacheState();
  let benchmark: DoctorReport['benchmark'] = null;
  if (o.bench) {
    const batch = syntheticBatch(BATCH);
    const forward = await forwardImagesPerSec(batch, o.seconds * 300);
    const training = await trainingImagesPerSec(batch, replicas, o.seconds * 700);
    benchmark = {
      batch: BATCH, replicas, seconds: o.seconds,
      forwardImgPerSec: Math.round(forward.imgPerSec), trainingImgPerSec: Math.round(training.imgPerSec),
      forwardImgPerCpuSec: Math.round(forward.imgPerCpuSec), trainingImgPerCpuSec: Math.round(training.imgPerCpuSec),
      loadAverage: Math.round(loadavg()[0] * 10) / 10,
    };
  }
  const report: DoctorReport = {
    versions: { ranas: packageVersion(), node: process.version, tfjsCore: tf.version_core, backend: `${engine.backend} ${engine.version}` },
    engine: { ...engine, cores: availableParallelism(), replicas },
    dataCache: { dir: dataCacheDir(), datasets },
    checks: runChecks({ engine, datasets }),
    benchmark,
  };
  if (o.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  const about: Row[] = [
    { item: 'ranas', value: report.versions.ranas },
    { item: 'node', value: report.versions.node },
    { item: 'tfjs-core', value: report.versions.tfjsCore },
    { item: 'backend', value: report.versions.backend },
    { item: 'why', value: engine.reason },
    { item: 'threads', value: `${engine.threads} per replica; ${replicas} data-parallel replicas on ${report.engine.cores} cores` },
    { item: 'engine kernels', value: engine.kernels.join(', ') || '(stock)' },
    { item: 'data cache', value: report.dataCache.dir },
  ];
  const cache: Row[] = report.dataCache.datasets.map((d) => ({ dataset: d.dataset, files: `${d.filesPresent}/${d.filesExpected}`, sizeMB: Math.round(d.sizeBytes / 104857.6) / 10, verified: d.verified, folder: d.folder }));
  const out = [formatChecklist(report.checks), '', formatTable(about), '', formatTable(cache)];
  if (benchmark) {
    out.push('', `engine benchmark (reference net, batch ${BATCH}, ~${o.seconds} s):`, formatTable([{ backend: engine.backend, ...benchmark }]));
  }
  process.stdout.write(out.join('\n') + '\n');
}

/** Registers `ranas doctor`. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('checklist of optional pieces (✓/✗ with the fix), versions, compute backend and why, threads, data cache state, and a short engine benchmark')
    .option('--json', 'print the report as JSON', false)
    .option('--seconds <s>', 'benchmark time budget in seconds', '5')
    .option('--no-bench', 'skip the engine benchmark')
    .action(async (raw: { json: boolean; seconds: string; bench: boolean }) => {
      await runDoctor({ json: raw.json, seconds: parseSeconds(raw.seconds), bench: raw.bench });
    });
}
