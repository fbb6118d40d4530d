/**
 * Flash of a bundle over the faulty pty link (firmware-bridge/test-support/faulty-link-relay.ts: a process
 * between two real pseudo-terminals, throttled to 921,600 baud 8N1), default flash options, against a fake
 * device process. Conditions: clean, BER 1e-5, BER 1e-4, byte drops 1e-4, three 1.5 s outages; `--tries` flashes
 * each (seeds 1..tries). Prints one row per condition: median / max seconds, ratio of the median to the clean
 * median, the target, completed tries.
 *   node --import tsx bench/flash-lossy.ts [--kib 400] [--tries 10] [--only name,name] [--json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadBundleTar } from '../firmware-bridge/client/bundle-tar.ts';
import { makeFakeBundle } from '../firmware-bridge/test-support/make-bundle.ts';
import { makeFlashKeys } from '../firmware-bridge/test-support/flash-keys.ts';
import { flashOverFaultyLink } from '../firmware-bridge/test-support/lossy-flash-run.ts';
import type { FaultyLinkPlan } from '../firmware-bridge/test-support/faulty-pty-link.ts';
import { printTable, type Row } from '../src/text-table.ts';

const { values } = parseArgs({ options: { kib: { type: 'string', default: '400' }, tries: { type: 'string', default: '10' }, only: { type: 'string' }, json: { type: 'boolean', default: false } } });
const bundleBytes = Number(values.kib) * 1024;
const tries = Number(values.tries);
const OUTAGE_MS = 1500;

/** Each condition: its link plan and the target on the median (a function of the clean median, seconds). */
const CONDITIONS: { name: string; plan: (seed: number) => FaultyLinkPlan; target: (clean: number) => number; targetText: string }[] = [
  { name: 'clean', plan: (seed) => ({ seed }), target: (c) => c, targetText: '-' },
  { name: 'BER 1e-5', plan: (seed) => ({ seed, bitErrorRate: 1e-5 }), target: (c) => 1.5 * c, targetText: '≤ 1.5x clean' },
  { name: 'BER 1e-4', plan: (seed) => ({ seed, bitErrorRate: 1e-4 }), target: (c) => 3 * c, targetText: '≤ 3x clean' },
  { name: 'drops 1e-4', plan: (seed) => ({ seed, dropByteRate: 1e-4 }), target: (c) => 3 * c, targetText: '≤ 3x clean' },
  {
    name: '3 outages of 1.5 s',
    plan: (seed) => ({ seed, outageAtBytes: [0.25, 0.5, 0.75].map((f) => Math.round(f * bundleBytes)), outageMs: OUTAGE_MS }),
    target: (c) => c + 3 * OUTAGE_MS / 1000 + 10, targetText: '≤ clean + 4.5 s + 10 s',
  },
];

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-bench-lossy-'));
try {
  const keys = makeFlashKeys(path.join(work, 'keys'));
  const bundle = await loadBundleTar(makeFakeBundle(path.join(work, 'bundle'), { segments: 4, segmentBytes: Math.ceil(bundleBytes / 4) - 400, seed: 7 }));
  const only = values.only?.split(',');
  const rows: Row[] = [];
  let cleanMedian = NaN;
  for (const c of CONDITIONS) {
    if (only && c.name !== 'clean' && !only.includes(c.name)) continue;
    const seconds: number[] = [];
    let failures = 0;
    let chunkSends = 0;
    let reconnects = 0;
    for (let seed = 1; seed <= tries; seed++) {
      try {
        const r = await flashOverFaultyLink({ workDir: work, bundle, keys, plan: c.plan(seed) });
        if (!r) { console.error('bench/flash-lossy: socat is not installed (apt-get install -y socat)'); process.exit(1); }
        if (!r.verified) throw new Error('installed bundle does not match');
        seconds.push(r.seconds);
        chunkSends += r.report.chunksSent;
        reconnects += r.report.reconnects;
        process.stderr.write(`${c.name} try ${seed}: ${r.seconds.toFixed(2)} s, ${r.report.chunksSent} chunk sends, ${r.report.reconnects} reconnects, final chunk ${r.report.finalChunkBytes} B, faults ${JSON.stringify(r.faults)}\n`);
      } catch (e) {
        failures++;
        process.stderr.write(`${c.name} try ${seed}: FAILED ${e instanceof Error ? e.message : String(e)}\n`);
      }
    }
    const sorted = [...seconds].sort((a, b) => a - b);
    const median = sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
    if (c.name === 'clean') cleanMedian = median;
    const target = c.target(cleanMedian);
    rows.push({
      condition: c.name, 'median s': median, 'max s': sorted.at(-1) ?? NaN, 'x clean': median / cleanMedian,
      target: c.targetText, 'completed': `${seconds.length}/${tries}`,
      'chunk sends/try': chunkSends / Math.max(1, seconds.length), 'reconnects/try': reconnects / Math.max(1, seconds.length),
      ok: failures === 0 && (c.name === 'clean' || median <= target) ? '✓' : '✗',
    });
  }
  printTable(rows, { json: values.json });
  console.log(`bundle ${bundle.bytes.length} bytes at 921600 baud 8N1 (${(bundle.bytes.length / 92160).toFixed(2)} s of line time); load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
