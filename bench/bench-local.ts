/**
 * `ranas device bench` with a local agent: loads a bundle folder into a throw-away store, profiles it,
 * and measures
 * - per-exit latency: each segment's p50/p99 and the cumulative time to each exit (full-path requests);
 * - per budget: deadline miss rate (answers later than the budget) and what the misses were, over-budget
 *   rate, exits chosen, total latency p50/p99, and top-1 accuracy when labelled images are given;
 *   the default budgets are spread between exit 1's predicted p99 cost (input + segment 0 + answer) and
 *   the full path's (input + every segment + answer), from the profile;
 * - agent overhead: the agent's full-path time (tensor input, and raw uint8 image input) against the raw
 *   interpreter invokes of the same segments (input already in the model's dtype; hand-off copies only),
 *   interleaved run by run so machine load affects both alike; the monolithic model's invoke when the
 *   bundle has one (chained / monolithic ratio);
 * - RSS over the budget runs, in steady state: after a warm-up of requests (same budget mix) and a GC, a
 *   baseline, then a sample every `rssSampleEvery` requests and at the end, each after a full GC when node
 *   runs with --expose-gc.
 * Times are µs from process.hrtime.bigint().
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ImageDataset } from '../src/data/types.ts';
import { createAgent, type Agent } from '../device/agent.ts';
import type { AnytimeAnswer } from '../device/scheduler/run-anytime.ts';
import { quantile } from '../device/profiler.ts';
import { inputGeometry, makePreprocessor } from '../device/scheduler/preprocess.ts';
import { hrClock } from '../device/scheduler/clock.ts';
import { DEFAULT_SAFETY_FACTOR } from '../device/scheduler/policy.ts';
import type { InferPolicy } from '../src/bundle-format/policy.ts';
import { onnxRuntime } from '../device/runtimes/onnx-runtime.ts';
import { tfliteRuntime } from '../device/runtimes/tflite-runtime.ts';
import { TYPED_ARRAY, elementCount, type LoadedSegment, type Runtime } from '../device/runtimes/runtime.ts';
import type { BundleManifest } from '../src/bundle-format/manifest.ts';
import { RanasError } from '../src/errors.ts';

export interface BenchLocalOptions {
  /** Requests per budget (default 1000). */
  requests?: number;
  /** Budgets to measure, µs (default: `budgetCount` spread between exit 1's p99 and the full path's p99). */
  budgetsUs?: number[];
  /** Number of spread budgets when `budgetsUs` is not given (default 5). */
  budgetCount?: number;
  /** Labelled images (uint8 HWC of the model's size) for accuracy per budget. */
  data?: Pick<ImageDataset, 'images' | 'labels' | 'count' | 'height' | 'width' | 'channels'>;
  policy?: InferPolicy;
  threads?: number;
  /** Runs of the interleaved overhead measurement (default 1000). */
  overheadRuns?: number;
  profile?: { warmups?: number; runs?: number };
  safetyFactor?: number;
  /** Live p99 tracking in the agent (default true). */
  adaptive?: boolean;
  /** Requests (cycling through the budgets) run before the RSS baseline (at least; default 1000). */
  rssWarmupRequests?: number;
  /**
   * Least warm-up time before the RSS baseline, ms (default 15,000). V8 sizes its young generation by
   * the allocation rate and its memory reducer releases pages seconds after a full GC: on a ~100 MB
   * process that moved RSS by 6-8 % in the first seconds of a run, with the JS heap in use flat.
   */
  rssWarmupMs?: number;
  /** Requests between RSS samples during the budget runs (default 500). */
  rssSampleEvery?: number;
  deviceName?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface ExitLatencyRow {
  exit: number;
  segmentP50Us: number;
  segmentP99Us: number;
  /** From request arrival to this exit's answer, over full-path requests. */
  cumulativeP50Us: number;
  cumulativeP99Us: number;
}

export interface BudgetRow {
  budgetUs: number;
  requests: number;
  /** Fraction of answers later than the budget. */
  missRate: number;
  /** Fraction of answers later than the budget among requests not flagged over budget. */
  missRateInBudget: number;
  /**
   * Misses by what overran: `forced` = answered at exit 1, which always runs (segment 0 or the input
   * phase ran long, or the budget was below exit 1's cost); `segment` = a later segment the scheduler chose
   * ran longer than safety × its profiled p99; `outside` = neither (answer phase, or time between segments).
   */
  missCauses: Record<MissCause, number>;
  /** Fraction of requests flagged over budget (budget below exit 1's predicted cost). */
  overBudgetRate: number;
  /** Answers per exit. */
  exitCounts: number[];
  meanExit: number;
  totalP50Us: number;
  totalP99Us: number;
  /** Top-1 accuracy (0..1) when data was given. */
  accuracy: number | null;
}

