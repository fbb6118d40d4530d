/**
 * DeviceClient: the host end of the bridge. Opens a link with `connect`, says Hello (protocol version
 * negotiation), and offers info / flash / infer / stats / bench. `flash` sends the bundle tar in chunks with
 * several in flight (go-back-N on a gap), and when the link drops or stops answering it reconnects and
 * resumes from the device's staged length, up to `maxReconnects` times.
 */
import os from 'node:os';
import { randomInt } from 'node:crypto';
import { byteLength, type InputDType } from '../../src/bundle-format/dtype.ts';
import { RanasError, isRanasError } from '../../src/errors.ts';
import type { FlashAckMsg, FlashDoneMsg, InferMsg, InferResultMsg, InfoMsg, StatsMsg } from '../messages.ts';
import { PROTOCOL_VERSION_MAX, PROTOCOL_VERSION_MIN } from '../protocol.ts';
import { FRAME_OVERHEAD_BYTES } from '../framing/frame.ts';
import { BufferPool } from '../framing/buffer-pool.ts';
import { FrameLink } from '../rpc/frame-link.ts';
import { RpcClient } from '../rpc/rpc-client.ts';
import { BITS_PER_BYTE_8N1 } from '../transport/throttled-transport.ts';
import type { Connect } from '../transport/transport.ts';
import { bundleAuth, loadBundleTar, type BundleTar } from './bundle-tar.ts';
import { ChunkSizer } from './chunk-sizer.ts';

export interface DeviceClientOptions {
  connect: Connect;
  /** Base time to wait for an answer before re-sending, in ms. Default 1000. */
  timeoutMs?: number;
  /** Sends per request before E_TIMEOUT. Default 5. */
  attempts?: number;
  /** Line rate of a serial link, in baud; request timeouts grow with the bytes queued ahead at this rate. */
  baudRate?: number;
  /** Protocol versions offered in Hello (tests override). */
  protocolRange?: { min: number; max: number };
}

export interface FlashProgress {
  ackedBytes: number;
  totalBytes: number;
  reconnects: number;
}

export interface FlashOptions {
  /** Device key: the flash carries HMAC-SHA256(key, tar). */
  keyBytes: Buffer;
  onProgress?: (p: FlashProgress) => void;
  /**
   * Bytes of bundle per chunk, at most. Default DEFAULT_FLASH_CHUNK_BYTES (capped by the device's frame limit).
   * Chunks shrink while chunks need resending and grow back when they stop (see ChunkSizer).
   */
  chunkBytes?: number;
  /** Chunks in flight. Default DEFAULT_FLASH_WINDOW. */
  window?: number;
  /** Keep bytes the device already staged for this bundle. Default true. */
  resume?: boolean;
  /** Reconnects allowed after a dropped or silent link. Default 10. */
  maxReconnects?: number;
  /** Flash even when the device already runs this bundle. Default false. */
  force?: boolean;
}

export interface FlashReport extends FlashDoneMsg {
  sha256: string;
  totalBytes: number;
  reconnects: number;
  /** Chunk sends, counting rewinds (≥ totalBytes / chunkBytes). */
  chunksSent: number;
  /** The chunk size when the flash ended (smaller than asked when the link lost chunks), in bytes. */
  finalChunkBytes: number;
  /** True when the device already ran this bundle and nothing was sent. */
  alreadyActive: boolean;
}

export interface BenchOptions {
  requests: number;
  shape: number[];
  dtype: InputDType;
  budgetUs: number;
}

export interface BenchReport {
  requests: number;
  roundTripP50Us: number;
  roundTripP99Us: number;
  /** The agent's own reported time per request (InferResult.totalUs), median. */
  agentP50Us: number;
  /** Round trip minus the agent's own time, median: what the bridge costs. */
  overheadP50Us: number;
  overheadP99Us: number;
}

/**
 * Bundle bytes per flash chunk by default, at most (192 KiB; the device's default frame limit is 256 KiB). Every
 * chunk costs both ends a frame, an answer and a few trips through the event loop whatever its size, so on a
 * pty, USB or TCP link bigger chunks move more bytes per unit of CPU; on a link that spoils chunks the
 * ChunkSizer halves them until they get through.
 */
export const DEFAULT_FLASH_CHUNK_BYTES = 192 * 1024;
/** Chunks in flight by default: two big chunks keep a serial line busy while the device answers. */
export const DEFAULT_FLASH_WINDOW = 2;

