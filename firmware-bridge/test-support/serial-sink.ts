/**
 * Bench helper process: opens a serial path, reads until it has received N bytes, prints `done` and exits.
 * The baseline for flash throughput: a plain write of the same bytes over the same pty.
 *   tsx firmware-bridge/test-support/serial-sink.ts PATH BYTES
 */
import { SerialTransport } from '../transport/serial-transport.ts';

const [path, bytesArg] = process.argv.slice(2);
const expected = Number(bytesArg);
const port = await SerialTransport.open(path);
let received = 0;
process.stdout.write('ready\n');
port.on('data', (b) => {
  received += b.length;
  if (received >= expected) {
    process.stdout.write('done\n');
    void port.close().then(() => process.exit(0));
  }
});