export interface OverheadRow {
  runs: number;
  /** Raw invokes of every segment (hand-off copies included), p50. */
  rawChainP50Us: number;
  /** Agent full path with an input tensor already in the model dtype, p50. */
  agentTensorP50Us: number;
  /** Agent full path from a raw uint8 image (normalise + quantise included), p50. */
  agentImageP50Us: number;
  /** (agentTensor - raw) / raw at the median, %. */
  overheadPct: number;
  imageOverheadPct: number;
  /**
   * Within the same requests: the agent's own time (total minus its segments' time: preprocessing,
   * softmax, policy, answer) over the segments' time, at the median, %. Immune to load drift between runs.
   */
  pairedOverheadPct: number;
  agentOwnP50Us: number;
  /** Monolithic model single invoke, p50 (null when the bundle has none). */
  monolithicP50Us: number | null;
  /** rawChain / monolithic at the median. */
  chainedOverMonolithic: number | null;
}

/** What made an answer late (see BudgetRow.missCauses). */
export type MissCause = 'forced' | 'segment' | 'outside';

/** RSS (and V8 heap) over the budget runs; every sample after a full GC when gc is exposed. */
export interface RssReport {
  /** Requests run before the baseline (same budget mix, same GC cadence), and for how long, ms. */
  warmupRequests: number;
  warmupMs: number;
  /** Requests measured after the baseline. */
  requests: number;
  startBytes: number;
  endBytes: number;
  minBytes: number;
  maxBytes: number;
  /** Every sample, bytes, in order (baseline first, end last): the shape of any drift. */
  samplesBytes: number[];
  /** (end - start) / start, %. */
  changePct: number;
  /** Largest |sample - start| / start, %. */
  maxDeviationPct: number;
  /** V8 heap in use at the baseline and at the end (a JS leak shows here first). */
  heapStartBytes: number;
  heapEndBytes: number;
  /** V8 heap reserved (young generation included) at the baseline and at the end: RSS - this is native memory. */
  heapTotalStartBytes: number;
  heapTotalEndBytes: number;
  /** ArrayBuffer bytes (typed arrays, Buffers) at the baseline and at the end. */
  arrayBuffersStartBytes: number;
  arrayBuffersEndBytes: number;
  gcBeforeSamples: boolean;
}

export interface BenchLocalReport {
  bundle: { name: string; runtime: string; precision: string; segments: number };
  device: string;
  threads: number;
  profile: { p50Us: number; p99Us: number }[];
  /** Profiled p50/p99 of the request phases outside the segments, µs. */
  requestOverhead: { inputP50Us: number; inputP99Us: number; answerP50Us: number; answerP99Us: number };
  /** The budget spread's ends: exit 1's and the full path's predicted p99, µs. */
  exitOneCostUs: number;
  fullPathCostUs: number;
  safetyFactor: number;
  exits: ExitLatencyRow[];
  budgets: BudgetRow[];
  overhead: OverheadRow;
  rss: RssReport;
}

const RUNTIME: Record<BundleManifest['runtime'], (threads: number) => Runtime> = {
  tflite: (threads) => tfliteRuntime({ threads }),
  onnx: (threads) => onnxRuntime({ threads }),
};

/** Pause after a GC, ms: V8 sweeps and frees ArrayBuffer memory on background threads after it returns. */
const GC_SETTLE_MS = 20;

/** Memory use after a full garbage collection when `gc` is exposed (node --expose-gc), and a short pause. */
async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  const gc: unknown = Reflect.get(globalThis, 'gc');
  if (typeof gc === 'function') {
    Reflect.apply(gc, globalThis, []);
    await new Promise((resolve) => setTimeout(resolve, GC_SETTLE_MS));
  }
  return process.memoryUsage();
}

