/**
 * Firmware bridge benchmark (issue 7). Prints a table:
 *  - flash throughput over a real pty pair (socat) to a separate device process, vs a plain write of the
 *    same bytes over the same pty to a separate reader process (target ≥ 80 %). Each rep starts a fresh
 *    reader and a fresh device process and times two passes on each: the acceptance compares the first
 *    passes (fresh with fresh, as every rep did before the second pass was added); the second passes
 *    (warm with warm, both faster) are printed too;
 *  - infer round-trip overhead over the pty for a 3×32×32 int8 input beyond the agent's own time
 *    (target ≤ 2 ms at the median);
 *  - flash efficiency on a link throttled to 921,600 baud 8N1 vs the line rate (target ≥ 85 %).
 * Usage: node --import tsx bench/bridge.ts [--flash-mib N] [--uart-kib N] [--requests N] [--json]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { printTable, type Row } from '../src/text-table.ts';
import { DEFAULT_FLASH_CHUNK_BYTES, DEFAULT_FLASH_WINDOW, DeviceClient } from '../firmware-bridge/client/device-client.ts';
import { loadBundleTar, type BundleTar } from '../firmware-bridge/client/bundle-tar.ts';
import { SerialTransport } from '../firmware-bridge/transport/serial-transport.ts';
import { ThrottledTransport, BITS_PER_BYTE_8N1 } from '../firmware-bridge/transport/throttled-transport.ts';
import { openPtyPair, type PtyPair } from '../firmware-bridge/test-support/pty-pair.ts';
import { startFakeDevice } from '../firmware-bridge/test-support/device-process.ts';
import { makeFakeBundle } from '../firmware-bridge/test-support/make-bundle.ts';

const { values } = parseArgs({
  options: {
    'flash-mib': { type: 'string', default: '8' },
    'uart-kib': { type: 'string', default: '512' },
    requests: { type: 'string', default: '500' },
    chunk: { type: 'string', default: String(DEFAULT_FLASH_CHUNK_BYTES) },
    window: { type: 'string', default: String(DEFAULT_FLASH_WINDOW) },
    reps: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const flashBytes = Number(values['flash-mib']) * 1024 * 1024;
const uartBytes = Number(values['uart-kib']) * 1024;
const chunkBytes = Number(values.chunk);
const window = Number(values.window);
const reps = Number(values.reps);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const BAUD = 921_600;
const KEY = Buffer.from('bench-device-key-0123456789abcdef');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-bench-bridge-'));
fs.writeFileSync(path.join(work, 'key'), KEY);
const SINK = fileURLToPath(new URL('../firmware-bridge/test-support/serial-sink.ts', import.meta.url));

/**
 * Plain writes of `bytes` over the pty to a separate reader process, twice: returns the seconds until the
 * reader had each copy (the first in a fresh reader process, the second once it is warm).
 */
