/**
 * Profiler of a split bundle's parts (the `planned` policy's predictions): W warm-up passes, then N timed
 * passes, each running every trunk in order and every head after its trunk (trunk k + head k: step k), on the same fixed raw uint8
 * image as the chain profiler. Each part's time is the hand-off copy + run, as run-planned.ts measures it;
 * p50/p99 by nearest rank. The request overhead (input, answer) is the chain profile's: the same phases.
 */
import type { PartLatencies } from '../src/bundle-format/manifest.ts';
import type { Clock } from './scheduler/clock.ts';
import type { PartChain } from './scheduler/part-chain.ts';
import { inputGeometry, type Preprocessor } from './scheduler/preprocess.ts';
import { DEFAULT_PROFILE_RUNS, DEFAULT_WARMUPS, latencyOf } from './profiler.ts';

/** Measures every trunk and every head of `parts`. */
export async function profileParts(target: { parts: PartChain; preprocess: Preprocessor }, o: { clock: Clock; warmups?: number; runs?: number }): Promise<PartLatencies> {
  const warmups = o.warmups ?? DEFAULT_WARMUPS;
  const runs = o.runs ?? DEFAULT_PROFILE_RUNS;
  const { parts, preprocess } = target;
  const g = inputGeometry(parts.manifest.input);
  const image = Uint8Array.from({ length: g.height * g.width * g.channels }, (_, i) => (i * 37) & 255);
  const n = parts.trunks.length;
  const trunkTimes = Array.from({ length: n }, () => new Float64Array(runs));
  const headTimes = Array.from({ length: n }, () => new Float64Array(runs));
  const stepTimes = Array.from({ length: n }, () => new Float64Array(runs));
  const timed = async (feed: () => void, run: () => Promise<void>) => {
    const start = o.clock.nowUs();
    feed();
    await run();
    return o.clock.nowUs() - start;
  };
  for (let r = -warmups; r < runs; r++) {
    preprocess.write(image, [g.height, g.width, g.channels], parts.trunks[0].inputs[0]);
    for (let k = 0; k < n; k++) {
      const trunkUs = await timed(() => parts.feedTrunk(k), () => parts.trunks[k].run());
      const headUs = await timed(() => parts.feedHead(k), () => parts.heads[k].run());
      if (r < 0) continue;
      trunkTimes[k][r] = trunkUs;
      headTimes[k][r] = headUs;
      stepTimes[k][r] = trunkUs + headUs;
    }
  }
  return { trunks: trunkTimes.map(latencyOf), heads: headTimes.map(latencyOf), steps: stepTimes.map(latencyOf) };
}