/** Why a late answer was late, from its measured segment times and the profiled p99s. */
export function missCause(a: Pick<AnytimeAnswer, 'exitIndex' | 'segmentLatencyUs'>, p99Us: readonly number[], safetyFactor: number): MissCause {
  if (a.exitIndex === 0) return 'forced';
  return a.segmentLatencyUs.some((t, k) => k > 0 && t > safetyFactor * p99Us[k]) ? 'segment' : 'outside';
}

/** `n` budgets evenly spread over [lo, hi]. */
export function spreadBudgets(loUs: number, hiUs: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? loUs : loUs + ((hiUs - loUs) * i) / (n - 1)));
}

function imageAt(data: BenchLocalOptions['data'], i: number, fallback: Uint8Array): { image: Uint8Array; label: number } {
  if (!data || data.count === 0) return { image: fallback, label: -1 };
  const size = data.height * data.width * data.channels;
  const k = i % data.count;
  return { image: data.images.subarray(k * size, (k + 1) * size), label: data.labels[k] };
}

async function overhead(agent: Agent, bundleDir: string, manifest: BundleManifest, image: Uint8Array, o: BenchLocalOptions): Promise<OverheadRow> {
  const active = agent.active();
  if (!active) throw new RanasError('E_NO_BUNDLE', 'no active bundle');
  const { chain } = active;
  const runs = o.overheadRuns ?? 1000;
  const g = inputGeometry(manifest.input);
  const tensor = TYPED_ARRAY[manifest.input.dtype](elementCount(manifest.input.shape));
  makePreprocessor(manifest.input).write(image, [g.height, g.width, g.channels], tensor);
  const tensorInput = tensor instanceof Int8Array || tensor instanceof Float32Array ? tensor : Float32Array.from(tensor);
  let mono: LoadedSegment | undefined;
  if (manifest.monolithic) {
    const bytes = fs.readFileSync(path.join(bundleDir, manifest.monolithic.file));
    mono = await RUNTIME[manifest.runtime](o.threads ?? 1).load(bytes, { inputs: manifest.segments[0].inputs.slice(0, 1), outputs: manifest.monolithic.outputs });
    mono.inputs[0].set(tensor);
  }
  const raw: number[] = [];
  const viaTensor: number[] = [];
  const viaImage: number[] = [];
  const monoTimes: number[] = [];
  const shape = [g.height, g.width, g.channels];
  const own: number[] = [];
  const segSums: number[] = [];
  const rawChain = async () => {
    const t0 = hrClock.nowUs();
    chain.segments[0].inputs[0].set(tensor);
    for (let k = 0; k < chain.segments.length; k++) {
      chain.feed(k);
      await chain.segments[k].run();
    }
    return hrClock.nowUs() - t0;
  };
  const viaAgent = () => agent.run({ input: tensorInput, shape: manifest.input.shape, budgetUs: 1e12, policy: 'deadline' });
  for (let r = -Math.min(50, runs); r < runs; r++) {
    // Alternate which goes first, so cache state and load drift favour neither.
    let tRaw: number;
    let a: AnytimeAnswer;
    if (r % 2 === 0) {
      tRaw = await rawChain();
      a = await viaAgent();
    } else {
      a = await viaAgent();
      tRaw = await rawChain();
    }
    const b = await agent.run({ input: image, shape, budgetUs: 1e12, policy: 'deadline' });
    let tm = 0;
    if (mono) {
      const m0 = hrClock.nowUs();
      await mono.run();
      tm = hrClock.nowUs() - m0;
    }
    if (r < 0) continue;
    raw.push(tRaw);
    viaTensor.push(a.totalUs);
    viaImage.push(b.totalUs);
    const segSum = a.segmentLatencyUs.reduce((x, y) => x + y, 0);
    segSums.push(segSum);
    own.push(a.totalUs - segSum);
    if (mono) monoTimes.push(tm);
  }
  await mono?.dispose();
  const med = (v: number[]) => quantile([...v].sort((x, y) => x - y), 0.5);
  const rawP50 = med(raw);
  const monoP50 = mono ? med(monoTimes) : null;
  return {
    runs,
    rawChainP50Us: rawP50,
    agentTensorP50Us: med(viaTensor),
    agentImageP50Us: med(viaImage),
    overheadPct: (100 * (med(viaTensor) - rawP50)) / rawP50,
    imageOverheadPct: (100 * (med(viaImage) - rawP50)) / rawP50,
    pairedOverheadPct: (100 * med(own)) / med(segSums),
    agentOwnP50Us: med(own),
    monolithicP50Us: monoP50,
    chainedOverMonolithic: monoP50 ? rawP50 / monoP50 : null,
  };
}

