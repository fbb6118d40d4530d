/**
 * DeviceClient: the host end of the bridge. Opens a link with `connect`, says Hello (protocol version
 * negotiation), and offers info / flash / infer / stats / bench, and (protocol 3) op packs and profileOps.
 * `flash` sends the bundle tar in chunks with several in flight (go-back-N on a gap), and when the link drops
 * or stops answering it reconnects and resumes from the device's staged length, up to `maxReconnects` times.
 */
import os from 'node:os';
import { createPublicKey, randomInt, type KeyObject } from 'node:crypto';
import { byteLength, type InputDType } from '../../src/bundle-format/dtype.ts';
import { RanasError, errorMessage, isRanasError } from '../../src/errors.ts';
import type { FlashDoneMsg, FlashKind, InferMsg, InferResultMsg, InfoMsg, OpProfileMsg, ProfileOpsMsg, StatsMsg } from '../messages.ts';
import { PROTOCOL_VERSION_MAX, PROTOCOL_VERSION_MIN, PROTOCOL_VERSION_PROFILE_OPS } from '../protocol.ts';
import { FRAME_OVERHEAD_BYTES } from '../framing/frame.ts';
import { BufferPool } from '../framing/buffer-pool.ts';
import { FrameLink } from '../rpc/frame-link.ts';
import { RpcClient } from '../rpc/rpc-client.ts';
import { BITS_PER_BYTE_8N1 } from '../transport/throttled-transport.ts';
import type { Connect } from '../transport/transport.ts';
import { bundleStatement, downgradeStatement, flashMac, type FlashedBundle } from '../auth/flash-statements.ts';
import { keyIdOf, signStatement } from '../auth/signing-keys.ts';
import { flashedBundleOf, loadBundleTar, type BundleTar } from './bundle-tar.ts';
import { ChunkSizer } from './chunk-sizer.ts';
import { pumpChunks } from './chunk-pump.ts';
import { RttEstimator } from './rtt-estimator.ts';
import { DEFAULT_FLASH_CHUNK_BYTES, DEFAULT_FLASH_WINDOW, DEFAULT_FLASH_WINDOW_BYTES } from './flash-defaults.ts';

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
  /** Link key: the FlashBegin carries HMAC-SHA256(key, nonce, sha256, size, version, name). */
  keyBytes: Buffer;
  /** Host's Ed25519 private key (`ranas keys generate`): signs (name, version, size, sha256). */
  signingKey: KeyObject;
  /** Release number; default the manifest's `bundleVersion`, else its `createdAt` in Unix seconds. */
  bundleVersion?: number;
  /** Sign a downgrade intent, so a version not newer than the installed one is accepted. Default false. */
  allowDowngrade?: boolean;
  onProgress?: (p: FlashProgress) => void;
  /**
   * Bundle bytes per chunk, at most. Default DEFAULT_FLASH_CHUNK_BYTES (capped by the device's frame limit).
   * Chunks start small on a fresh link, grow with clean answers and shrink when chunks are lost (ChunkSizer).
   */
  chunkBytes?: number;
  /** Chunks in flight. Default DEFAULT_FLASH_WINDOW. */
  window?: number;
  /** Bytes in flight, at most (two chunks are always allowed). Default DEFAULT_FLASH_WINDOW_BYTES. */
  windowBytes?: number;
  /** Keep bytes the device already staged for this bundle. Default true. */
  resume?: boolean;
  /** Reconnects allowed after a dropped or silent link. Default unlimited (bounded by giveUpAfterMs). */
  maxReconnects?: number;
  /** Give up (E_FLASH_GAVE_UP) after this long without the staged length growing, ms. Default 60,000. */
  giveUpAfterMs?: number;
  /** Reconnect after this long without progress on a live link, ms. Default 5,000. */
  stallMs?: number;
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

export { DEFAULT_FLASH_CHUNK_BYTES, DEFAULT_FLASH_WINDOW, DEFAULT_FLASH_WINDOW_BYTES } from './flash-defaults.ts';

/**
 * Error codes after which a flash reconnects and resumes rather than giving up: the link or the agent went away
 * (an agent restarted mid-flash has no session: E_NO_FLASH), or a frame was lost.
 */
