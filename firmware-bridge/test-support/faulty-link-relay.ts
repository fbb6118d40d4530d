/**
 * The faulty link: a process between two real pseudo-terminals that carries bytes both ways at a UART's line
 * rate and spoils them on the way, seeded so every run reproduces.
 *   tsx firmware-bridge/test-support/faulty-link-relay.ts --host-side PTY --device-side PTY [--baud 921600]
 *     [--ber P] [--drop P] [--outage-at-bytes N,N,...] [--outage-ms MS] [--seed S]
 *  - `--ber`: each bit flipped with probability P (both directions); `--drop`: each byte dropped with
 *    probability P (both directions);
 *  - `--outage-at-bytes`: once this many host→device bytes have crossed, the link goes dead in both directions
 *    for `--outage-ms` (a pulled cable: bytes written meanwhile are lost), then carries again.
 * Prints `ready` once both ports are open; on SIGTERM or when stdin ends prints one JSON line of counters
 * (`{"bitsFlipped":…,"bytesDropped":…,"outages":…,"bytesHostToDevice":…,"bytesDeviceToHost":…}`) and exits.
 */
import { parseArgs } from 'node:util';
import { RanasError } from '../../src/errors.ts';
import { FaultInjector } from '../transport/fault-injecting-transport.ts';
import { SerialTransport } from '../transport/serial-transport.ts';
import { ThrottledTransport } from '../transport/throttled-transport.ts';

const { values } = parseArgs({
  options: {
    'host-side': { type: 'string' },
    'device-side': { type: 'string' },
    baud: { type: 'string', default: '921600' },
    ber: { type: 'string', default: '0' },
    drop: { type: 'string', default: '0' },
    'outage-at-bytes': { type: 'string', default: '' },
    'outage-ms': { type: 'string', default: '1500' },
    seed: { type: 'string', default: '1' },
  },
});
const hostSide = values['host-side'];
const deviceSide = values['device-side'];
if (!hostSide || !deviceSide) throw new RanasError('E_BAD_OPTION', 'faulty-link-relay: --host-side and --device-side are required; expected two pty paths');
const baud = Number(values.baud);
const seed = Number(values.seed);
const plan = { bitErrorRate: Number(values.ber), dropByteRate: Number(values.drop) };
// One injector per direction, so one direction's traffic does not shift the other's faults.
const toDevice = new FaultInjector({ ...plan, seed });
const toHost = new FaultInjector({ ...plan, seed: seed + 7919 });
const outageAt = values['outage-at-bytes'].split(',').filter(Boolean).map(Number).sort((a, b) => a - b);
const outageMs = Number(values['outage-ms']);

const counters = { outages: 0, bytesHostToDevice: 0, bytesDeviceToHost: 0, bytesLostInOutages: 0 };
let deadUntilMs = 0;
const dead = () => performance.now() < deadUntilMs;

// The host side is throttled both ways (one line): host→device bytes arrive at the line rate, device→host
// bytes leave at it.
const host = new ThrottledTransport(await SerialTransport.open(hostSide, baud), baud);
const device = await SerialTransport.open(deviceSide, baud);

host.on('data', (bytes) => {
  counters.bytesHostToDevice += bytes.length;
  while (outageAt.length > 0 && counters.bytesHostToDevice >= outageAt[0]) {
    outageAt.shift();
    counters.outages++;
    deadUntilMs = performance.now() + outageMs;
  }
  if (dead()) { counters.bytesLostInOutages += bytes.length; return; }
  const out = toDevice.damage(bytes);
  if (out.length) device.write(out).catch(() => undefined);
});
device.on('data', (bytes) => {
  counters.bytesDeviceToHost += bytes.length;
  if (dead()) { counters.bytesLostInOutages += bytes.length; return; }
  const out = toHost.damage(bytes);
  if (out.length) host.write(out).catch(() => undefined);
});

let ended = false;
function end(): void {
  if (ended) return;
  ended = true;
  const { bitsFlipped, bytesDropped } = { bitsFlipped: toDevice.counters.bitsFlipped + toHost.counters.bitsFlipped, bytesDropped: toDevice.counters.bytesDropped + toHost.counters.bytesDropped };
  process.stdout.write(JSON.stringify({ bitsFlipped, bytesDropped, ...counters }) + '\n', () => process.exit(0));
}
host.on('close', end);
device.on('close', end);
process.on('SIGTERM', end);
process.stdin.resume();
process.stdin.on('end', end);
process.stdout.write('ready\n');
