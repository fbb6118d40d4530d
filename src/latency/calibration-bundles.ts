/**
 * The calibration the predictor's correction is fitted on: a few random networks (`CALIBRATION_SEEDS`,
 * disjoint from any benchmark's), exported as int8 bundles by the real export pipeline and profiled by a
 * local agent — the same code, hand-off copies and scheduler path the device measures segments with, so the
 * correction absorbs exactly what the op sums leave out. Their entries are `calibration|seed=S|segment=K`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BundleRuntime } from '../bundle-format/manifest.ts';
import type { LatencyEntry } from '../bundle-format/latency-table.ts';
import { RanasError } from '../errors.ts';
import { syntheticDataset } from '../data/synthetic.ts';
import { buildMsRanas, type MsRanasConfig } from '../model/ms-ranas.ts';
import { randomGenotype } from '../model/random-genotype.ts';
import { exportModel } from '../../converters/export.ts';
import { createAgent } from '../../device/agent.ts';
import { medianSegmentTimings } from '../../device/op-packs/bundle-latency.ts';
import { calibrationKeys } from './op-models.ts';

/** Images the calibration bundles are quantised on (their values do not change latency). */
const CALIB_DATA = {
  train: syntheticDataset({ count: 16, seed: 1 }),
  test: syntheticDataset({ count: 4, seed: 2 }),
  name: 'synthetic',
  source: 'synthetic images (latency does not depend on the values)',
};

/** Options of `profileNetworkBundle`. */
export interface NetworkProfileOptions {
  runtime: BundleRuntime;
  threads: number;
  runs?: number;
  warmups?: number;
  /** Profiles taken (the agent's profile, then `repeats − 1` re-measurements); each segment keeps the median p50 (default 3). */
  repeats?: number;
}

/** Options of `profileBundlesInPasses`: rounds, and other work done before each (`profileOps`: a share of the op models). */
export interface PassesOptions extends NetworkProfileOptions {
  passes: number;
  /**
   * Keep taking rounds after `passes` until this many minutes have passed since the first round began (default 0):
   * the median is then the device's speed over that time, not over one moment of it.
   */
  minMinutes?: number;
  /** Run before round `round` (0-based) starts; the rounds are spread over whatever it measures. */
  beforeRound?: (round: number) => Promise<void>;
  /** Milliseconds now (default `Date.now`; tests). */
  now?: () => number;
}

/** Exports `graph` as an int8 bundle of `runtime` under `workDir` (synthetic calibration images of its input size); returns the bundle folder. */
export async function exportLatencyBundle(graph: Parameters<typeof exportModel>[0], runtime: BundleRuntime, workDir: string): Promise<string> {
  const [height, width, channels] = graph.inputs[0].shape;
  const data = height === 32 && width === 32 && channels === 3 ? CALIB_DATA : {
    ...CALIB_DATA,
    train: syntheticDataset({ count: 16, seed: 1, height, width, channels }),
    test: syntheticDataset({ count: 4, seed: 2, height, width, channels }),
  };
  const report = await exportModel(graph, { outDir: workDir, formats: [runtime], int8: true, calibImages: 8, target: 'generic', floatIo: false, evalImages: 0, data });
  const bundle = report.bundles.find((b) => b.precision === 'int8');
  if (!bundle) throw new RanasError('E_INTERNAL', `export of ${graph.name} wrote no int8 bundle`);
  return bundle.dir;
}

/** The calibration network of `seed` for `config`. */
export function calibrationGraph(config: MsRanasConfig, seed: number): ReturnType<typeof buildMsRanas> {
  return buildMsRanas(randomGenotype(seed, config.nodes), config, `calibration-${seed}`);
}

/** One segment's measured latency. */
export type SegmentLatency = Omit<LatencyEntry, 'key' | 'part'>;

/**
 * Profiles several exported bundles in `passes` rounds: each round installs every bundle in a fresh local agent
 * and takes `repeats` profiles of it; each segment keeps the median p50 over the rounds (p99: the largest).
 * Why rounds: here a whole network's segments measured 5-15 % faster or slower together from one measurement
 * to the next (the machine's speed while that agent ran, `bench/latency-predictor.ts` splits it off), so one
 * network's profiles are spread over the run instead of taken back to back; with `minMinutes`, over at least
 * that long (more rounds when `passes` rounds end sooner).
 */
