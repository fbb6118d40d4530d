/**
 * Bench helper process: opens a serial path and counts received bytes; prints `got N` each time another
 * `PASS` bytes have arrived, `done` once it has `PASSES × PASS` bytes, then exits. The baseline for flash
 * throughput: a plain write of the same bytes over the same pty (the bench times each pass: the first one
 * in a fresh process, the next ones in a warm one, like a first and a second flash to a fresh device).
 *   tsx firmware-bridge/test-support/serial-sink.ts PATH PASS_BYTES [PASSES]
 */
import { SerialTransport } from '../transport/serial-transport.ts';

const [path, passArg, passesArg] = process.argv.slice(2);
const pass = Number(passArg);
const passes = Number(passesArg ?? 1);
const port = await SerialTransport.open(path);
let received = 0;
let reported = 0;
process.stdout.write('ready\n');
port.on('data', (b) => {
  received += b.length;
  while (reported < passes && received >= (reported + 1) * pass) {
    reported++;
    process.stdout.write(`got ${reported}\n`);
  }
  if (reported === passes) {
    process.stdout.write('done\n');
    void port.close().then(() => process.exit(0));
  }
});
