#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 node --min-semi-space-size=16 --max-semi-space-size=16
// (device/agent-node-flags.ts: AGENT_ENV and AGENT_NODE_FLAGS keep the agent's RSS flat.)
// Entry point of the device agent: registers the TypeScript loader, then runs the agent's CLI.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../device/agent-cli.ts');
// The fleet (--mqtt) plugs in here, loaded only when used: an agent without a broker never loads the MQTT client.
await main(process.argv, { joinFleet: async (request) => (await import('../fleet/agent-fleet.ts')).joinFleet(request) });