/** Benchmarks the bundle folder `bundleDir` with a local agent. */
export async function benchLocal(bundleDir: string, o: BenchLocalOptions = {}): Promise<BenchLocalReport> {
  const log = o.log ?? (() => {});
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-bench-store-'));
  const threads = o.threads ?? 1;
  const agent = await createAgent({ bundleDir: storeDir, threads, profile: o.profile, safetyFactor: o.safetyFactor, adaptive: o.adaptive, deviceName: o.deviceName });
  try {
    const bundle = await agent.install(bundleDir);
    const manifest = bundle.manifest;
    const active = agent.active();
    if (!active) throw new RanasError('E_NO_BUNDLE', 'bundle did not activate');
    const profile = active.profile.segments;
    log(`profiled: ${profile.map((s, k) => `seg${k} p50 ${s.p50Us.toFixed(0)} µs p99 ${s.p99Us.toFixed(0)} µs`).join(', ')}`);
    const g = inputGeometry(manifest.input);
    const blank = Uint8Array.from({ length: g.height * g.width * g.channels }, (_, i) => (i * 37) & 255);
    const shape = [g.height, g.width, g.channels];
    const requests = o.requests ?? 1000;

    // Per-exit cumulative latency over full-path requests.
    const cumulative: number[][] = manifest.segments.map(() => []);
    for (let i = 0; i < Math.min(requests, 1000); i++) {
      const a = await agent.run({ input: imageAt(o.data, i, blank).image, shape, budgetUs: 1e12, policy: 'deadline' });
      let sum = a.totalUs - a.segmentLatencyUs.reduce((x, y) => x + y, 0); // preprocessing + scheduling
      a.segmentLatencyUs.forEach((t, k) => { sum += t; cumulative[k].push(sum); });
    }
    const exits: ExitLatencyRow[] = manifest.segments.map((_, k) => {
      const sorted = [...cumulative[k]].sort((x, y) => x - y);
      return { exit: k, segmentP50Us: profile[k].p50Us, segmentP99Us: profile[k].p99Us, cumulativeP50Us: quantile(sorted, 0.5), cumulativeP99Us: quantile(sorted, 0.99) };
    });

    const p99 = profile.map((s) => s.p99Us);
    const requestOverhead = active.profile.overhead;
    if (!requestOverhead) throw new RanasError('E_INTERNAL', 'the agent profiled no request overhead');
    const fixedP99Us = requestOverhead.input.p99Us + requestOverhead.answer.p99Us;
    const exitOneCostUs = fixedP99Us + p99[0];
    const fullPathCostUs = fixedP99Us + p99.reduce((x, y) => x + y, 0);
    const budgetsUs = o.budgetsUs ?? spreadBudgets(exitOneCostUs, fullPathCostUs, o.budgetCount ?? 5);
    const safetyFactor = o.safetyFactor ?? DEFAULT_SAFETY_FACTOR;
    const policy = o.policy ?? 'deadline';

    // RSS warm-up: the same budget mix and GC cadence as the measured runs, for at least
    // rssWarmupRequests requests and rssWarmupMs, so the baseline is taken in steady state.
    const rssEvery = o.rssSampleEvery ?? 500;
    const warmupStart = hrClock.nowUs();
    const warmupMs = o.rssWarmupMs ?? 15_000;
    let warmupRequests = 0;
    while (warmupRequests < (o.rssWarmupRequests ?? 1000) || hrClock.nowUs() - warmupStart < 1000 * warmupMs) {
      await agent.run({ input: imageAt(o.data, warmupRequests, blank).image, shape, budgetUs: budgetsUs[warmupRequests % budgetsUs.length], policy });
      if (++warmupRequests % rssEvery === 0) await settledMemory();
    }
    const memStart = await settledMemory();
    const warmupTookMs = (hrClock.nowUs() - warmupStart) / 1000;
    const rssSamples: number[] = [memStart.rss];
    const budgets: BudgetRow[] = [];
    let served = 0;
    for (const budgetUs of budgetsUs) {
      let missed = 0;
      let missedInBudget = 0;
      let over = 0;
      let correct = 0;
      const missCauses: Record<MissCause, number> = { forced: 0, segment: 0, outside: 0 };
      const exitCounts = manifest.segments.map(() => 0);
      const totals: number[] = [];
      for (let i = 0; i < requests; i++) {
        const { image, label } = imageAt(o.data, served, blank);
        const a = await agent.run({ input: image, shape, budgetUs, policy });
        served++;
        if (!a.met) {
          missed++;
          if (!a.overBudget) missedInBudget++;
          missCauses[missCause(a, p99, safetyFactor)]++;
        }
        if (a.overBudget) over++;
        if (a.classIndex === label) correct++;
        exitCounts[a.exitIndex]++;
        totals.push(a.totalUs);
        if (served % rssEvery === 0) rssSamples.push((await settledMemory()).rss);
      }
      totals.sort((x, y) => x - y);
      budgets.push({
        budgetUs,
        requests,
        missRate: missed / requests,
        missRateInBudget: over < requests ? missedInBudget / (requests - over) : 0,
        missCauses,
        overBudgetRate: over / requests,
        exitCounts,
        meanExit: exitCounts.reduce((s, n, k) => s + n * k, 0) / requests,
        totalP50Us: quantile(totals, 0.5),
        totalP99Us: quantile(totals, 0.99),
        accuracy: o.data ? correct / requests : null,
      });
      log(`budget ${budgetUs.toFixed(0)} µs (RSS ${((rssSamples.at(-1) ?? 0) / 2 ** 20).toFixed(1)} MiB): miss ${(100 * missed / requests).toFixed(2)} % (${Object.entries(missCauses).map(([c, n]) => `${c} ${n}`).join(', ')}), mean exit ${budgets.at(-1)?.meanExit.toFixed(2)}`);
    }
    const memEnd = await settledMemory();
    rssSamples.push(memEnd.rss);
    const rssStart = memStart.rss;
    const pct = (x: number) => (100 * (x - rssStart)) / rssStart;
    const rss: RssReport = {
      warmupRequests,
      warmupMs: warmupTookMs,
      requests: served,
      startBytes: rssStart,
      endBytes: memEnd.rss,
      minBytes: Math.min(...rssSamples),
      maxBytes: Math.max(...rssSamples),
      samplesBytes: rssSamples,
      changePct: pct(memEnd.rss),
      maxDeviationPct: Math.max(...rssSamples.map((x) => Math.abs(pct(x)))),
      heapTotalStartBytes: memStart.heapTotal,
      heapTotalEndBytes: memEnd.heapTotal,
      heapStartBytes: memStart.heapUsed,
      heapEndBytes: memEnd.heapUsed,
      arrayBuffersStartBytes: memStart.arrayBuffers,
      arrayBuffersEndBytes: memEnd.arrayBuffers,
      gcBeforeSamples: typeof Reflect.get(globalThis, 'gc') === 'function',
    };
    log(`RSS ${(rssStart / 2 ** 20).toFixed(1)} → ${(memEnd.rss / 2 ** 20).toFixed(1)} MiB (${rss.changePct.toFixed(2)} %), heap ${(memStart.heapUsed / 2 ** 20).toFixed(1)} → ${(memEnd.heapUsed / 2 ** 20).toFixed(1)} MiB`);
    const over = await overhead(agent, bundleDir, manifest, imageAt(o.data, 0, blank).image, o);
    log(`overhead: raw ${over.rawChainP50Us.toFixed(1)} µs, agent ${over.agentTensorP50Us.toFixed(1)} µs (${over.overheadPct.toFixed(2)} %)`);
    const info = await agent.info();
    return {
      bundle: { name: manifest.model.name, runtime: manifest.runtime, precision: manifest.precision, segments: manifest.segments.length },
      device: info.deviceName,
      threads,
      profile: profile.map((s) => ({ p50Us: s.p50Us, p99Us: s.p99Us })),
      requestOverhead: { inputP50Us: requestOverhead.input.p50Us, inputP99Us: requestOverhead.input.p99Us, answerP50Us: requestOverhead.answer.p50Us, answerP99Us: requestOverhead.answer.p99Us },
      exitOneCostUs,
      fullPathCostUs,
      safetyFactor,
      exits,
      budgets,
      overhead: over,
      rss,
    };
  } finally {
    await agent.close();
    fs.rmSync(storeDir, { recursive: true, force: true });
  }
}