const RETRYABLE = new Set(['E_TIMEOUT', 'E_LINK_CLOSED', 'E_CONNECT', 'E_NO_FLASH', 'E_NONCE_REQUIRED', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOENT', 'EIO']);

function errorCode(e: unknown): string | undefined {
  if (isRanasError(e)) return e.code;
  if (e instanceof Error && 'code' in e && typeof e.code === 'string') return e.code;
  return undefined;
}

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
  rtt: RttEstimator | undefined;
  ackedBytes: number;
  progressAtMs: number;
}

export class DeviceClient {
  private rpc: RpcClient | undefined;
  private sequence = randomInt(0, 2 ** 31); // random start: a new client never collides with a device's replay cache
  private lastInfo: InfoMsg | undefined;
  /** The last Hello's nonce has not been used by a FlashBegin yet. */
  private nonceFresh = false;
  /** Round trip of the last Hello, ms (the first retransmission timeout of a flash follows it). */
  private helloRttMs = 0;
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
    const t0 = performance.now();
    this.lastInfo = await rpc.request('hello', { minProtocolVersion: range.min, maxProtocolVersion: range.max, hostName: os.hostname() });
    this.helloRttMs = performance.now() - t0;
    this.nonceFresh = true;
    if (this.lastInfo.maxFrameBytes > 0) rpc.maxFrameBytes = this.lastInfo.maxFrameBytes;
    return this.lastInfo;
  }

  async infer(req: InferMsg): Promise<InferResultMsg> {
    const rpc = await this.ensureLink();
    return rpc.request('infer', req, { timeoutMs: this.timeoutFor(req.input.length) + req.budgetUs / 1000 });
  }

  async stats(): Promise<StatsMsg> {
    return (await this.ensureLink()).request('statsRequest', {});
  }

  /**
   * Flashes a bundle folder or tar (path) or already-loaded tar. Signs it once (Ed25519), then per link: a fresh
   * Hello nonce, the MAC over it, FlashBegin, chunks, commit. When the link or the agent goes away it reconnects
   * (backing off) and resumes from the device's staged length, until `giveUpAfterMs` pass without progress.
   */
  async flash(source: string | BundleTar, opts: FlashOptions): Promise<FlashReport> {
    const bundle = typeof source === 'string' ? await loadBundleTar(source) : source;
    return this.flashTar(bundle.bytes, flashedBundleOf(bundle, opts.bundleVersion), 'bundle', opts);
  }

  /**
   * Flashes an op pack (src/bundle-format/op-pack.ts) for `profileOps`: signed and authenticated like a bundle
   * under the op-pack domains, chunked and resumable the same way; the device keeps it and activates nothing.
   * Needs protocol 3.
   */
  async flashOpPack(pack: { bytes: Buffer; sha256: string; name: string }, opts: Pick<FlashOptions, 'keyBytes' | 'signingKey' | 'onProgress' | 'giveUpAfterMs'>): Promise<FlashReport> {
    await this.requireProtocol(PROTOCOL_VERSION_PROFILE_OPS, 'flashing an op pack');
    return this.flashTar(pack.bytes, { name: pack.name, version: 1, sizeBytes: pack.bytes.length, sha256: pack.sha256 }, 'opPack', { ...opts, resume: true });
  }

  /**
   * Asks the device to measure the next items of a kept op pack for about `maxMs` (protocol 3). The answer takes
   * that long plus one item; the request is re-sent every `maxMs` + 5 s with the same sequence number, which the
   * device ignores while it is still measuring and answers from its replay cache once done (a lost answer), or
   * runs afresh after an agent restart; E_TIMEOUT after about a minute and a half without an answer.
   */
  async profileOps(req: ProfileOpsMsg): Promise<OpProfileMsg> {
    const rpc = await this.requireProtocol(PROTOCOL_VERSION_PROFILE_OPS, 'profile-ops over the bridge');
    const timeoutMs = this.timeoutFor(req.done.length) + req.maxMs + 5000;
    return rpc.request('profileOps', req, { timeoutMs, attempts: Math.max(3, Math.ceil(90_000 / timeoutMs)), backoff: 1 });
  }

  /** The link, once it negotiated at least `version`; else E_PROTOCOL_VERSION naming both versions. */
  private async requireProtocol(version: number, what: string): Promise<RpcClient> {
    const rpc = await this.ensureLink();
    if (this.info.protocolVersion < version) {
      throw new RanasError('E_PROTOCOL_VERSION', `${what} needs protocol ${version}; the device (agent ${this.info.agentVersion}) speaks up to ${this.info.maxProtocolVersion}: update its agent, or run the command on the device with --local`);
    }
    return rpc;
  }

  /** The flash loop shared by bundles and op packs: sign once, then per link Hello nonce, MAC, FlashBegin, chunks, commit. */
  private async flashTar(bytes: Buffer, flashed: FlashedBundle, kind: FlashKind, opts: FlashOptions): Promise<FlashReport> {
    const { sha256 } = flashed;
    const signature = signStatement(opts.signingKey, bundleStatement(flashed, kind));
    const keyId = keyIdOf(createPublicKey(opts.signingKey));
    const maxReconnects = opts.maxReconnects ?? Number.POSITIVE_INFINITY;
    const giveUpAfterMs = opts.giveUpAfterMs ?? 60_000;
    let reconnects = 0;
    let resume = opts.resume ?? true;
    let lastError: unknown;
    const state: FlashState = { chunksSent: 0, sizer: undefined, rtt: undefined, ackedBytes: 0, progressAtMs: performance.now() };
    const report = (done: FlashDoneMsg, alreadyActive: boolean): FlashReport => ({
      ...done, sha256, totalBytes: bytes.length, reconnects, chunksSent: state.chunksSent, finalChunkBytes: state.sizer?.bytes ?? 0, alreadyActive,
    });
    for (;;) {
      try {
        const rpc = await this.ensureLink();
        const info = this.nonceFresh ? this.info : await this.hello();
        if (kind === 'bundle' && info.activeBundle?.sha256 === sha256 && (reconnects > 0 || !opts.force)) {
          // Already running this bundle (or the commit went through and its answer was lost with the link).
          return report({ activeBundle: info.activeBundle }, reconnects === 0);
        }
        this.nonceFresh = false; // the device uses a nonce up with the first FlashBegin, accepted or not
        const begin = await rpc.request('flashBegin', this.beginMessage(flashed, info.nonce, { signature, keyId, resume, kind }, opts));
        resume = true;
        await this.sendChunks(rpc, bytes, begin.nextOffset, opts, reconnects, state);
        // The device hashes the bundle and the agent verifies and installs it: allow minutes.
        const done = await rpc.request('flashCommit', { sha256 }, { timeoutMs: 10_000, attempts: 30, backoff: 1 });
        return report(done, false);
      } catch (e) {
        const code = errorCode(e);
        if (!code || !RETRYABLE.has(code)) throw e;
        lastError = e;
        const idleMs = performance.now() - state.progressAtMs;
        if (idleMs > giveUpAfterMs || reconnects >= maxReconnects) {
          throw new RanasError('E_FLASH_GAVE_UP', `flash of ${flashed.name} v${flashed.version} stopped at ${state.ackedBytes} of ${bytes.length} bytes: no progress for ${(idleMs / 1000).toFixed(1)} s over ${reconnects} reconnects; last error ${code}: ${errorMessage(lastError)}`, { ackedBytes: state.ackedBytes, reconnects });
        }
        reconnects++;
        await this.dropLink();
        // Back off: 100 ms doubling to 2 s, so a restarting agent or a cut cable is not hammered.
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** Math.min(reconnects - 1, 5))));
      }
    }
  }

  /** The FlashBegin for this link's nonce: MAC, signature, and a downgrade intent when allowed. */
  private beginMessage(b: FlashedBundle, nonce: Buffer, s: { signature: Buffer; keyId: string; resume: boolean; kind: FlashKind }, opts: FlashOptions) {
    return {
      totalBytes: b.sizeBytes, sha256: b.sha256, name: b.name, bundleVersion: b.version, resume: s.resume,
      auth: flashMac(opts.keyBytes, nonce, b, s.kind), signature: s.signature, keyId: s.keyId,
      downgradeSignature: opts.allowDowngrade && s.kind === 'bundle' ? signStatement(opts.signingKey, downgradeStatement(nonce, b)) : Buffer.alloc(0),
      // A bundle's FlashBegin stays as protocol 2 encoded it (no kind field), so older devices read it unchanged.
      ...(s.kind === 'opPack' ? { kind: s.kind } : {}),
    };
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

  /** Sends the chunks from `start` (chunk-pump.ts); the sizer and the round-trip estimate live across reconnects. */
  private async sendChunks(rpc: RpcClient, bytes: Buffer, start: number, opts: FlashOptions, reconnects: number, state: FlashState): Promise<void> {
    const total = bytes.length;
    const frameRoom = this.info.maxFrameBytes - FRAME_OVERHEAD_BYTES - 32; // protobuf field tags and lengths
    const sizer = (state.sizer ??= new ChunkSizer(Math.max(1, Math.min(opts.chunkBytes ?? DEFAULT_FLASH_CHUNK_BYTES, frameRoom))));
    // First timeout: a few Hello round trips plus a window of the largest chunks on the wire.
    const rtt = (state.rtt ??= new RttEstimator(Math.max(200, 4 * this.helloRttMs)));
    if (start > state.ackedBytes) state.progressAtMs = performance.now();
    state.ackedBytes = start;
    await pumpChunks(rpc, bytes, start, {
      sizer, rtt, window: Math.max(1, opts.window ?? DEFAULT_FLASH_WINDOW), windowBytes: opts.windowBytes ?? DEFAULT_FLASH_WINDOW_BYTES,
      wireMs: (n) => this.wireMs(n) / 2, wirePool: this.chunkWires, stallMs: opts.stallMs ?? 5000,
      onSend: () => { state.chunksSent++; },
      onProgress: (acked) => {
        if (acked > state.ackedBytes) state.progressAtMs = performance.now();
        state.ackedBytes = acked;
        opts.onProgress?.({ ackedBytes: acked, totalBytes: total, reconnects });
      },
    });
  }

  /** Time `bytes` take on the wire at the link's baud rate (serial), doubled for SLIP escapes and answers, ms. */
  private wireMs(bytes: number): number {
    return this.opts.baudRate ? (2 * bytes * BITS_PER_BYTE_8N1 * 1000) / this.opts.baudRate : 0;
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
      maxPending: 256,
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
