/** The tables `ranas device bench --local` prints from a `benchLocal` report (same rows as --json). */
import type { Row } from '../src/cli/table.ts';
import type { BenchLocalReport } from './bench-local.ts';

export interface BenchLocalTables {
  exits: Row[];
  budgets: Row[];
  overhead: Row[];
}

export function benchLocalTables(r: BenchLocalReport): BenchLocalTables {
  const o = r.overhead;
  return {
    exits: r.exits.map((e) => ({ exit: e.exit, segmentP50Us: e.segmentP50Us, segmentP99Us: e.segmentP99Us, cumulativeP50Us: e.cumulativeP50Us, cumulativeP99Us: e.cumulativeP99Us })),
    budgets: r.budgets.map((b) => ({ budgetUs: Math.round(b.budgetUs), requests: b.requests, missPct: 100 * b.missRate, overBudgetPct: 100 * b.overBudgetRate, meanExit: b.meanExit, exits: b.exitCounts.join('/'), totalP50Us: b.totalP50Us, totalP99Us: b.totalP99Us, accuracy: b.accuracy })),
    overhead: [{
      rawChainP50Us: o.rawChainP50Us, agentTensorP50Us: o.agentTensorP50Us, agentImageP50Us: o.agentImageP50Us, overheadPct: o.overheadPct, imageOverheadPct: o.imageOverheadPct, agentOwnP50Us: o.agentOwnP50Us, pairedOverheadPct: o.pairedOverheadPct,
      monolithicP50Us: o.monolithicP50Us, chainedOverMonolithic: o.chainedOverMonolithic, runs: o.runs, rssStartMiB: r.rss.startBytes / 2 ** 20, rssEndMiB: r.rss.endBytes / 2 ** 20, rssChangePct: r.rss.changePct, rssMaxDeviationPct: r.rss.maxDeviationPct,
    }],
  };
}
