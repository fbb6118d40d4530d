#!/usr/bin/env node
// Entry point of the CLI: the compiled JavaScript in dist/ when current, else the sources through tsx
// (bin/compiled.mjs says which).
import { importEntry } from './compiled.mjs';

const { main } = await importEntry('src/cli/main');
await main(process.argv);
