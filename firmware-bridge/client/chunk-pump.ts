/**
 * Sends a bundle's bytes as flash chunks with selective repeat: chunks stream out back to back, up to `window`
 * chunks and `windowBytes` bytes in flight. Every answer carries the device's staged length; a chunk that
 * arrives after a lost one is held by the device (`held`), so its answer shows the gap at once and only the
 * gap is resent — no waiting for a timeout, no resending what arrived. The link is first in, first out, so
 * when a chunk's answer shows a gap, every unanswered send of a range in that gap made before that chunk is
 * lost. A chunk the device did not hold (its memory bound) is resent with the gap (go-back-N). A send whose
 * answer does not come within the retransmission timeout (RttEstimator, plus the wire time of the bytes queued
 * ahead of it on a serial line) is resent, and the timeout doubles. The ChunkSizer hears of every clean answer
 * and every loss. Gives up with E_TIMEOUT after `stallMs` without the staged length growing.
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
  /** Chunks in flight at once, at most. */
  window: number;
  /** Bytes in flight at once, at most (at least two chunks are always allowed). */
  windowBytes: number;
  /** Time `bytes` take on the wire, ms (0 when the line rate is unknown). */
  wireMs: (bytes: number) => number;
  wirePool?: BufferPool;
  /** Give up (E_TIMEOUT) after this long without the staged length growing, ms. */
  stallMs: number;
  onProgress?: (ackedBytes: number) => void;
  /** Counts chunk sends. */
  onSend?: () => void;
}

/** One send of the byte range [start, end). */
interface Send {
  start: number;
  end: number;
  /** Order of sends (the link keeps it). */
  serial: number;
  sentAtMs: number;
  /** Wire time of the bytes in flight when it was sent, itself included, ms. */
  wireAheadMs: number;
  /** Answered, declared lost, or passed by the staged length: no longer in flight. */
  settled: boolean;
}

