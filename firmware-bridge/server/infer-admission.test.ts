import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InferMsg, InferResultMsg } from '../messages.ts';
import { InferAdmission } from './infer-admission.ts';

const request = (budgetUs: number): InferMsg => ({ input: Buffer.alloc(3), shape: [1, 1, 1, 3], dtype: 'uint8', budgetUs, policy: 'deadline', topK: 1 });
const answer = (budgetUs: number, totalUs: number): InferResultMsg => ({
  exitIndex: 0, classIndex: 0, label: 'a', confidence: 1, topK: [], segmentLatencyUs: [totalUs], totalUs, budgetUs, met: totalUs <= budgetUs, overBudget: false,
});

test('a lone request that waited past its budget runs with budget 0 (exit 1, late), never a negative budget', async () => {
  const admission = new InferAdmission();
  const seen: number[] = [];
  // Arrived 5 ms ago on its link with a 1 ms budget and nobody ahead: not shed, the agent gets what is left.
  const r = await admission.run(request(1000), performance.now() - 5, async (req) => { seen.push(req.budgetUs); return answer(req.budgetUs, 200); });
  assert.deepEqual(seen, [0]);
  assert.equal(r.met, false);
  assert.ok((r.queuedUs ?? 0) >= 5000 && r.totalUs >= 5200, `queued ${r.queuedUs} µs, total ${r.totalUs} µs`);
  assert.equal(admission.stats.late, 1);
});

test('the agent gets the budget less the time waited', async () => {
  const admission = new InferAdmission();
  let given = -1;
  const r = await admission.run(request(100_000), performance.now() - 2, async (req) => { given = req.budgetUs; return answer(req.budgetUs, 300); });
  assert.ok(given > 90_000 && given <= 98_000, `agent got ${given} µs of 100000 after waiting ≥ 2 ms`);
  assert.equal(r.met, true);
});
