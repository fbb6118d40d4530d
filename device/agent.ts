/**
 * The device agent in process: a bundle store, the active bundle loaded in its runtime and wired as a
 * chain, its latency profile, and the anytime scheduler. `createAgent` returns an `Agent`, which is the
 * firmware bridge's `AgentService` (info / installBundle / infer / stats) plus the local API
 * (install, run, profile, rollback, close).
 *
 * Startup and install: the bundle's segments are loaded, and profiled unless a profile measured on this
 * device (same name) is saved beside it; the profile is saved (profile.json) so it survives restarts.
 * An install that fails at any step — store verification, or the runtime refusing a model (checked before
 * the store swaps its pointer) — leaves the previous bundle active. Requests are served one at
 * a time (segments own their buffers).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AgentInfo, AgentService, AgentStats } from '../firmware-bridge/agent-service.ts';
import type { InferMsg, InferResultMsg, OpProfileMsg, ProfileOpsMsg } from '../firmware-bridge/messages.ts';
import { RanasError } from '../src/errors.ts';
import { packageVersion } from '../src/run-folder.ts';
import type { BundleProfile } from '../src/bundle-format/manifest.ts';
import { sha256Hex } from '../src/bundle-format/sha256.ts';
import { loadBundle, trackersFor, type ActiveBundle } from './agent/active-bundle.ts';
import { AgentCounters } from './agent/agent-counters.ts';
import { availableRuntimes, runtimeFor, runtimeOfKind, threadChoicesOf, type RuntimeChoice } from './agent/runtime-choice.ts';
import { OpPackStore } from './op-packs/op-pack-store.ts';
import { profileOpPack, type SegmentTiming } from './op-packs/op-pack-profiler.ts';
import { medianSegmentTimings } from './op-packs/bundle-latency.ts';
import type { PrecisionChoice, SegmentPlan } from './agent/segment-plan.ts';
import { createSerialQueue } from './agent/serial-queue.ts';
import { DEFAULT_GC_AFTER_MIB, gcBetweenRequests } from './agent/gc-between-requests.ts';
import { requestOfInferMsg } from './infer-input.ts';
import { profileChain } from './profiler.ts';
import { profileParts } from './part-profiler.ts';
import { partsTrackerFor, type ActiveParts } from './agent/active-parts.ts';
import type { PartChain } from './scheduler/part-chain.ts';
import { runPlanned } from './scheduler/run-planned.ts';
import type { Chain } from './scheduler/chain.ts';
import { hrClock, type Clock } from './scheduler/clock.ts';
import { DEFAULT_SAFETY_FACTOR } from './scheduler/policy.ts';
import type { Preprocessor } from './scheduler/preprocess.ts';
import { runAnytime, type AnytimeAnswer, type AnytimeRequest } from './scheduler/run-anytime.ts';
import { FsStore } from './store/fs-store.ts';
import type { InstalledBundle, Store } from './store/store.ts';

/** Where each kind of part sits in the parts' tracker (active-parts.ts): trunks, heads, then steps, n each. */
const PART_SLOT = { trunk: 0, head: 1, step: 2 } as const;

/** The parts' live p99s by kind. */
function partP99s(parts: ActiveParts): { trunkP99Us: number[]; headP99Us: number[]; stepP99Us: number[] } {
  const n = parts.chain.trunks.length;
  const slot = (i: number) => parts.tracker.p99Us.slice(i * n, (i + 1) * n);
  return { trunkP99Us: slot(PART_SLOT.trunk), headP99Us: slot(PART_SLOT.head), stepP99Us: slot(PART_SLOT.step) };
}

