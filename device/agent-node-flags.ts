/**
 * V8 flags the agent process runs with (bin/ranas-agent.mjs's shebang, the systemd unit, the demo's local
 * agent, bench/agent.ts). A fixed young generation: by default V8 grows and shrinks its semi-spaces with
 * the allocation rate, which moved the agent's RSS in 4–8 MiB steps (±5 % of ~110 MiB) with no leak
 * behind them; fixed at 16 MiB, RSS over 10,000 requests stays within ±4 %. Costs ~20 MiB of RSS.
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--min-semi-space-size=16', '--max-semi-space-size=16'];

/** True when this process was started with every agent flag. */
export function hasAgentNodeFlags(execArgv: readonly string[] = process.execArgv): boolean {
  return AGENT_NODE_FLAGS.every((f) => execArgv.includes(f));
}
