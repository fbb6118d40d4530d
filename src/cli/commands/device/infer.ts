/** `ranas device infer`: one budgeted anytime inference on the device. */
import type { InferMsg } from '../../../../firmware-bridge/messages.ts';
import { POLICY_NAMES, policyOf } from '../../../bundle-format/policy.ts';
import { RanasError } from '../../../errors.ts';
import { printTable } from '../../../text-table.ts';
import { parseDType, parseNumber, parseShape } from './flags.ts';
import { parseLinkOptions, withClient, type DeviceCliOptions, type RawLinkOptions } from './link.ts';
import { readInput } from './read-input.ts';

export interface InferCliOptions extends DeviceCliOptions {
  readonly request: InferMsg;
}

export interface RawInferOptions extends RawLinkOptions {
  input?: string;
  shape?: string;
  dtype?: string;
  budgetUs?: string;
  policy?: string;
  threshold?: string;
  topK?: string;
}

export function parseInferOptions(raw: RawInferOptions): InferCliOptions {
  const policy = raw.policy === undefined ? undefined : policyOf(raw.policy);
  if (!policy) throw new RanasError('E_CLI_ARG', `--policy is "${raw.policy}"; expected ${POLICY_NAMES.join(' or ')}`);
  const tensor = readInput(raw.input, parseShape(raw.shape ?? '1,32,32,3'), parseDType(raw.dtype ?? 'uint8'));
  return {
    ...parseLinkOptions(raw),
    request: {
      ...tensor,
      budgetUs: parseNumber('--budget-us', raw.budgetUs ?? '100000', { min: 0 }),
      policy,
      threshold: raw.threshold === undefined ? undefined : parseNumber('--threshold', raw.threshold, { min: 0 }),
      topK: parseNumber('--top-k', raw.topK ?? '3', { min: 1, integer: true }),
    },
  };
}

export async function runInfer(o: InferCliOptions): Promise<void> {
  const t0 = performance.now();
  const r = await withClient(o, (c) => c.infer(o.request));
  const roundTripUs = (performance.now() - t0) * 1000;
  if (o.json) { process.stdout.write(JSON.stringify({ ...r, roundTripUs }, null, 2) + '\n'); return; }
  printTable([{
    exit: r.exitIndex, label: r.label, confidence: r.confidence,
    'segments µs': r.segmentLatencyUs.map((u) => u.toFixed(0)).join(' + '),
    'total µs': r.totalUs, 'budget µs': r.budgetUs, met: r.met, 'over budget': r.overBudget,
  }]);
  if (r.topK.length > 1) printTable(r.topK.map((t, i) => ({ rank: i + 1, class: t.classIndex, label: t.label, confidence: t.confidence })));
}
