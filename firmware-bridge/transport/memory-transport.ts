/**
 * An in-memory transport pair for unit tests: bytes written on one end arrive (asynchronously, on the next
 * macrotask, like a real link) on the other. Closing either end closes both.
 */
import { RanasError } from '../../src/errors.ts';
import { TransportBase } from './transport.ts';

export class MemoryTransport extends TransportBase {
  peer: MemoryTransport | undefined;

  constructor(readonly description: string) {
    super();
  }

  async write(bytes: Buffer): Promise<void> {
    if (!this.isOpen || !this.peer) throw new RanasError('E_LINK_CLOSED', `${this.description}: write of ${bytes.length} bytes on a closed link`);
    const peer = this.peer;
    const copy = Buffer.from(bytes);
    setImmediate(() => peer.deliver(copy));
  }

  async close(): Promise<void> {
    const peer = this.peer;
    this.closed();
    if (peer?.isOpen) setImmediate(() => peer.closeFromPeer());
  }

  private deliver(bytes: Buffer): void {
    this.receive(bytes);
  }

  private closeFromPeer(): void {
    this.closed(new RanasError('E_LINK_CLOSED', `${this.description}: the other end closed the link`));
  }
}

/** Two connected in-memory transports: `[host, device]`. */
export function memoryTransportPair(name = 'memory'): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport(`${name}:host`);
  const b = new MemoryTransport(`${name}:device`);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
