/**
 * One request under the `planned` policy on a split bundle (planned-policy.ts): after the input phase the
 * target exit is planned; trunks run in order, the plan is made again after each from the elapsed time (down to
 * the exit reached when a trunk runs late, deeper when trunks ran early), then the target's head alone answers.
 *
 * The answer has the same shape as the chain's (run-anytime.ts): `segmentLatencyUs[j]` is trunk j's time, and
 * the answering exit's entry also holds its head's time (segment k as a planned run pays for it).
 * `overBudget` flags a budget below exit 1's predicted cost here: input + trunk 0 + head 0 + answer p99.
 */
import type { InferResultMsg } from '../../firmware-bridge/messages.ts';
import type { Clock } from './clock.ts';
import { answerOf, softmaxOf } from './exit-answer.ts';
import type { PartChain } from './part-chain.ts';
import { plannedExit, type PlanState } from './planned-policy.ts';
import type { Preprocessor } from './preprocess.ts';
import { checkRequest, type AnytimeRequest } from './run-anytime.ts';

/** What a planned run needs besides the request. */
export interface PlannedSetup {
  parts: PartChain;
  preprocess: Preprocessor;
  /** Predicted p99 per trunk, per head and per step (trunk k + head k), µs (profile, or the live tracker's). */
  trunkP99Us: readonly number[];
  headP99Us: readonly number[];
  stepP99Us: readonly number[];
  inputP99Us: number;
  answerP99Us: number;
  safetyFactor: number;
  clock: Clock;
  /** Called with every measured part time, and the answering exit's step (its trunk + head) (the agent's live tracker). */
  observe?: (part: 'trunk' | 'head' | 'step', k: number, us: number) => void;
  /** Called once per answered request with its input and answer phases, µs. */
  observeOverhead?: (inputUs: number, answerUs: number) => void;
}

/** Predicted p99 of exit 1's answer in a planned run, µs. */
export function plannedExitOneCostUs(s: Pick<PlannedSetup, 'trunkP99Us' | 'headP99Us' | 'inputP99Us' | 'answerP99Us'>): number {
  return s.inputP99Us + (s.trunkP99Us[0] ?? 0) + (s.headP99Us[0] ?? 0) + s.answerP99Us;
}

/** Runs one request with the exit planned on arrival. */
export async function runPlanned(s: PlannedSetup, req: AnytimeRequest): Promise<InferResultMsg> {
  const t0 = s.clock.nowUs();
  checkRequest(req);
  const { parts } = s;
  s.preprocess.write(req.input, req.shape, parts.trunks[0].inputs[0]);
  const state = (reached: number): PlanState => ({
    reached, elapsedUs: s.clock.nowUs() - t0, budgetUs: req.budgetUs,
    trunkP99Us: s.trunkP99Us, headP99Us: s.headP99Us, stepP99Us: s.stepP99Us, safetyFactor: s.safetyFactor, answerP99Us: s.answerP99Us,
  });
  const inputUs = s.clock.nowUs() - t0;
  const last = parts.trunks.length - 1;
  let target = plannedExit(state(-1), last);
  const latencies: number[] = [];
  for (let k = 0; k <= target; k++) {
    const start = s.clock.nowUs();
    parts.feedTrunk(k);
    await parts.trunks[k].run();
    const took = s.clock.nowUs() - start;
    latencies.push(took);
    s.observe?.('trunk', k, took);
    if (k < last) target = plannedExit(state(k), last);
  }
  const headStart = s.clock.nowUs();
  parts.feedHead(target);
  await parts.heads[target].run();
  const headEnd = s.clock.nowUs();
  s.observe?.('head', target, headEnd - headStart);
  s.observe?.('step', target, latencies[target] + headEnd - headStart);
  latencies[target] += headEnd - headStart;
  const manifest = parts.manifest;
  const logitsTensor = manifest.split?.[target].head.outputs[0] ?? manifest.segments[target].outputs[0];
  const probs = softmaxOf(parts.heads[target].outputs[0], logitsTensor);
  const { answer, endUs } = answerOf(probs, { exitIndex: target, classNames: manifest.model.classNames, topK: req.topK, segmentLatencyUs: latencies, t0, nowUs: () => s.clock.nowUs(), budgetUs: req.budgetUs, overBudget: req.budgetUs < plannedExitOneCostUs(s) });
  s.observeOverhead?.(inputUs, endUs - headEnd);
  return answer;
}
