// Which code the bins run: the compiled JavaScript in dist/ when it is current, else the TypeScript sources
// through tsx. dist/ is current when its stamp (dist/.built, written last by scripts/build-dist.mjs) is
// newer than every .ts file under the source folders; an installed package ships no sources, so there
// dist/ always runs. A checkout being edited falls back to tsx until `npm run build` (or setup.sh) runs.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_DIRS = ['src', 'converters', 'device', 'firmware-bridge', 'fleet'];

function newestSourceMs(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') newest = Math.max(newest, newestSourceMs(join(dir, e.name)));
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
      newest = Math.max(newest, statSync(join(dir, e.name)).mtimeMs);
    }
  }
  return newest;
}

/** True when dist/ holds JavaScript at least as new as every TypeScript source (RANAS_TSX=1 forces the sources). */
export function compiledIsCurrent() {
  if (process.env.RANAS_TSX === '1') return false;
  let builtMs;
  try {
    builtMs = statSync(join(root, 'dist', '.built')).mtimeMs;
  } catch {
    return false;
  }
  return SOURCE_DIRS.every((d) => newestSourceMs(join(root, d)) <= builtMs);
}

/** Imports `<entry>` (a path without extension under the package root) from dist/ or through tsx. */
export async function importEntry(entry) {
  if (compiledIsCurrent()) return import(new URL(`../dist/${entry}.js`, import.meta.url).href);
  const { register } = await import('tsx/esm/api');
  register();
  return import(new URL(`../${entry}.ts`, import.meta.url).href);
}