export async function profileBundlesInPasses(bundleDirs: readonly string[], o: PassesOptions): Promise<SegmentLatency[][]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-latency-passes-'));
  try {
    const rounds: SegmentLatency[][][] = bundleDirs.map(() => []);
    const now = o.now ?? Date.now;
    const start = now();
    const minMs = (o.minMinutes ?? 0) * 60_000;
    for (let pass = 0; pass < o.passes || now() - start < minMs; pass++) {
      await o.beforeRound?.(pass);
      for (const [i, bundleDir] of bundleDirs.entries()) {
        const store = path.join(work, `store-${i}-${pass}`);
        const agent = await createAgent({ bundleDir: store, threads: o.threads, profile: { runs: o.runs, warmups: o.warmups } });
        try {
          await agent.install(bundleDir);
          rounds[i].push(await medianSegmentTimings(agent, o.repeats));
        } finally {
          await agent.close();
          fs.rmSync(store, { recursive: true, force: true });
        }
      }
    }
    return rounds.map((r) => r[0].map((_, k) => {
      const p50s = r.map((t) => t[k].p50Us).sort((a, b) => a - b);
      const p50Us = p50s[Math.floor((p50s.length - 1) / 2)];
      return { p50Us, p99Us: Math.max(p50Us, ...r.map((t) => t[k].p99Us)), runs: r.reduce((sum, t) => sum + t[k].runs, 0) };
    }));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Exports `graph` as an int8 bundle of `runtime` and profiles it with a local agent (`repeats` profiles,
 * median p50 per segment); returns each segment's measured latency. Everything is removed after.
 */
export async function profileNetworkBundle(graph: Parameters<typeof exportModel>[0], o: NetworkProfileOptions): Promise<SegmentLatency[]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-latency-net-'));
  try {
    const bundleDir = await exportLatencyBundle(graph, o.runtime, path.join(work, 'export'));
    const [timings] = await profileBundlesInPasses([bundleDir], { ...o, passes: 1 });
    return timings;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Rounds the calibration networks are profiled in (one profile each per round, `profileBundlesInPasses`). 7, not
 * 3: this VM's speed swings by ±7 % within tens of seconds, and each round of 12 networks takes about 10 s
 * (results/latency/README.md, session 10).
 */
export const CALIBRATION_PASSES = 7;

/**
 * Least time the calibration rounds span by default, minutes (0: `CALIBRATION_PASSES` rounds, about 2 min for 48
 * tiny networks here). `--calibration-minutes M` takes more rounds until M have passed, for a device whose speed
 * wanders over minutes (a board that heats up under sustained load). On this VM it did not help: two consecutive
 * 10-minute windows measured the same 48 networks 1.2 % and 9.8 % apart (results/latency/README.md, session 11),
 * so a longer default would only make every table slower.
 */
export const CALIBRATION_MINUTES = 0;

/**
 * Profiles the calibration networks of `seeds` (exported first, then `passes` rounds over all of them, default
 * `CALIBRATION_PASSES`, and more until `minMinutes` have passed; one profile each per round, `beforeRound` before
 * each); their entries, one per segment, seed by seed.
 */
export async function calibrationEntries(config: MsRanasConfig, seeds: readonly number[], o: NetworkProfileOptions & Partial<Pick<PassesOptions, 'passes' | 'minMinutes' | 'beforeRound'>>): Promise<LatencyEntry[][]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ranas-latency-calibration-'));
  try {
    const dirs: string[] = [];
    for (const seed of seeds) dirs.push(await exportLatencyBundle(calibrationGraph(config, seed), o.runtime, path.join(work, `export-${seed}`)));
    const timings = await profileBundlesInPasses(dirs, { ...o, repeats: o.repeats ?? 1, passes: o.passes ?? CALIBRATION_PASSES });
    return seeds.map((seed, i) => {
      const keys = calibrationKeys(config, seed);
      return timings[i].map((s, k) => ({ key: keys[k], part: 'calibration', ...s }));
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
