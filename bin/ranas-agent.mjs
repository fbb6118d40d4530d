#!/usr/bin/env -S node --min-semi-space-size=16 --max-semi-space-size=16
// (The V8 flags are device/agent-node-flags.ts's AGENT_NODE_FLAGS: a fixed young generation keeps RSS flat.)
// Entry point of the device agent: registers the TypeScript loader, then runs the agent's CLI.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../device/agent-cli.ts');
await main(process.argv);
