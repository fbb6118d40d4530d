/** How `ranas device` reaches the agent: --port/--baud (serial) or --host (TCP), parsed once; a client per command. */
import type { Command } from 'commander';
import { RanasError } from '../../../errors.ts';
import type { DeviceClient } from '../../../../firmware-bridge/client/device-client.ts';
import { DEFAULT_BAUD } from '../../../../firmware-bridge/transport/default-baud.ts';
import { parseHostPort } from '../../../../firmware-bridge/transport/tcp-transport.ts';
import type { Connect } from '../../../../firmware-bridge/transport/transport.ts';
import { parseNumber } from './flags.ts';

/** How to reach the device, parsed once from --port/--baud/--host. */
export type Link = { kind: 'serial'; path: string; baudRate: number } | { kind: 'tcp'; host: string; port: number };

/** Options shared by every `ranas device` sub-command. */
export interface DeviceCliOptions {
  readonly link: Link;
  readonly timeoutMs: number;
  readonly json: boolean;
}

export interface RawLinkOptions {
  port?: string;
  baud?: string;
  host?: string;
  timeout?: string;
  json?: boolean;
}

export function parseLinkOptions(raw: RawLinkOptions): DeviceCliOptions {
  if (Boolean(raw.port) === Boolean(raw.host)) {
    throw new RanasError('E_CLI_ARG', 'give exactly one of --port PATH (serial) or --host HOST:PORT (TCP)');
  }
  const link: Link = raw.port
    ? { kind: 'serial', path: raw.port, baudRate: parseNumber('--baud', raw.baud ?? String(DEFAULT_BAUD), { min: 50, integer: true }) }
    : { kind: 'tcp', ...parseHostPort(raw.host ?? '') };
  return { link, timeoutMs: parseNumber('--timeout', raw.timeout ?? '1000', { min: 1 }), json: raw.json === true };
}

/** Opens the link (the serial binding and the TCP module load here, when a command connects). */
export function connectOf(link: Link): Connect {
  return link.kind === 'serial'
    ? async () => (await import('../../../../firmware-bridge/transport/serial-transport.ts')).SerialTransport.open(link.path, link.baudRate)
    : async () => (await import('../../../../firmware-bridge/transport/tcp-transport.ts')).connectTcp(link.host, link.port);
}

export async function withClient<T>(o: DeviceCliOptions, work: (c: DeviceClient) => Promise<T>): Promise<T> {
  const { DeviceClient } = await import('../../../../firmware-bridge/client/device-client.ts');
  const client = await DeviceClient.open({
    connect: connectOf(o.link),
    timeoutMs: o.timeoutMs,
    baudRate: o.link.kind === 'serial' ? o.link.baudRate : undefined,
  });
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

/** Adds the connection options to a sub-command. */
export function linkOptions(cmd: Command): Command {
  return cmd
    .option('--port <path>', 'serial port (e.g. /dev/ttyACM0 for the Pi USB gadget, /dev/ttyUSB0 for a UART adapter)')
    .option('--baud <n>', `serial line rate, baud (8N1)`, String(DEFAULT_BAUD))
    .option('--host <host:port>', 'device agent listening on TCP')
    .option('--timeout <ms>', 'time to wait for an answer before re-sending, ms', '1000')
    .option('--json', 'print JSON instead of a table', false);
}