/** Resolves once the device has staged all of `bytes`; rejects on a device error, a closed link or a stall. */
export function pumpChunks(rpc: RpcClient, bytes: Buffer, start: number, o: PumpOptions): Promise<void> {
  const total = bytes.length;
  return new Promise<void>((resolve, reject) => {
    let acked = start;
    let sendAt = start; // first byte never sent
    let serial = 0;
    let done = false;
    let progressAtMs = performance.now();
    const inFlight = new Set<Send>();
    let inFlightBytes = 0;
    /** Ranges to send again, in offset order. */
    let lost: { start: number; end: number }[] = [];
    /** Ranges the device holds beyond `acked`. */
    const held: { start: number; end: number }[] = [];

    const finish = (e?: unknown) => {
      if (done) return;
      done = true;
      clearInterval(watchdog);
      if (e) reject(e); else resolve();
    };
    const watchdog = setInterval(() => {
      if (performance.now() - progressAtMs > o.stallMs) {
        finish(new RanasError('E_TIMEOUT', `flash stalled at ${acked} of ${total} bytes: no progress for ${o.stallMs} ms (timeout ${Math.round(o.rtt.timeoutMs)} ms)`));
      }
    }, Math.min(1000, o.stallMs));

    const settle = (s: Send) => {
      if (s.settled) return;
      s.settled = true;
      inFlight.delete(s);
      inFlightBytes -= s.end - s.start;
    };
    const isHeld = (a: number, b: number) => held.some((h) => h.start <= a && b <= h.end);
    const addLost = (s: Send) => {
      const from = Math.max(s.start, acked);
      if (from < s.end && !isHeld(from, s.end)) lost.push({ start: from, end: s.end });
    };
    const markLost = (s: Send) => {
      settle(s);
      addLost(s);
    };

    const onAck = (s: Send, ack: FlashAckMsg) => {
      const wasInFlight = !s.settled;
      settle(s);
      o.rtt.sample(Math.max(0, performance.now() - s.sentAtMs - s.wireAheadMs));
      if (ack.nextOffset > acked) {
        acked = ack.nextOffset;
        progressAtMs = performance.now();
        o.onProgress?.(acked);
        lost = lost.filter((r) => r.end > acked).map((r) => ({ start: Math.max(r.start, acked), end: r.end }));
        for (let i = held.length - 1; i >= 0; i--) if (held[i].end <= acked) held.splice(i, 1);
      }
      if (acked >= total) { finish(); return; }
      if (ack.nextOffset >= s.end || ack.held) o.sizer.record(false);
      if (ack.held) held.push({ start: s.start, end: s.end });
      if (ack.nextOffset < s.end && (s.start > ack.nextOffset || !ack.held)) {
        // A gap before this chunk (or this chunk dropped): earlier unanswered sends into it are lost.
        let losses = 0;
        for (const other of [...inFlight]) {
          if (other.serial < s.serial && other.end > ack.nextOffset) { markLost(other); losses++; }
        }
        if (!ack.held && wasInFlight) { addLost(s); losses++; }
        if (losses > 0) o.sizer.record(true);
        // Bytes in the gap never covered by an unanswered send (a resend of them was lost): send again.
        const gapEnd = ack.held ? s.start : s.end;
        if (!coveredBy(ack.nextOffset, gapEnd, [...inFlight, ...lost, ...held])) {
          lost.push(...uncovered(ack.nextOffset, gapEnd, [...inFlight, ...lost, ...held]));
        }
      }
      fill();
    };

    const onFail = (s: Send, e: unknown) => {
      if (done) return;
      if (!isRanasError(e, 'E_TIMEOUT')) { finish(e); return; }
      if (!s.settled) {
        o.rtt.backOff();
        o.sizer.record(true);
        markLost(s);
      }
      fill();
    };

    const send = (startAt: number, endAt: number) => {
      const wireAheadMs = o.wireMs(inFlightBytes + endAt - startAt);
      const s: Send = { start: startAt, end: endAt, serial: serial++, sentAtMs: performance.now(), wireAheadMs, settled: false };
      inFlight.add(s);
      inFlightBytes += endAt - startAt;
      o.onSend?.();
      rpc.request('flashChunk', { offset: startAt, data: bytes.subarray(startAt, endAt) }, { timeoutMs: o.rtt.timeoutMs + wireAheadMs, attempts: 1, wirePool: o.wirePool })
        .then((ack) => { if (!done) onAck(s, ack); }, (e: unknown) => onFail(s, e));
    };

    const room = () => inFlight.size < o.window && (inFlight.size < 2 || inFlightBytes + o.sizer.bytes <= o.windowBytes);

    const fill = () => {
      if (done) return;
      lost.sort((a, b) => a.start - b.start);
      while (room() && lost.length > 0) {
        const r = lost[0];
        const from = r.start;
        const end = Math.min(r.end, from + o.sizer.bytes);
        if (end >= r.end) lost.shift(); else r.start = end;
        if (!isHeld(from, end)) send(from, end);
      }
      if (sendAt < acked) sendAt = acked;
      while (room() && lost.length === 0 && sendAt < total) {
        const end = Math.min(sendAt + o.sizer.bytes, total);
        const from = sendAt;
        sendAt = end;
        send(from, end);
      }
    };

    o.onProgress?.(acked);
    if (acked >= total) finish(); else fill();
  });
}

/** True when [a, b) lies inside the union of `ranges`. */
function coveredBy(a: number, b: number, ranges: { start: number; end: number }[]): boolean {
  return uncovered(a, b, ranges).length === 0;
}

/** The parts of [a, b) outside the union of `ranges`. */
function uncovered(a: number, b: number, ranges: { start: number; end: number }[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let at = a;
  for (const r of [...ranges].sort((x, y) => x.start - y.start)) {
    if (r.end <= at) continue;
    if (r.start >= b) break;
    if (r.start > at) out.push({ start: at, end: Math.min(r.start, b) });
    at = Math.max(at, r.end);
    if (at >= b) break;
  }
  if (at < b) out.push({ start: at, end: b });
  return out;
}
