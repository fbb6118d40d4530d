/**
 * Test-only device process: `serveDevice` with the FakeAgentService over a serial path or TCP.
 *   tsx firmware-bridge/test-support/fake-device.ts --dir DIR (--serial PATH [--baud N] | --listen HOST:PORT)
 *     [--key-file F] [--infer-delay-us N]
 * Prints `ready tcp PORT` or `ready serial PATH` on stdout once serving, and one JSON log line per event on
 * stderr. Exits on SIGTERM or when stdin closes (so a crashed test never leaves it running).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readKeyFile } from '../client/bundle-tar.ts';
import { serveDevice } from '../server/serve-device.ts';
import { SerialTransport } from '../transport/serial-transport.ts';
import { listenTcp, parseHostPort } from '../transport/tcp-transport.ts';
import { FakeAgentService } from './fake-agent-service.ts';
import { RanasError } from '../../src/errors.ts';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    serial: { type: 'string' },
    baud: { type: 'string', default: '921600' },
    listen: { type: 'string' },
    'key-file': { type: 'string' },
    'infer-delay-us': { type: 'string', default: '0' },
  },
});
if (!values.dir) throw new RanasError('E_CLI_ARG', 'fake-device: --dir is required; expected the folder of its store');
const dir = values.dir;
const service = await new FakeAgentService(dir, 'fake-device', Number(values['infer-delay-us'])).load();
const opts = { keyBytes: values['key-file'] ? readKeyFile(values['key-file']) : null, stagingDir: path.join(dir, 'staging') };

if (values.serial) {
  const port = values.serial;
  const transport = await SerialTransport.open(port, Number(values.baud));
  const server = serveDevice(transport, service, opts);
  process.stdout.write(`ready serial ${port}\n`);
  void server.closed.then(() => process.exit(0));
} else {
  const { host, port } = parseHostPort(values.listen ?? '127.0.0.1:0');
  const listener = await listenTcp((t) => { serveDevice(t, service, opts); }, { host, port });
  process.stdout.write(`ready tcp ${listener.port}\n`);
}
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
