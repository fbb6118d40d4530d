/**
 * TCP transport (node:net). The device listens on loopback unless told otherwise (`listenTcp`); the host
 * connects with `connectTcp`. Nagle is off: frames are small and latency matters for inference.
 */
import net from 'node:net';
import { RanasError } from '../../src/errors.ts';
import { TransportBase } from './transport.ts';

export class TcpTransport extends TransportBase {
  readonly description: string;

  constructor(private readonly socket: net.Socket) {
    super();
    this.description = `tcp:${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    socket.on('data', (b: Buffer) => this.receive(b));
    socket.on('error', (e) => this.closed(e));
    socket.on('close', () => this.closed());
  }

  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.isOpen || this.socket.destroyed) {
        reject(new RanasError('E_LINK_CLOSED', `${this.description}: write of ${bytes.length} bytes on a closed socket`));
        return;
      }
      // Resolve when the socket buffer has room again (backpressure), not when the peer read it.
      const ok = this.socket.write(bytes, (e) => { if (e) reject(e); });
      if (ok) resolve();
      else this.socket.once('drain', () => resolve());
    });
  }

  async close(): Promise<void> {
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.destroy();
    });
  }
}

/** Parses `HOST:PORT` (IPv6 hosts in brackets); throws E_BAD_OPTION naming the value otherwise. */
export function parseHostPort(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new RanasError('E_BAD_OPTION', `expected HOST:PORT (e.g. 127.0.0.1:7070), got '${value}'`);
  return { host: m[1] ?? m[2], port };
}

/** Connects to a device listening on `host:port`. */
export function connectTcp(host: string, port: number, timeoutMs = 5000): Promise<TcpTransport> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new RanasError('E_CONNECT', `no TCP connection to ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => { clearTimeout(timer); resolve(new TcpTransport(socket)); });
    socket.once('error', (e) => { clearTimeout(timer); reject(new RanasError('E_CONNECT', `cannot connect to ${host}:${port}: ${e.message}`)); });
  });
}

/** Listens on `host:port` (default loopback; port 0 picks one) and hands each connection to `onTransport`. */
export async function listenTcp(
  onTransport: (t: TcpTransport) => void,
  { host = '127.0.0.1', port = 0 }: { host?: string; port?: number } = {},
): Promise<{ server: net.Server; port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => onTransport(new TcpTransport(socket)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    port: boundPort,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
