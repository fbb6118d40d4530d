#!/usr/bin/env node
// npm postinstall: one line saying which compute engine `ranas` will use and how to get the native one.
// Only looks at files (loading TensorFlow here would slow every install); never fails the install.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const tfjsNode = new URL('../node_modules/@tensorflow/tfjs-node/', import.meta.url).pathname;
function addonBuilt() {
  try {
    const lib = join(tfjsNode, 'lib');
    const napi = readdirSync(lib).filter((d) => /^napi-v\d+$/.test(d));
    return napi.some((d) => existsSync(join(lib, d, 'tfjs_binding.node'))) && existsSync(join(tfjsNode, 'deps', 'lib', 'libtensorflow.so'));
  } catch {
    return false;
  }
}
if (process.env.RANAS_BACKEND) {
  console.log(`ranas: compute engine forced by RANAS_BACKEND=${process.env.RANAS_BACKEND} (ranas doctor shows what runs)`);
} else if (addonBuilt()) {
  console.log('ranas: compute engine: native TensorFlow (tfjs-node) — ranas doctor shows versions and speed');
} else {
  console.log('ranas: compute engine: WebAssembly; for the native TensorFlow engine (6-12x faster training) run: ./bin/ranas.mjs setup native');
}
