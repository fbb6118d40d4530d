/**
 * Building tfjs-node's addon (`tfjs_binding.node`) from source with node-pre-gyp against the local Node
 * headers, and keeping a copy in the project cache so the next `npm ci` restores it instead of rebuilding.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, appendFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { RanasError } from '../../errors.ts';
import { lastLine, runTool } from './run-tool.ts';

const BUILD_TIMEOUT_MS = 600_000;

/** Path of the addon relative to the tfjs-node folder, as node-pre-gyp lays it out (`lib/napi-vN/...`). */
export function findAddon(tfjsNodeDir: string): string | undefined {
  const lib = join(tfjsNodeDir, 'lib');
  if (!existsSync(lib)) return undefined;
  const dirs = readdirSync(lib).filter((d) => /^napi-v\d+$/.test(d)).sort((a, b) => Number(b.slice(6)) - Number(a.slice(6)));
  const dir = dirs.find((d) => existsSync(join(lib, d, 'tfjs_binding.node')));
  return dir === undefined ? undefined : join('lib', dir, 'tfjs_binding.node');
}

/** Cache key of a built addon: it depends on tfjs-node, TensorFlow, the Node ABI and the platform. */
export function addonCacheDir(nativeCache: string, tfjsNodeVersion: string, tfVersion: string): string {
  return join(nativeCache, 'addon', `tfjs-node-${tfjsNodeVersion}_tf-${tfVersion}_node-abi-${process.versions.modules}_${process.platform}-${process.arch}`);
}

/** Copies a cached addon into tfjs-node; returns its relative path, or undefined when none is cached. */
export function restoreAddon(cacheDir: string, tfjsNodeDir: string): string | undefined {
  const rel = findAddon(cacheDir);
  if (!rel) return undefined;
  mkdirSync(dirname(join(tfjsNodeDir, rel)), { recursive: true });
  copyFileSync(join(cacheDir, rel), join(tfjsNodeDir, rel));
  return rel;
}

/** Copies the freshly built addon into the cache. */
export function saveAddon(tfjsNodeDir: string, rel: string, cacheDir: string): void {
  mkdirSync(dirname(join(cacheDir, rel)), { recursive: true });
  copyFileSync(join(tfjsNodeDir, rel), join(cacheDir, rel));
}

/** Folder holding `include/node/node_api.h` for node-gyp: npm's `nodedir` setting, else Node's own install prefix. */
export function localNodeDir(): string | undefined {
  const configured = process.env.npm_config_nodedir;
  const candidates = [configured, dirname(dirname(process.execPath))].filter((d): d is string => typeof d === 'string' && d !== '');
  return candidates.find((d) => existsSync(join(d, 'include', 'node', 'node_api.h')));
}

/** Checks the C++ tool chain node-gyp needs; throws `E_NATIVE_NO_COMPILER` naming what is missing. */
export async function checkToolchain(): Promise<void> {
  const missing: string[] = [];
  for (const [program, args] of [['c++', ['--version']], ['make', ['--version']], ['python3', ['--version']]] as const) {
    const r = await runTool(program, args, { timeoutMs: 20_000 });
    if (r.code !== 0) missing.push(program);
  }
  if (missing.length > 0) {
    throw new RanasError('E_NATIVE_NO_COMPILER', `cannot build the tfjs-node addon: ${missing.join(', ')} not found; expected a C++ compiler, make and python3 (Debian: apt-get install -y g++ make python3)`, { missing });
  }
}

/** Runs `node-pre-gyp install --build-from-source` in tfjs-node; returns the addon's relative path. */
export async function buildAddon(tfjsNodeDir: string, buildLog: string): Promise<{ rel: string; elapsedMs: number }> {
  await checkToolchain();
  const nodeDir = localNodeDir();
  const preGyp = join(dirname(createRequire(join(tfjsNodeDir, 'package.json')).resolve('@mapbox/node-pre-gyp/package.json')), 'bin', 'node-pre-gyp');
  const args = [preGyp, 'install', '--build-from-source', ...(nodeDir ? [`--nodedir=${nodeDir}`] : [])];
  mkdirSync(dirname(buildLog), { recursive: true });
  writeFileSync(buildLog, `$ node ${args.join(' ')}  (in ${tfjsNodeDir})\n`);
  const r = await runTool(process.execPath, args, { cwd: tfjsNodeDir, timeoutMs: BUILD_TIMEOUT_MS, onOutput: (s) => appendFileSync(buildLog, s) });
  const rel = findAddon(tfjsNodeDir);
  if (r.code !== 0 || !rel) {
    const why = r.timedOut ? `timed out after ${BUILD_TIMEOUT_MS / 1000} s` : lastLine(r.stderrTail) || `exit code ${r.code}`;
    const headers = nodeDir ? '' : ' (no local Node headers found: set npm nodedir)';
    throw new RanasError('E_NATIVE_BUILD', `building the tfjs-node addon failed: ${why}${headers}; full log in ${buildLog}`, { buildLog });
  }
  return { rel, elapsedMs: r.elapsedMs };
}
