/**
 * Load on a device process: `--clients` clients on their own TCP links, `--requests` each, at several budgets;
 * the fake agent's inference takes `--infer-us` off the event loop. Prints one row per budget: answered in budget,
 * answered late (flagged met = false), shed (E_BUSY), lost, unflagged late (must be 0), max queueing, seconds.
 *   node --import tsx bench/agent-load.ts [--clients 8] [--requests 500] [--infer-us 1000] [--budgets 200000,20000,5000,3000] [--json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startFakeDevice } from '../firmware-bridge/test-support/device-process.ts';
import { runLoad } from '../firmware-bridge/test-support/load-run.ts';
import { printTable, type Row } from '../src/text-table.ts';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '8' }, requests: { type: 'string', default: '500' }, 'infer-us': { type: 'string', default: '1000' }, budgets: { type: 'string', default: '200000,20000,5000,3000' }, json: { type: 'boolean', default: false } } });
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-bench-load-'));
const device = await startFakeDevice(['--dir', path.join(work, 'device'), '--listen', '127.0.0.1:0', '--infer-sleep-us', values['infer-us']]);
try {
  const rows: Row[] = [];
  for (const budgetUs of values.budgets.split(',').map(Number)) {
    const r = await runLoad({ port: device.port ?? 0, clients: Number(values.clients), requests: Number(values.requests), budgetUs });
    rows.push({ 'budget µs': budgetUs, sent: r.sent, 'in budget': r.met, 'late, flagged': r.flaggedLate, shed: r.shed, lost: r.lost, 'late, unflagged': r.unflaggedLate, 'max queued µs': r.maxQueuedUs, seconds: r.seconds, ok: r.lost === 0 && r.unflaggedLate === 0 && r.otherErrors === 0 ? '✓' : '✗' });
  }
  printTable(rows, { json: values.json });
  console.log(`${values.clients} clients x ${values.requests} requests, inference ${values['infer-us']} µs; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  await device.stop();
  fs.rmSync(work, { recursive: true, force: true });
}