/** Error codes after which a flash reconnects and resumes rather than giving up. */
const RETRYABLE = new Set(['E_TIMEOUT', 'E_LINK_CLOSED', 'E_CONNECT']);

/** Quantile of a sorted copy, nearest-rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** What a flash keeps across reconnects. */
interface FlashState {
  chunksSent: number;
  sizer: ChunkSizer | undefined;
}

export class DeviceClient {
  private rpc: RpcClient | undefined;
  private sequence = randomInt(0, 2 ** 31); // random start: a new client never collides with a device's replay cache
  private lastInfo: InfoMsg | undefined;
  /** Wire buffers of flash chunks, reused once answered (see RequestOptions.wirePool). */
  private readonly chunkWires = new BufferPool();

  private constructor(private readonly opts: DeviceClientOptions) {}

  /** Connects and says Hello. */
  static async open(opts: DeviceClientOptions): Promise<DeviceClient> {
    const client = new DeviceClient(opts);
    await client.ensureLink();
    return client;
  }

  /** The device's Info from the last Hello. */
  get info(): InfoMsg {
    if (!this.lastInfo) throw new RanasError('E_NOT_CONNECTED', 'no Hello answered yet');
    return this.lastInfo;
  }

  /** Says Hello again and returns fresh Info. */
  async hello(): Promise<InfoMsg> {
    const rpc = await this.ensureLink();
    const range = this.opts.protocolRange ?? { min: PROTOCOL_VERSION_MIN, max: PROTOCOL_VERSION_MAX };
    this.lastInfo = await rpc.request('hello', { minProtocolVersion: range.min, maxProtocolVersion: range.max, hostName: os.hostname() });
    return this.lastInfo;
  }

  async infer(req: InferMsg): Promise<InferResultMsg> {
    const rpc = await this.ensureLink();
    return rpc.request('infer', req, { timeoutMs: this.timeoutFor(req.input.length) + req.budgetUs / 1000 });
  }

  async stats(): Promise<StatsMsg> {
    return (await this.ensureLink()).request('statsRequest', {});
  }

  /** Flashes a bundle folder or tar (path) or already-loaded tar; resumes across disconnects. */
  async flash(source: string | BundleTar, opts: FlashOptions): Promise<FlashReport> {
    const bundle = typeof source === 'string' ? await loadBundleTar(source) : source;
    const { bytes, sha256 } = bundle;
    const auth = bundleAuth(bytes, opts.keyBytes);
    const maxReconnects = opts.maxReconnects ?? 10;
    let reconnects = 0;
    let resume = opts.resume ?? true;
    const state: FlashState = { chunksSent: 0, sizer: undefined };
    for (;;) {
      try {
        await this.ensureLink();
        if (this.info.activeBundle?.sha256 === sha256 && (reconnects > 0 || !opts.force)) {
          // Already running this bundle (or the commit went through and its answer was lost with the link).
          return { activeBundle: this.info.activeBundle, sha256, totalBytes: bytes.length, reconnects, chunksSent: state.chunksSent, finalChunkBytes: state.sizer?.bytes ?? 0, alreadyActive: reconnects === 0 };
        }
        const rpc = await this.ensureLink();
        const begin = await rpc.request('flashBegin', { manifestJson: bundle.manifestJson, totalBytes: bytes.length, sha256, auth, resume });
        resume = true;
        await this.sendChunks(rpc, bytes, begin.nextOffset, opts, reconnects, state);
        // The device hashes the bundle and the agent verifies and installs it: allow minutes.
        const done = await rpc.request('flashCommit', { sha256 }, { timeoutMs: 10_000, attempts: 30 });
        return { ...done, sha256, totalBytes: bytes.length, reconnects, chunksSent: state.chunksSent, finalChunkBytes: state.sizer?.bytes ?? 0, alreadyActive: false };
      } catch (e) {
        if (!isRanasError(e) || !RETRYABLE.has(e.code) || reconnects >= maxReconnects) throw e;
        reconnects++;
        await this.dropLink();
      }
    }
  }

  /** Repeated infers of a zero input of `shape`: round trip vs the agent's own time. */
  async bench(opts: BenchOptions): Promise<BenchReport> {
    const input = Buffer.alloc(byteLength(opts.shape, opts.dtype));
    const rtt: number[] = [];
    const agent: number[] = [];
    const overhead: number[] = [];
    for (let i = 0; i < opts.requests; i++) {
      const t0 = performance.now();
      const r = await this.infer({ input, shape: opts.shape, dtype: opts.dtype, budgetUs: opts.budgetUs, policy: 'deadline', topK: 1 });
      const us = (performance.now() - t0) * 1000;
      rtt.push(us);
      agent.push(r.totalUs);
      overhead.push(us - r.totalUs);
    }
    return {
      requests: opts.requests,
      roundTripP50Us: quantile(rtt, 0.5), roundTripP99Us: quantile(rtt, 0.99),
      agentP50Us: quantile(agent, 0.5),
      overheadP50Us: quantile(overhead, 0.5), overheadP99Us: quantile(overhead, 0.99),
    };
  }