async function plainWriteSeconds(pty: PtyPair, bytes: Buffer): Promise<{ first: number; second: number }> {
  const sink = spawn(process.execPath, ['--import', 'tsx', SINK, pty.devicePath, String(bytes.length), '2'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const waiters: (() => void)[] = [];
  sink.stdout.on('data', (b: Buffer) => { out += b.toString(); for (const w of [...waiters]) w(); });
  const line = (want: string) => new Promise<void>((resolve, reject) => {
    const check = () => { if (out.includes(want)) { waiters.splice(waiters.indexOf(check), 1); resolve(); } };
    waiters.push(check);
    sink.once('exit', (code) => (out.includes(want) ? resolve() : reject(new Error(`sink exited with ${code}`))));
    check();
  });
  await line('ready');
  const host = await SerialTransport.open(pty.hostPath, BAUD);
  const seconds: number[] = [];
  for (const pass of [1, 2]) {
    const t0 = performance.now();
    for (let at = 0; at < bytes.length; at += 64 * 1024) await host.write(bytes.subarray(at, at + 64 * 1024));
    await line(`got ${pass}`);
    seconds.push((performance.now() - t0) / 1000);
  }
  await line('done');
  await host.close();
  await new Promise((r) => (sink.exitCode !== null ? r(undefined) : sink.once('exit', r)));
  return { first: seconds[0], second: seconds[1] };
}

/** Flashes `bundle`; returns seconds for the transfer (begin → last ack) and in total (incl. commit). */
async function flashSeconds(client: DeviceClient, bundle: BundleTar): Promise<{ transfer: number; total: number }> {
  const t0 = performance.now();
  let tFirst = 0;
  let tLast = 0;
  await client.flash(bundle, {
    keyBytes: KEY, chunkBytes, window, force: true,
    onProgress: (p) => { if (!tFirst) tFirst = performance.now(); if (p.ackedBytes === p.totalBytes) tLast = performance.now(); },
  });
  return { transfer: (tLast - tFirst) / 1000, total: (performance.now() - t0) / 1000 };
}

const rows: Row[] = [];
const mb = (bytes: number, s: number) => bytes / s / 1e6;
/** The acceptance column: ✓ when `ratio` meets the target, ✗ otherwise. */
const verdict = (ok: boolean) => (ok ? '✓' : '✗');

const pty = await openPtyPair();
if (!pty) {
  console.error('bench/bridge: socat is not installed (apt-get install -y socat); no pty pair');
  process.exit(1);
}
try {
  // 1. Flash vs plain write over the same pty, alternated `reps` times (medians: the machine is shared).
  const bundle = await loadBundleTar(makeFakeBundle(path.join(work, 'big'), { segments: 4, segmentBytes: Math.ceil(flashBytes / 4), seed: 3 }));
  const deviceArgs = ['--dir', path.join(work, 'device'), '--serial', pty.devicePath, '--baud', String(BAUD), '--key-file', path.join(work, 'key')];
  // Each rep: a fresh reader gets the bytes twice, then a fresh device gets them flashed twice; the first pass
  // of each runs in a fresh process (JIT warm-up, first-touch memory), the second in a warm one.
  const plain = { first: [] as number[], second: [] as number[] };
  const flashes = { first: [] as number[], second: [] as number[], total: [] as number[] };
  for (let rep = 0; rep < reps; rep++) {
    const p = await plainWriteSeconds(pty, bundle.bytes);
    plain.first.push(p.first);
    plain.second.push(p.second);
    const d = await startFakeDevice(deviceArgs);
    const c = await DeviceClient.open({ connect: () => SerialTransport.open(pty.hostPath, BAUD) });
    const first = await flashSeconds(c, bundle);
    const second = await flashSeconds(c, bundle);
    flashes.first.push(first.transfer);
    flashes.second.push(second.transfer);
    flashes.total.push(second.total);
    await c.close();
    await d.stop();
  }
  const plainFirst = median(plain.first);
  const plainSecond = median(plain.second);
  const flashFirst = median(flashes.first);
  const flashSecond = median(flashes.second);
  const flashTotal = median(flashes.total);
  const device = await startFakeDevice(deviceArgs);
  try {
    const client = await DeviceClient.open({ connect: () => SerialTransport.open(pty.hostPath, BAUD) });
    const n = bundle.bytes.length;
    const setting = `chunk ≤ ${chunkBytes}, window ${window}, median of ${reps}`;
    rows.push({ measure: `pty plain write, fresh reader process (median of ${reps})`, bytes: n, 'MB/s': mb(n, plainFirst), ratio: 1, target: '-' });
    rows.push({ measure: `pty flash transfer, fresh device process (${setting})`, bytes: n, 'MB/s': mb(n, flashFirst), ratio: plainFirst / flashFirst, target: '≥ 0.80', accepted: verdict(plainFirst / flashFirst >= 0.8) });
    rows.push({ measure: 'pty plain write, second pass (warm reader)', bytes: n, 'MB/s': mb(n, plainSecond), ratio: 1, target: '-' });
    rows.push({ measure: 'pty flash transfer, second flash (warm device)', bytes: n, 'MB/s': mb(n, flashSecond), ratio: plainSecond / flashSecond, target: '-' });
    rows.push({ measure: 'pty flash incl. begin + verify + install, warm device', bytes: n, 'MB/s': mb(n, flashTotal), ratio: plainSecond / flashTotal, target: '-' });

    // 2. Infer round-trip overhead (3×32×32 int8).
    await client.bench({ requests: 50, shape: [1, 32, 32, 3], dtype: 'int8', budgetUs: 1e6 }); // warm-up
    const b = await client.bench({ requests: Number(values.requests), shape: [1, 32, 32, 3], dtype: 'int8', budgetUs: 1e6 });
    rows.push({ measure: `pty infer overhead p50 (${b.requests} × 3×32×32 int8), µs`, bytes: 3072, 'MB/s': null, ratio: b.overheadP50Us, target: '≤ 2000', accepted: verdict(b.overheadP50Us <= 2000) });
    rows.push({ measure: 'pty infer overhead p99, µs', bytes: 3072, 'MB/s': null, ratio: b.overheadP99Us, target: '-' });
    rows.push({ measure: 'pty infer round trip p50, µs', bytes: 3072, 'MB/s': null, ratio: b.roundTripP50Us, target: '-' });
    await client.close();

    // 3. Throttled to 921,600 baud 8N1.
    const uart = await loadBundleTar(makeFakeBundle(path.join(work, 'uart'), { segments: 2, segmentBytes: Math.ceil(uartBytes / 2), seed: 4 }));
    const slow = await DeviceClient.open({ connect: async () => new ThrottledTransport(await SerialTransport.open(pty.hostPath, BAUD), BAUD), baudRate: BAUD });
    const t = await flashSeconds(slow, uart);
    const lineRate = BAUD / BITS_PER_BYTE_8N1;
    rows.push({ measure: `921600 baud 8N1 flash transfer vs line rate (${lineRate} B/s)`, bytes: uart.bytes.length, 'MB/s': mb(uart.bytes.length, t.transfer), ratio: uart.bytes.length / t.transfer / lineRate, target: '≥ 0.85', accepted: verdict(uart.bytes.length / t.transfer / lineRate >= 0.85) });
    rows.push({ measure: '921600 baud 8N1 flash incl. begin + verify + install', bytes: uart.bytes.length, 'MB/s': mb(uart.bytes.length, t.total), ratio: uart.bytes.length / t.total / lineRate, target: '-' });
    await slow.close();
  } finally {
    await device.stop();
  }
} finally {
  await pty.close();
  fs.rmSync(work, { recursive: true, force: true });
}
printTable(rows, {
  json: values.json,
  title: `firmware bridge (${os.cpus().length} cores, load averages ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`,
  columns: ['measure', 'bytes', 'MB/s', 'ratio', 'target', 'accepted'],
});
