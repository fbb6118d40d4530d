/** `ranas device bench`: remote round trips against the agent's own time, or `--local` the agent's own bench. */
import type { InputDType } from '../../../bundle-format/dtype.ts';
import type { InferPolicy } from '../../../bundle-format/policy.ts';
import { printTable } from '../../../text-table.ts';
import { withClient, type DeviceCliOptions } from './link.ts';

export interface BenchCliOptions extends DeviceCliOptions {
  readonly requests: number;
  readonly shape: number[];
  readonly dtype: InputDType;
  readonly budgetUs: number;
}

export interface LocalBenchCliOptions {
  readonly bundle: string;
  readonly requests: number;
  readonly budgetsUs?: number[];
  readonly policy: InferPolicy;
  readonly json: boolean;
}

/** `--local`: the agent's own bench on this machine (loaded lazily: it pulls in the runtimes). */
export async function runLocalBench(o: LocalBenchCliOptions): Promise<void> {
  const { benchLocal } = await import('../../../../bench/bench-local.ts');
  const { benchLocalTables } = await import('../../../../bench/bench-local-table.ts');
  const quiet = o.json || process.env.RANAS_QUIET === '1';
  const report = await benchLocal(o.bundle, { requests: o.requests, budgetsUs: o.budgetsUs, policy: o.policy, log: quiet ? undefined : (l) => process.stderr.write(l + '\n') });
  const t = benchLocalTables(report);
  if (o.json) { process.stdout.write(JSON.stringify(t, null, 2) + '\n'); return; }
  printTable(t.exits, { title: 'per-exit latency' });
  printTable(t.budgets, { title: '\nper budget' });
  printTable(t.overhead, { title: '\nagent overhead' });
}

export async function runBench(o: BenchCliOptions): Promise<void> {
  const r = await withClient(o, (c) => c.bench({ requests: o.requests, shape: o.shape, dtype: o.dtype, budgetUs: o.budgetUs }));
  printTable([{
    requests: r.requests,
    'round trip p50 µs': r.roundTripP50Us, 'round trip p99 µs': r.roundTripP99Us,
    'agent p50 µs': r.agentP50Us, 'bridge overhead p50 µs': r.overheadP50Us, 'bridge overhead p99 µs': r.overheadP99Us,
  }], { json: o.json });
}
