/**
 * Sends a bundle's bytes as flash chunks, go-back-N with early rewind: up to `window` chunks in flight; each
 * answer carries the device's staged length, so an answer short of its chunk's end shows a gap at once (a
 * lost chunk before it) and the pump goes back to the device's offset without waiting for a timeout. Chunks
 * are sent once each (no same-sequence retries): a chunk whose answer does not come within the measured
 * retransmission timeout (RttEstimator) rewinds to the last acknowledged byte, with the timeout doubled.
 * Answers to chunks sent before a rewind still count as progress but never rewind again. The ChunkSizer is
 * told of every clean answer and every loss. Gives up with E_TIMEOUT after `stallMs` without progress.
 */
import { RanasError, isRanasError } from '../../src/errors.ts';
import type { BufferPool } from '../framing/buffer-pool.ts';
import type { FlashAckMsg } from '../messages.ts';
import type { RpcClient } from '../rpc/rpc-client.ts';
import type { ChunkSizer } from './chunk-sizer.ts';
import type { RttEstimator } from './rtt-estimator.ts';

export interface PumpOptions {
  sizer: ChunkSizer;
  rtt: RttEstimator;
  /** Chunks in flight at once. */
  window: number;
  wirePool?: BufferPool;
  /** Give up (E_TIMEOUT) after this long without the staged length growing, ms. */
  stallMs: number;
  onProgress?: (ackedBytes: number) => void;
  /** Counts chunk sends. */
  onSend?: () => void;
}

interface InFlight {
  start: number;
  end: number;
  /** Rewinds before this chunk was sent; only chunks of the current epoch may rewind or time out the pump. */
  epoch: number;
  sentAtMs: number;
}

/** Resolves once the device has staged all of `bytes`; rejects on a device error, a closed link or a stall. */
export function pumpChunks(rpc: RpcClient, bytes: Buffer, start: number, o: PumpOptions): Promise<void> {
  const total = bytes.length;
  return new Promise<void>((resolve, reject) => {
    let acked = start;
    let sendAt = start;
    let epoch = 0;
    let current = 0; // chunks of the current epoch in flight
    let done = false;
    let progressAtMs = performance.now();
    const finish = (e?: unknown) => {
      if (done) return;
      done = true;
      clearInterval(watchdog);
      if (e) reject(e); else resolve();
    };
    // A stall with nothing in flight cannot happen (every send ends in an answer or a timeout); this is the bound.
    const watchdog = setInterval(() => {
      if (performance.now() - progressAtMs > o.stallMs) {
        finish(new RanasError('E_TIMEOUT', `flash stalled at ${acked} of ${total} bytes: no progress for ${o.stallMs} ms (timeout ${Math.round(o.rtt.timeoutMs)} ms)`));
      }
    }, Math.min(1000, o.stallMs));

    const rewind = (to: number) => {
      epoch++;
      current = 0;
      sendAt = Math.max(to, acked);
      o.sizer.record(true);
    };

    const onAck = (c: InFlight, ack: FlashAckMsg) => {
      if (c.epoch === epoch) current--;
      o.rtt.sample(performance.now() - c.sentAtMs);
      if (ack.nextOffset > acked) {
        acked = ack.nextOffset;
        progressAtMs = performance.now();
        o.onProgress?.(acked);
      }
      if (acked >= total) { finish(); return; }
      if (ack.nextOffset >= c.end) o.sizer.record(false);
      else if (c.epoch === epoch) rewind(ack.nextOffset); // a gap before this chunk: go back now
      fill();
    };

    const onFail = (c: InFlight, e: unknown) => {
      if (done) return;
      if (c.epoch === epoch) current--;
      if (!isRanasError(e, 'E_TIMEOUT')) { finish(e); return; }
      if (c.epoch === epoch) {
        o.rtt.backOff();
        rewind(acked);
      }
      fill();
    };

    const fill = () => {
      if (done) return;
      if (sendAt < acked) sendAt = acked;
      while (current < o.window && sendAt < total) {
        const c: InFlight = { start: sendAt, end: Math.min(sendAt + o.sizer.bytes, total), epoch, sentAtMs: performance.now() };
        sendAt = c.end;
        current++;
        o.onSend?.();
        rpc.request('flashChunk', { offset: c.start, data: bytes.subarray(c.start, c.end) }, { timeoutMs: o.rtt.timeoutMs, attempts: 1, wirePool: o.wirePool })
          .then((ack) => { if (!done) onAck(c, ack); }, (e: unknown) => onFail(c, e));
      }
    };

    o.onProgress?.(acked);
    if (acked >= total) finish(); else fill();
  });
}