/** Options of `createAgent` (runtime choice: `edgetpu`, `runtime`, `threads`, see agent/runtime-choice.ts). */
export interface AgentOptions extends RuntimeChoice {
  /** Store root (bundles/, current, previous). */
  bundleDir: string;
  /** Store to use instead of an FsStore at bundleDir (tests). */
  store?: Store;
  /** Recorded with profiles; default the host name. */
  deviceName?: string;
  clock?: Clock;
  /** Multiplier on the next segment's p99 in the budget check (default 1.1, see policy.ts). */
  safetyFactor?: number;
  /**
   * Raise a segment's predicted p99 when its recent runs are slower than profiled (scheduler/latency-tracker.ts).
   * Default true; false uses the profile's p99 as is.
   */
  adaptive?: boolean;
  /** Profiler warm-ups and timed runs per segment. */
  profile?: { warmups?: number; runs?: number };
  /**
   * Precision of each segment when a bundle carries several (int8 and fp32 forms): `auto` (default) runs per
   * segment the fastest measured among those meeting the manifest's accuracy; `int8`/`fp32` always that one.
   */
  precision?: PrecisionChoice;
  /** Re-measure at start even when a profile from this device is saved. */
  reprofile?: boolean;
  /** Largest bundle installed, bytes. */
  maxBundleBytes?: number;
  /** A minor garbage collection between requests once they allocated this many MiB (agent/gc-between-requests.ts); 0 = V8 decides. Default 4. */
  gcAfterMiB?: number;
  /** Where the agent says what it does (default: nothing). */
  log?: (line: string) => void;
}

/** The agent: the bridge's AgentService plus the local API. */
export interface Agent extends AgentService {
  /** Installs a bundle folder or tar and makes it active (profiling it). `sourceSha256`: the tar's sha256, reported in info. */
  install(source: string, sourceSha256?: string): Promise<InstalledBundle>;
  /** Runs one request given as typed arrays. */
  run(req: AnytimeRequest): Promise<AnytimeAnswer>;
  /** Re-measures the active bundle and saves the profile. */
  profile(): Promise<BundleProfile>;
  /** Makes the previous bundle active again. */
  rollback(): Promise<InstalledBundle>;
  /** The active bundle, if any. */
  active(): { bundle: InstalledBundle; chain: Chain; profile: BundleProfile } | undefined;
  close(): Promise<void>;
}

/**
 * Starts an agent: opens the store, loads (and when needed profiles) the active bundle, and returns the
 * service. Its parts: a serial queue (agent/serial-queue.ts), the runtime choice (agent/runtime-choice.ts),
 * bundle loading and p99 trackers (agent/active-bundle.ts) and the counters (agent/agent-counters.ts).
 */
