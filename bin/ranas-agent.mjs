#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 node --min-semi-space-size=16 --max-semi-space-size=16
// (device/agent-node-flags.ts: AGENT_ENV and AGENT_NODE_FLAGS keep the agent's RSS flat.)
// Entry point of the device agent: the compiled JavaScript in dist/ when current, else the sources through
// tsx (bin/compiled.mjs says which).
import { importEntry } from './compiled.mjs';

const { main } = await importEntry('device/agent-cli');
// The fleet (--mqtt) plugs in here, loaded only when used: an agent without a broker never loads the MQTT client.
await main(process.argv, { joinFleet: async (request) => (await importEntry('fleet/agent-fleet')).joinFleet(request) });
