#!/usr/bin/env node
// Entry point of the device agent: registers the TypeScript loader, then runs the agent's CLI.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../device/agent-cli.ts');
await main(process.argv);
