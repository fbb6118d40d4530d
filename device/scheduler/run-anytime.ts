/**
 * The anytime scheduler: writes the request's input into segment 0, then runs segments in order, asking
 * the policy after each exit whether the next one may run (see policy.ts). Segment 0 always runs. The
 * answer is the last exit completed, with its label, confidence, top-k, each segment's measured latency
 * (µs, including the hand-off copy into it), the total since the request arrived, and whether the budget
 * was met (with `everyExit`, every segment runs and the answer lists each exit's class, confidence and
 * logits). `overBudget` flags a budget below exit 1's predicted cost, input p99 + segment 0 p99 + answer
 * p99 (exit 1 is returned anyway).
 *
 * Phases of a request, as timed here (and reported to `observe` / `observeOverhead`):
 *   input (arrival → segment 0 starts) | segment 0 | readout 0 + policy | segment 1 | … | answer
 * where `answer` runs from the end of the answering exit's segment to the answer (softmax, policy, top-k).
 */
import type { ExitReadoutMsg, InferResultMsg } from '../../firmware-bridge/messages.ts';
import type { InferPolicy } from '../../src/bundle-format/policy.ts';
import { RanasError } from '../../src/errors.ts';
import type { Chain } from './chain.ts';
import type { Clock } from './clock.ts';
import { answerOf, argmax, softmaxOf } from './exit-answer.ts';
import { POLICIES } from './policy.ts';
import type { InputData, Preprocessor } from './preprocess.ts';

/** One request to the scheduler. */
export interface AnytimeRequest {
  input: InputData;
  shape: readonly number[];
  budgetUs: number;
  policy: InferPolicy;
  /** Overrides every exit's confidence threshold (confidence policy). */
  threshold?: number;
  /** Classes in the answer's top-k (default 5). */
  topK?: number;
  /** Run every segment whatever the budget and policy, and answer each exit's readout (`exits`). */
  everyExit?: boolean;
}

/** The answer (the bridge's InferResult). */
export type AnytimeAnswer = InferResultMsg;

/** What the scheduler needs besides the chain. */
export interface SchedulerSetup {
  chain: Chain;
  preprocess: Preprocessor;
  /** Predicted p99 per segment, µs (profile, or the live tracker's). */
  p99Us: readonly number[];
  /** Predicted p99 of the input phase and of the answer phase, µs (the profile's `overhead`). */
  inputP99Us: number;
  answerP99Us: number;
  safetyFactor: number;
  clock: Clock;
  /** Called with every measured segment time (the agent's LatencyTracker). */
  observe?: (segment: number, us: number) => void;
  /** Called once per answered request with its input and answer phases, µs (profiler, live tracker). */
  observeOverhead?: (inputUs: number, answerUs: number) => void;
}

export function checkRequest(req: AnytimeRequest): void {
  if (!(Number.isFinite(req.budgetUs) && req.budgetUs >= 0)) throw new RanasError('E_BAD_REQUEST', `budgetUs is ${req.budgetUs}; expected a non-negative number of µs`);
  if (!(req.policy in POLICIES)) throw new RanasError('E_BAD_REQUEST', `policy is '${req.policy}'; expected one of ${Object.keys(POLICIES).join(', ')}`);
  if (req.threshold !== undefined && !(req.threshold >= 0 && req.threshold <= 1)) throw new RanasError('E_BAD_REQUEST', `threshold is ${req.threshold}; expected a number in [0, 1]`);
}

/** Predicted p99 cost of exit 1's answer, µs: input + segment 0 + answer; a lower budget is flagged over budget. */
export function exitOneCostUs(s: Pick<SchedulerSetup, 'p99Us' | 'inputP99Us' | 'answerP99Us'>): number {
  return s.inputP99Us + (s.p99Us[0] ?? 0) + s.answerP99Us;
}

/** Runs one request. */
export async function runAnytime(s: SchedulerSetup, req: AnytimeRequest): Promise<AnytimeAnswer> {
  const t0 = s.clock.nowUs();
  checkRequest(req);
  const { chain } = s;
  const manifest = chain.manifest;
  const policy = POLICIES[req.policy];
  s.preprocess.write(req.input, req.shape, chain.segments[0].inputs[0]);
  const latencies: number[] = [];
  let k = 0;
  let probs: Float64Array;
  let inputUs = 0;
  let segmentEnd = 0;
  const exits: ExitReadoutMsg[] = [];
  for (;;) {
    const start = s.clock.nowUs();
    if (k === 0) inputUs = start - t0;
    chain.feed(k);
    await chain.segments[k].run();
    segmentEnd = s.clock.nowUs();
    const took = segmentEnd - start;
    latencies.push(took);
    s.observe?.(k, took);
    const seg = manifest.segments[k];
    const logits = chain.segments[k].outputs[chain.logitsIndex[k]];
    probs = softmaxOf(logits, seg.outputs[chain.logitsIndex[k]]);
    if (req.everyExit) {
      const c = argmax(probs);
      exits.push({ exitIndex: k, classIndex: c, confidence: probs[c], logits: Array.from(logits) });
    }
    const go = k + 1 < manifest.segments.length && (req.everyExit === true || policy({
      completed: k,
      segments: manifest.segments.length,
      elapsedUs: s.clock.nowUs() - t0,
      budgetUs: req.budgetUs,
      nextP99Us: s.p99Us[k + 1],
      safetyFactor: s.safetyFactor,
      answerP99Us: s.answerP99Us,
      confidence: probs[argmax(probs)],
      threshold: req.threshold ?? seg.exit.confidenceThreshold,
    }));
    if (!go) break;
    k++;
  }
  const { answer, endUs } = answerOf(probs, { exitIndex: k, classNames: manifest.model.classNames, topK: req.topK, segmentLatencyUs: latencies, t0, nowUs: () => s.clock.nowUs(), budgetUs: req.budgetUs, overBudget: req.budgetUs < exitOneCostUs(s) });
  s.observeOverhead?.(inputUs, endUs - segmentEnd);
  return { ...answer, ...(req.everyExit ? { exits } : {}) };
}
