/** The agent's counters (`ranas device stats`): requests, errors, deadlines met and missed, answers per exit. */
import type { AgentStats } from '../../firmware-bridge/agent-service.ts';
import type { AnytimeAnswer } from '../scheduler/run-anytime.ts';

/** Counts of what the agent did since it started. */
export class AgentCounters {
  readonly counts = { requests: 0, errors: 0, met: 0, missed: 0, overBudget: 0, installs: 0, installFailures: 0, profiles: 0 };
  private totalUsSum = 0;
  private readonly exitCounts: number[] = [];

  /** One answered request. */
  answered(answer: AnytimeAnswer): void {
    this.counts[answer.met ? 'met' : 'missed']++;
    if (answer.overBudget) this.counts.overBudget++;
    this.totalUsSum += answer.totalUs;
    this.exitCounts[answer.exitIndex] = (this.exitCounts[answer.exitIndex] ?? 0) + 1;
  }

  /** The stats answer: the counts, the mean total latency of served requests, answers per exit, memory, uptime. */
  stats(): AgentStats {
    const mem = process.memoryUsage();
    const c = this.counts;
    const served = c.met + c.missed;
    return {
      ...c,
      meanTotalUs: served > 0 ? this.totalUsSum / served : 0,
      ...Object.fromEntries(Array.from(this.exitCounts, (n, k) => [`exit${k}Answers`, n ?? 0])),
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      uptimeS: process.uptime(),
    };
  }
}
