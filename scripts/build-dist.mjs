#!/usr/bin/env node
// Compiles the TypeScript sources to JavaScript in dist/ (tsconfig.build.json: the same tree, `.ts` imports
// rewritten to `.js`) and copies the files the code reads beside itself (the bridge's .proto, the graph addon's C source). Run by
// scripts/setup.sh and by `npm pack` (prepack), so the bins start without tsx. Writes dist/.built last:
// the bins use dist/ only when that stamp is newer than every TypeScript source (bin/compiled.mjs).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');

rmSync(dist, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  rmSync(dist, { recursive: true, force: true });
  console.error('build-dist: tsc failed; the bins keep running the TypeScript sources through tsx');
  process.exit(r.status ?? 1);
}
for (const asset of ['firmware-bridge/protocol.proto', 'src/engine/native/graph-addon/ranas_graph.c']) {
  mkdirSync(dirname(join(dist, asset)), { recursive: true });
  copyFileSync(join(root, asset), join(dist, asset));
}
writeFileSync(join(dist, '.built'), `${new Date().toISOString()}\n`);
console.log(`build-dist: compiled JavaScript in ${dist}`);