  async close(): Promise<void> {
    await this.dropLink();
  }

  /**
   * Go-back-N: keep `window` chunks in flight; on an ack short of a chunk's end, rewind to the device's offset.
   * Chunk sizes come from the flash's ChunkSizer (kept across reconnects), told of every resend.
   */
  private async sendChunks(rpc: RpcClient, bytes: Buffer, start: number, opts: FlashOptions, reconnects: number, state: FlashState): Promise<void> {
    const total = bytes.length;
    const frameRoom = this.info.maxFrameBytes - FRAME_OVERHEAD_BYTES - 32; // protobuf field tags and lengths
    const sizer = (state.sizer ??= new ChunkSizer(Math.max(1, Math.min(opts.chunkBytes ?? DEFAULT_FLASH_CHUNK_BYTES, frameRoom))));
    const window = Math.max(1, opts.window ?? DEFAULT_FLASH_WINDOW);
    const timeoutMs = this.timeoutFor(sizer.max * window);
    const inflight: { end: number; reply: Promise<FlashAckMsg>; sends: { retried: boolean } }[] = [];
    let sendAt = start;
    let acked = start;
    opts.onProgress?.({ ackedBytes: acked, totalBytes: total, reconnects });
    try {
      while (acked < total) {
        while (inflight.length < window && sendAt < total) {
          const end = Math.min(sendAt + sizer.bytes, total);
          const sends = { retried: false };
          const reply = rpc.request('flashChunk', { offset: sendAt, data: bytes.subarray(sendAt, end) }, { timeoutMs, wirePool: this.chunkWires, onRetry: () => { sends.retried = true; } });
          reply.catch(() => undefined); // awaited below; this only marks it handled
          inflight.push({ end, reply, sends });
          state.chunksSent++;
          sendAt = end;
        }
        const head = inflight.shift();
        if (!head) throw new RanasError('E_INTERNAL', `flash stalled at ${acked} of ${total} bytes`);
        let ack: FlashAckMsg;
        try {
          ack = await head.reply;
        } catch (e) {
          sizer.record(true); // a chunk that never got an answer: smaller ones after the reconnect
          throw e;
        }
        acked = Math.max(acked, ack.nextOffset);
        const rewind = ack.nextOffset < head.end;
        sizer.record(head.sends.retried || rewind);
        if (rewind) {
          // The device is missing bytes before this chunk's end: let the rest answer, then resend from its offset.
          for (const r of await Promise.allSettled(inflight.splice(0).map((x) => x.reply))) {
            if (r.status === 'fulfilled') acked = Math.max(acked, r.value.nextOffset);
          }
          sendAt = acked;
        }
        opts.onProgress?.({ ackedBytes: acked, totalBytes: total, reconnects });
      }
    } finally {
      await Promise.allSettled(inflight.map((x) => x.reply));
    }
  }

  /** Base timeout plus the time `bytesAhead` take on the wire at the link's baud rate (serial only). */
  private timeoutFor(bytesAhead: number): number {
    const base = this.opts.timeoutMs ?? 1000;
    if (!this.opts.baudRate) return base;
    return base + 2 * (bytesAhead * 2 * BITS_PER_BYTE_8N1 * 1000) / this.opts.baudRate;
  }

  private async ensureLink(): Promise<RpcClient> {
    if (this.rpc && this.rpc.link.isOpen) return this.rpc;
    await this.dropLink();
    const transport = await this.opts.connect();
    const link = new FrameLink(transport);
    this.rpc = new RpcClient(link, {
      nextSequence: () => (this.sequence = (this.sequence + 1) >>> 0),
      timeoutMs: this.opts.timeoutMs,
      attempts: this.opts.attempts,
    });
    try {
      await this.hello();
    } catch (e) {
      await this.dropLink();
      throw e;
    }
    return this.rpc;
  }

  private async dropLink(): Promise<void> {
    const rpc = this.rpc;
    this.rpc = undefined;
    if (rpc?.link.isOpen) await rpc.link.close().catch(() => undefined);
  }
}
