/**
 * Measures the next items of an op pack (ProfileOps): op models with the op profiler (`../op-profiler.ts`:
 * chunks of 16, round-robin rounds, median of the rounds' p50s), whole bundles with `profileBundle` (a scratch
 * agent, never the active bundle). Items whose bit is set in `done` are skipped; measuring stops once `maxMs`
 * has passed after an item or chunk, so each answer comes in bounded time and the agent serves inference
 * requests in between.
 */
import type { BundleRuntime } from '../../src/bundle-format/manifest.ts';
import { RanasError } from '../../src/errors.ts';
import { isDone, type OpPackBundleItem, type OpPackOpItem } from '../../src/bundle-format/op-pack.ts';
import type { OpLatencyMsg, OpProfileMsg, ProfileOpsMsg } from '../../firmware-bridge/messages.ts';
import { DEFAULT_OP_CHUNK, profileOpModels } from '../op-profiler.ts';
import type { Runtime } from '../runtimes/runtime.ts';
import type { Clock } from '../scheduler/clock.ts';
import type { OpPack } from './op-pack-store.ts';

/** Longest a ProfileOps request may ask to measure for, ms (the link's retry timers wait for the answer). */
export const MAX_PROFILE_OPS_MS = 10_000;
/** Most runtime threads a ProfileOps request may ask for (a peer cannot make the agent start hundreds). */
export const MAX_PROFILE_OPS_THREADS = 64;

/** One segment's measured latency. */
export interface SegmentTiming {
  p50Us: number;
  p99Us: number;
  runs: number;
}

export interface OpPackProfilerOptions {
  /** The runtime of the pack's kind with `threads` CPU threads. */
  runtime: (kind: BundleRuntime, threads: number) => Runtime;
  /** Profiles a bundle tar (bytes) with a scratch agent; one timing per segment. */
  profileBundle: (tar: Uint8Array, o: { threads: number; runs: number }) => Promise<SegmentTiming[]>;
  clock: Clock;
  deviceName: string;
  /** Threads when the request says 0. */
  defaultThreads: number;
}

/** Measures the next not-done items of `pack` for about `req.maxMs`. */
export async function profileOpPack(pack: OpPack, req: ProfileOpsMsg, o: OpPackProfilerOptions): Promise<OpProfileMsg> {
  const { manifest } = pack;
  if (req.threads > MAX_PROFILE_OPS_THREADS) {
    throw new RanasError('E_BAD_REQUEST', `profileOps asks for ${req.threads} runtime threads; expected 0 (the agent's) to ${MAX_PROFILE_OPS_THREADS}`);
  }
  const threads = req.threads > 0 ? req.threads : o.defaultThreads;
  const maxMs = Math.min(Math.max(req.maxMs, 1), MAX_PROFILE_OPS_MS);
  const todo = manifest.items.map((it, i) => ({ it, i })).filter(({ i }) => !isDone(req.done, i));
  const started = o.clock.nowUs();
  const entries: OpLatencyMsg[] = [];
  const measured = new Set<number>();
  let runtime: Runtime | undefined;
  for (let at = 0; at < todo.length && (measured.size === 0 || (o.clock.nowUs() - started) / 1000 < maxMs);) {
    const first = todo[at];
    if (first.it.kind === 'bundle') {
      const item: OpPackBundleItem = first.it;
      const timings = await o.profileBundle(pack.files.get(item.file) ?? new Uint8Array(), { threads, runs: manifest.bundleRuns });
      timings.forEach((t, k) => { if (k < item.keys.length) entries.push({ item: first.i, key: item.keys[k], part: item.part, ...t }); });
      measured.add(first.i);
      at++;
      continue;
    }
    // A chunk of consecutive op items, measured together (round-robin), as the local profiler does.
    const chunk: { it: OpPackOpItem; i: number }[] = [];
    while (at < todo.length && chunk.length < DEFAULT_OP_CHUNK) {
      const next = todo[at];
      if (next.it.kind !== 'op') break;
      chunk.push({ it: next.it, i: next.i });
      at++;
    }
    runtime ??= o.runtime(manifest.runtime, threads);
    const models = chunk.map(({ it }) => ({ key: it.key, part: it.part, bytes: pack.files.get(it.file) ?? new Uint8Array(), inputs: it.inputs, outputs: it.outputs }));
    const done = await profileOpModels(models, { runtime, clock: o.clock, warmups: manifest.warmups, runs: manifest.runs, chunk: DEFAULT_OP_CHUNK });
    done.forEach((e, j) => { entries.push({ item: chunk[j].i, key: e.key, part: e.part, p50Us: e.p50Us, p99Us: e.p99Us, runs: e.runs }); measured.add(chunk[j].i); });
  }
  return { entries, remaining: todo.length - measured.size, device: o.deviceName, runtime: manifest.runtime, threads, items: manifest.items.length };
}
