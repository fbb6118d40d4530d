/** The tables `ranas device bench --local` prints from a `benchLocal` report (same rows as --json). */
import type { Row } from '../src/text-table.ts';
import type { BenchLocalReport } from './bench-local.ts';

export interface BenchLocalTables {
  exits: Row[];
  budgets: Row[];
  overhead: Row[];
  /** Steady-state RSS (and heap) over the budget runs. */
  rss: Row[];
}

const MIB = 2 ** 20;

export function benchLocalTables(r: BenchLocalReport): BenchLocalTables {
  const o = r.overhead;
  const m = r.rss;
  return {
    exits: r.exits.map((e) => ({ exit: e.exit, segmentP50Us: e.segmentP50Us, segmentP99Us: e.segmentP99Us, cumulativeP50Us: e.cumulativeP50Us, cumulativeP99Us: e.cumulativeP99Us })),
    budgets: r.budgets.map((b) => ({
      budgetUs: Math.round(b.budgetUs), requests: b.requests, missPct: 100 * b.missRate, missInBudgetPct: 100 * b.missRateInBudget,
      'misses forced/segment/outside': `${b.missCauses.forced}/${b.missCauses.segment}/${b.missCauses.outside}`,
      overBudgetPct: 100 * b.overBudgetRate, meanExit: b.meanExit, exits: b.exitCounts.join('/'), totalP50Us: b.totalP50Us, totalP99Us: b.totalP99Us, accuracy: b.accuracy,
    })),
    overhead: [{
      rawChainP50Us: o.rawChainP50Us, agentTensorP50Us: o.agentTensorP50Us, agentImageP50Us: o.agentImageP50Us, overheadPct: o.overheadPct, imageOverheadPct: o.imageOverheadPct, agentOwnP50Us: o.agentOwnP50Us, pairedOverheadPct: o.pairedOverheadPct,
      monolithicP50Us: o.monolithicP50Us, chainedOverMonolithic: o.chainedOverMonolithic, runs: o.runs, rssStartMiB: m.startBytes / MIB, rssEndMiB: m.endBytes / MIB, rssChangePct: m.changePct, rssMaxDeviationPct: m.maxDeviationPct,
    }],
    rss: [{
      warmupRequests: m.warmupRequests, warmupS: m.warmupMs / 1000, requests: m.requests, samples: m.samplesBytes.length, afterGc: m.gcBeforeSamples,
      startMiB: m.startBytes / MIB, endMiB: m.endBytes / MIB, minMiB: m.minBytes / MIB, maxMiB: m.maxBytes / MIB, changePct: m.changePct, maxDeviationPct: m.maxDeviationPct,
      nativeStartMiB: (m.startBytes - m.heapTotalStartBytes) / MIB, nativeEndMiB: (m.endBytes - m.heapTotalEndBytes) / MIB,
      heapTotalStartMiB: m.heapTotalStartBytes / MIB, heapTotalEndMiB: m.heapTotalEndBytes / MIB, heapStartMiB: m.heapStartBytes / MIB, heapEndMiB: m.heapEndBytes / MIB, arrayBuffersStartMiB: m.arrayBuffersStartBytes / MIB, arrayBuffersEndMiB: m.arrayBuffersEndBytes / MIB,
    }],
  };
}
