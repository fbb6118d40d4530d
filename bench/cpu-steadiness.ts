/**
 * How steady this machine's CPUs are: a fixed compute kernel (a 4,096-element multiply-add loop, ~40 ms,
 * no memory traffic beyond L1) timed in child processes pinned with `taskset` to each CPU in turn, then
 * unpinned, for `--rounds` rounds. Prints one row per round (ms per CPU) and the spread per CPU, with the load
 * average. Why: on this 2-vCPU VM one vCPU ran the kernel up to 1.8x slower than the other for tens of
 * seconds with nothing else running, which is why bench/latency-predictor.ts runs pinned (issue 18).
 *
 *   node --import tsx bench/cpu-steadiness.ts [--rounds 12] [--pause-ms 2000]
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { RanasError } from '../src/errors.ts';
import { printTable, type Row } from '../src/text-table.ts';

/** The kernel, run by `node -e`: prints its own wall time in ms (process start-up excluded). */
const KERNEL = `const a=new Float32Array(4096),b=new Float32Array(4096);for(let i=0;i<4096;i++){a[i]=i*1e-3;b[i]=1-i*1e-4}
const t=process.hrtime.bigint();let s=0;for(let r=0;r<20000;r++){let acc=0;for(let i=0;i<4096;i++)acc+=a[i]*b[i];s+=acc;a[r&4095]+=1e-6}
process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6)+(s===42?'!':''))`;

/** One timing of the kernel on `cpu` (null: unpinned). */
export function kernelMs(cpu: number | null): number {
  const node = process.execPath;
  const out = cpu === null ? execFileSync(node, ['-e', KERNEL], { encoding: 'utf8' }) : execFileSync('taskset', ['-c', String(cpu), node, '-e', KERNEL], { encoding: 'utf8' });
  const ms = Number.parseFloat(out);
  if (!Number.isFinite(ms)) throw new RanasError('E_INTERNAL', `the kernel printed ${JSON.stringify(out)}; expected a time in ms`);
  return ms;
}

/** Rounds of the kernel on every CPU in turn and unpinned; one row per round. */
export async function cpuSteadiness(rounds: number, pauseMs: number): Promise<Row[]> {
  const cpus = Array.from({ length: os.availableParallelism() }, (_, i) => i);
  const rows: Row[] = [];
  for (let r = 1; r <= rounds; r++) {
    const row: Row = { round: r };
    for (const cpu of cpus) row[`cpu ${cpu} ms`] = Math.round(kernelMs(cpu) * 10) / 10;
    row['unpinned ms'] = Math.round(kernelMs(null) * 10) / 10;
    row['load 1 min'] = Math.round(os.loadavg()[0] * 100) / 100;
    rows.push(row);
    if (r < rounds) await new Promise((res) => setTimeout(res, pauseMs));
  }
  return rows;
}

/** Per column: min, median, max and max / min. */
export function spread(rows: readonly Row[]): Row[] {
  const cols = Object.keys(rows[0] ?? {}).filter((k) => k.endsWith(' ms'));
  return cols.map((c) => {
    const xs = rows.map((r) => Number(r[c])).sort((a, b) => a - b);
    return { column: c, min: xs[0], median: xs[Math.floor((xs.length - 1) / 2)], max: xs[xs.length - 1], 'max / min': Math.round((xs[xs.length - 1] / xs[0]) * 100) / 100 };
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (flag: string, fallback: number) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : fallback);
  const rows = await cpuSteadiness(arg('--rounds', 12), arg('--pause-ms', 2000));
  printTable(rows, { title: `fixed kernel (~40 ms of L1-resident multiply-adds) pinned to each CPU in turn; ${os.availableParallelism()} CPUs, ${os.cpus()[0]?.model ?? ''}` });
  printTable(spread(rows), { title: '\nspread per column' });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