export async function createAgent(o: AgentOptions): Promise<Agent> {
  const store = o.store ?? (await FsStore.open(o.bundleDir));
  const clock = o.clock ?? hrClock;
  const deviceName = o.deviceName ?? os.hostname();
  const safetyFactor = o.safetyFactor ?? DEFAULT_SAFETY_FACTOR;
  const adaptive = o.adaptive !== false;
  const log = o.log ?? (() => {});
  const runtimesAvailable = availableRuntimes();
  const counters = new AgentCounters();
  const serial = createSerialQueue();
  const gc = gcBetweenRequests(o.gcAfterMiB ?? DEFAULT_GC_AFTER_MIB);
  let active: ActiveBundle | undefined;

  const threadChoices = threadChoicesOf(o);
  const trial = (chain: Chain, preprocess: Preprocessor) => profileChain({ chain, preprocess }, { clock, deviceName, warmups: o.profile?.warmups, runs: o.profile?.runs });

  async function measure(chain: Chain, preprocess: Preprocessor, bundle: InstalledBundle, plan: SegmentPlan): Promise<BundleProfile> {
    const measured = await trial(chain, preprocess);
    // The precision is recorded when the bundle offers a choice (profiles of single-precision bundles stay as they were).
    const choice = bundle.manifest.segments.some((seg) => seg.variants?.length);
    const profile = { ...measured, segments: measured.segments.map((s, k) => ({ ...s, threads: plan[k].threads, ...(choice ? { precision: plan[k].precision } : {}) })) };
    await store.writeProfile(bundle, profile);
    counters.counts.profiles++;
    log(`profiled ${bundle.manifest.model.name} on ${deviceName}: ${profile.segments.map((s, k) => `seg${k} p50 ${s.p50Us.toFixed(0)} µs p99 ${s.p99Us.toFixed(0)} µs`).join(', ')}`);
    return profile;
  }

  /** Measures a split bundle's trunks and heads (the `planned` policy's parts) and saves them with the profile. */
  async function measureParts(parts: PartChain, preprocess: Preprocessor, bundle: InstalledBundle, profile: BundleProfile): Promise<BundleProfile> {
    const latency = await profileParts({ parts, preprocess }, { clock, warmups: o.profile?.warmups, runs: o.profile?.runs });
    const withParts = { ...profile, parts: latency };
    await store.writeProfile(bundle, withParts);
    log(`profiled parts: ${latency.trunks.map((t, k) => `trunk${k} p99 ${t.p99Us.toFixed(0)} µs head${k} p99 ${latency.heads[k].p99Us.toFixed(0)} µs`).join(', ')}`);
    return withParts;
  }

  /** Loads (and profiles when needed) a bundle; the current active bundle is not touched. */
  async function load(bundle: InstalledBundle, forceProfile: boolean): Promise<ActiveBundle> {
    return loadBundle(bundle, forceProfile, { store, runtime: (threads) => runtimeFor(bundle, o, threads), threadChoices, precision: o.precision ?? 'auto', deviceName, adaptive, trial, measure, measureParts, log });
  }

  /** Releases a bundle's segments and parts. */
  async function dispose(a: ActiveBundle): Promise<void> {
    await a.chain.dispose();
    await a.parts?.chain.dispose();
  }

  async function activate(next: ActiveBundle): Promise<void> {
    const old = active;
    active = next;
    if (old) await dispose(old);
  }

  /** The op pack `profile-ops` measures, kept beside the store (never installed). */
  const opPacks = new OpPackStore(path.join(o.bundleDir, 'op-packs'));

  /** An op pack's bundle item: installed in a scratch agent of its own (the active bundle is not touched) and profiled. */
  async function profileScratchBundle(tar: Uint8Array, p: { threads: number; runs: number }): Promise<SegmentTiming[]> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ranas-op-pack-bundle-'));
    try {
      await fs.writeFile(path.join(dir, 'bundle.tar'), tar);
      const scratch = await createAgent({ bundleDir: path.join(dir, 'store'), threads: p.threads, runtime: o.runtime, deviceName, clock, gcAfterMiB: o.gcAfterMiB, profile: { runs: p.runs, warmups: o.profile?.warmups } });
      try {
        await scratch.install(path.join(dir, 'bundle.tar'));
        return await medianSegmentTimings(scratch);
      } finally {
        await scratch.close();
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  const initial = await store.current();
  if (initial) {
    try {
      await activate(await load(initial, o.reprofile ?? false));
      log(`active bundle ${initial.manifest.model.name} (${initial.id})`);
    } catch (e) {
      log(`active bundle ${initial.id} could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
  }

  function install(source: string, sourceSha256?: string): Promise<InstalledBundle> {
    return serial(async () => {
      try {
        let loaded: ActiveBundle | undefined;
        const bundle = await store.install(source, {
          maxBytes: o.maxBundleBytes,
          sourceSha256,
          // Load (and profile) the models before the store swaps its pointer: a model the runtime
          // refuses leaves the previous bundle active, on disk and in memory.
          accept: async (b) => {
            if (active && b.id === active.bundle.id) return;
            loaded = await load(b, false);
          },
        });
        if (loaded) await activate(loaded);
        else if (active) active.bundle = bundle;
        counters.counts.installs++;
        log(`installed ${bundle.manifest.model.name} (${bundle.id})`);
        return bundle;
      } catch (e) {
        counters.counts.installFailures++;
        throw e;
      }
    });
  }

  function run(req: AnytimeRequest): Promise<AnytimeAnswer> {
    return serial(async () => {
      counters.counts.requests++;
      try {
        if (!active) throw new RanasError('E_NO_BUNDLE', 'no bundle is installed; install one first (ranas device flash, or --install)');
        const a = active;
        const { tracker, overheadTracker, parts } = a;
        const [inputP99Us, answerP99Us] = overheadTracker.p99Us;
        const observeOverhead = (inputUs: number, answerUs: number) => { overheadTracker.observe(0, inputUs); overheadTracker.observe(1, answerUs); };
        // `planned` on a split bundle runs trunks + one head; elsewhere (and with everyExit) the chain answers.
        const answer = parts && req.policy === 'planned' && req.everyExit !== true ? await runPlanned({
          parts: parts.chain, preprocess: parts.preprocess, safetyFactor, clock, inputP99Us, answerP99Us,
          ...partP99s(parts),
          observe: (part, k, us) => parts.tracker.observe(PART_SLOT[part] * parts.chain.trunks.length + k, us),
          observeOverhead,
        }, req) : await runAnytime({
          chain: a.chain, preprocess: a.preprocess, p99Us: tracker.p99Us, inputP99Us, answerP99Us, safetyFactor, clock,
          observe: (k, us) => tracker.observe(k, us),
          observeOverhead: (inputUs, answerUs) => { overheadTracker.observe(0, inputUs); overheadTracker.observe(1, answerUs); },
        }, req);
        counters.answered(answer);
        // The collection is queued behind this request: it runs before the next one starts, never inside one.
        if (gc?.due()) void serial(async () => gc.collect());
        return answer;
      } catch (e) {
        counters.counts.errors++;
        throw e;
      }
    });
  }

  return {
    async info(): Promise<AgentInfo> {
      const runtimes = [...runtimesAvailable];
      const a = active;
      return {
        deviceName,
        agentVersion: packageVersion(),
        runtimes,
        ...(a ? {
          activeBundle: { name: a.bundle.manifest.model.name, sha256: a.bundle.sourceSha256 ?? a.bundle.manifestSha256, version: String(a.bundle.manifest.version) },
          profile: a.profile,
        } : {}),
      };
    },
    async installBundle(stagedFile: string, expectedSha256: string): Promise<void> {
      const sha = sha256Hex(await fs.readFile(stagedFile));
      if (sha !== expectedSha256) throw new RanasError('E_CHECKSUM', `staged bundle '${stagedFile}' has sha256 ${sha}; expected ${expectedSha256}`);
      await install(stagedFile, sha);
    },
    infer: async (req: InferMsg): Promise<InferResultMsg> => {
      let parsed: AnytimeRequest;
      try {
        parsed = requestOfInferMsg(req);
      } catch (e) {
        counters.counts.requests++;
        counters.counts.errors++;
        throw e;
      }
      return run(parsed);
    },
    stats: async (): Promise<AgentStats> => counters.stats(),
    stageOpPack: (stagedFile: string, expectedSha256: string) => serial(async () => {
      const pack = await opPacks.stage(stagedFile, expectedSha256);
      log(`op pack ${pack.manifest.name} (${pack.manifest.items.length} items, ${pack.manifest.runtime}) kept for profile-ops`);
      return { items: pack.manifest.items.length };
    }),
    // Measured in the serial queue, one bounded slice per request: inference requests run in between.
    profileOps: (req: ProfileOpsMsg): Promise<OpProfileMsg> => serial(async () => profileOpPack(await opPacks.load(req.packSha256), req, {
      runtime: (kind, threads) => runtimeOfKind(kind, o, threads), profileBundle: profileScratchBundle, clock, deviceName, defaultThreads: threadChoices[0],
    })),
    install,
    run,
    profile: () => serial(async () => {
      if (!active) throw new RanasError('E_NO_BUNDLE', 'no bundle is installed; nothing to profile');
      const a = active;
      // Re-measures the segments as loaded: their thread counts stay (a restart with --reprofile chooses again).
      a.profile = await measure(a.chain, a.preprocess, a.bundle, a.chain.forms.map((f, k) => ({ precision: f.precision, threads: a.profile.segments[k]?.threads ?? threadChoices[0] })));
      Object.assign(a, trackersFor(a.profile, adaptive));
      if (a.parts) {
        a.profile = await measureParts(a.parts.chain, a.parts.preprocess, a.bundle, a.profile);
        a.parts.latency = a.profile.parts ?? a.parts.latency;
        a.parts.tracker = partsTrackerFor(a.parts.latency, adaptive);
      }
      return a.profile;
    }),
    rollback: () => serial(async () => {
      const target = await store.rollback();
      try {
        await activate(await load(target, false));
      } catch (e) {
        await store.rollback();
        throw e;
      }
      return target;
    }),
    active: () => active && { bundle: active.bundle, chain: active.chain, profile: active.profile },
    close: () => serial(async () => {
      if (active) await dispose(active);
      active = undefined;
    }),
  };
}
