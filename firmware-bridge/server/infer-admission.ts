/**
 * Admission of inference requests from every link of a device (one per AgentService): requests run one at a
 * time in arrival order, and the time a request waits counts against its budget.
 *  - On arrival behind other requests, the wait ahead is estimated (requests queued × the recent mean service
 *    time, plus the time it already waited on its link); a request that then cannot get even its cheapest answer
 *    within its budget is shed at once with E_BUSY — a typed busy answer now instead of a late one.
 *  - When its turn comes after others, the time it actually waited is checked again (shed the same way); the
 *    agent gets what is left of the budget, so the anytime scheduler picks an exit that still fits.
 *  - Only load sheds: a request with nobody ahead always runs, and one whose budget is below the cheapest exit
 *    gets exit 1 flagged over budget, as the agent's anytime contract says.
 *  - The answer's `queuedUs` is the wait; `totalUs` and `met` include it.
 */
import { RanasError } from '../../src/errors.ts';
import type { AgentService } from '../agent-service.ts';
import type { InferMsg, InferResultMsg } from '../messages.ts';

/** Weight of the newest service time in the running mean. */
const EWMA_WEIGHT = 0.1;

export interface AdmissionStats {
  admitted: number;
  shedOnArrival: number;
  shedAtStart: number;
  /** Answers that finished after their budget (flagged met = false). */
  late: number;
}

export class InferAdmission {
  readonly stats: AdmissionStats = { admitted: 0, shedOnArrival: 0, shedAtStart: 0, late: 0 };
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;
  /** Recent mean time of one inference, µs (0 until measured). */
  private meanServiceUs = 0;
  /** Cheapest inference seen, µs: the least any request needs. */
  private minServiceUs = Number.POSITIVE_INFINITY;

  private static readonly byService = new WeakMap<AgentService, InferAdmission>();

  /** The admission of one agent (shared by all its links). */
  static of(service: AgentService): InferAdmission {
    let a = InferAdmission.byService.get(service);
    if (!a) { a = new InferAdmission(); InferAdmission.byService.set(service, a); }
    return a;
  }

  async run(req: InferMsg, arrivedAtMs: number, infer: (req: InferMsg) => Promise<InferResultMsg>): Promise<InferResultMsg> {
    const cheapestUs = Number.isFinite(this.minServiceUs) ? this.minServiceUs : 0;
    const waitedUs = (performance.now() - arrivedAtMs) * 1000;
    const aheadUs = this.queued * this.meanServiceUs;
    const behindOthers = this.queued > 0;
    if (behindOthers && waitedUs + aheadUs + cheapestUs > req.budgetUs) {
      this.stats.shedOnArrival++;
      throw busy(req.budgetUs, waitedUs + aheadUs, cheapestUs, this.queued);
    }
    this.queued++;
    const turn = this.tail.then(async () => {
      const queuedUs = (performance.now() - arrivedAtMs) * 1000;
      if (behindOthers && queuedUs + cheapestUs > req.budgetUs) {
        this.stats.shedAtStart++;
        throw busy(req.budgetUs, queuedUs, cheapestUs, 0);
      }
      this.stats.admitted++;
      // A request that waited longer than its budget (nobody ahead, so it was not shed) still gets its answer:
      // budget 0 = exit 1, flagged over budget, never a negative budget the agent would refuse.
      const r = await infer({ ...req, budgetUs: Math.max(0, req.budgetUs - queuedUs) });
      this.meanServiceUs = this.meanServiceUs === 0 ? r.totalUs : (1 - EWMA_WEIGHT) * this.meanServiceUs + EWMA_WEIGHT * r.totalUs;
      this.minServiceUs = Math.min(this.minServiceUs, r.totalUs);
      const totalUs = r.totalUs + queuedUs;
      const met = totalUs <= req.budgetUs;
      if (!met) this.stats.late++;
      return { ...r, queuedUs, totalUs, budgetUs: req.budgetUs, met };
    });
    this.tail = turn.catch(() => undefined);
    try {
      return await turn;
    } finally {
      this.queued--;
    }
  }
}

function busy(budgetUs: number, waitUs: number, cheapestUs: number, queued: number): RanasError {
  return new RanasError('E_BUSY', `device busy: ${Math.round(waitUs)} µs of waiting${queued ? ` (${queued} requests ahead)` : ''} + the cheapest answer's ${Math.round(cheapestUs)} µs exceed the budget of ${Math.round(budgetUs)} µs; shed now rather than answered late`, { budgetUs, waitUs });
}
