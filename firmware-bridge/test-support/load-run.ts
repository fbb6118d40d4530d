/**
 * Load on a device: `clients` DeviceClients, each on its own TCP link, each sending `requests` budgeted
 * inferences back to back, all at once. Every request ends as an answer (met, or flagged met = false), a shed
 * (E_BUSY), another error, or lost (no answer: timeout or closed link). Used by the load test and bench/agent-load.ts.
 */
import { isRanasError } from '../../src/errors.ts';
import { DeviceClient } from '../client/device-client.ts';
import { connectTcp } from '../transport/tcp-transport.ts';

export interface LoadResult {
  sent: number;
  met: number;
  /** Answered after the budget, and flagged so (met = false). */
  flaggedLate: number;
  /** Answered with met = true but a total above the budget: must be 0. */
  unflaggedLate: number;
  shed: number;
  lost: number;
  otherErrors: number;
  /** Answers whose queuedUs > 0 (queueing counted against the budget). */
  queuedAnswers: number;
  maxQueuedUs: number;
  seconds: number;
}

export async function runLoad(o: { port: number; clients: number; requests: number; budgetUs: number; inputBytes?: number }): Promise<LoadResult> {
  const r: LoadResult = { sent: 0, met: 0, flaggedLate: 0, unflaggedLate: 0, shed: 0, lost: 0, otherErrors: 0, queuedAnswers: 0, maxQueuedUs: 0, seconds: 0 };
  const input = Buffer.alloc(o.inputBytes ?? 3 * 32 * 32, 1);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: o.clients }, async () => {
    const client = await DeviceClient.open({ connect: () => connectTcp('127.0.0.1', o.port), timeoutMs: 2000, attempts: 5 });
    try {
      for (let i = 0; i < o.requests; i++) {
        r.sent++;
        try {
          const a = await client.infer({ input, shape: [1, 32, 32, 3], dtype: 'uint8', budgetUs: o.budgetUs, policy: 'deadline', topK: 1 });
          if (a.met) r.met++; else r.flaggedLate++;
          if (a.met && a.totalUs > a.budgetUs) r.unflaggedLate++;
          if ((a.queuedUs ?? 0) > 0) r.queuedAnswers++;
          r.maxQueuedUs = Math.max(r.maxQueuedUs, a.queuedUs ?? 0);
        } catch (e) {
          if (isRanasError(e, 'E_BUSY')) r.shed++;
          else if (isRanasError(e, 'E_TIMEOUT') || isRanasError(e, 'E_LINK_CLOSED')) r.lost++;
          else r.otherErrors++;
        }
      }
    } finally {
      await client.close();
    }
  }));
  r.seconds = (performance.now() - t0) / 1000;
  return r;
}
