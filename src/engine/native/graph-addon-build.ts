/**
 * The graph addon (`graph-addon/ranas_graph.c` → `ranas_graph.node`): compiled by `ranas setup native` with
 * the system C compiler against the TensorFlow headers and libraries the wheel gave (no node-gyp: a Node
 * addon on Linux needs only `node_api.h`), cached under `.cache/native/graph-addon/` by the hash of its
 * source and the TensorFlow version, so a changed source is rebuilt and an unchanged one never is.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RanasError } from '../../errors.ts';
import { localNodeDir } from './addon-build.ts';
import { nativePaths, TF_WHEEL_VERSION } from './native-paths.ts';
import { lastLine, runTool } from './run-tool.ts';

/** The addon's C source (shipped with the package). */
export const GRAPH_ADDON_SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'graph-addon', 'ranas_graph.c');

/**
 * Where the addon built from the current source against `tfDir` (its path is in the addon's run path) for
 * `tfVersion` lives.
 */
export function graphAddonPath(nativeCache: string, tfDir: string, tfVersion = TF_WHEEL_VERSION): string {
  const hash = createHash('sha256').update(readFileSync(GRAPH_ADDON_SOURCE)).update(`tf-${tfVersion} ${process.platform}-${process.arch} ${tfDir}`).digest('hex').slice(0, 16);
  return join(nativeCache, 'graph-addon', `ranas_graph-${hash}.node`);
}

/** tfjs-node's `deps/` folder: `include/` and `lib/` of the TensorFlow it loads, whenever it loads. */
export function tfjsNodeDeps(tfjsNodeDir: string): string {
  return join(tfjsNodeDir, 'deps');
}

/** The built addon of this checkout, or undefined when `ranas setup native` has not built it. */
export function findGraphAddon(projectRoot?: string): string | undefined {
  const paths = nativePaths(projectRoot);
  const path = graphAddonPath(paths.nativeCache, tfjsNodeDeps(paths.tfjsNodeDir));
  return existsSync(path) ? path : undefined;
}

/**
 * Compiles the addon against `tfDir` (a folder with TensorFlow's `include/` and `lib/`) unless the current
 * source is already built; returns its path and whether it was built now.
 */
export async function buildGraphAddon(nativeCache: string, tfDir: string, tfVersion = TF_WHEEL_VERSION): Promise<{ path: string; built: boolean }> {
  const path = graphAddonPath(nativeCache, tfDir, tfVersion);
  if (existsSync(path)) return { path, built: false };
  const nodeDir = localNodeDir();
  if (!nodeDir) throw new RanasError('E_NATIVE_BUILD', 'building the graph addon: no folder with include/node/node_api.h found; expected Node headers (set npm nodedir)');
  const lib = join(tfDir, 'lib');
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const args = ['-O2', '-shared', '-fPIC', '-DNODE_GYP_MODULE_NAME=ranas_graph', `-I${join(nodeDir, 'include', 'node')}`, `-I${join(tfDir, 'include')}`,
    GRAPH_ADDON_SOURCE, '-o', tmp, `-L${lib}`, '-l:libtensorflow_cc.so.2', '-l:libtensorflow_framework.so.2', `-Wl,-rpath,${lib}`];
  const r = await runTool('cc', args, { timeoutMs: 120_000 });
  if (r.code !== 0 || !existsSync(tmp)) {
    throw new RanasError('E_NATIVE_BUILD', `building the graph addon failed: ${lastLine(r.stderrTail) || `cc exit code ${r.code}`}; expected cc to compile ${GRAPH_ADDON_SOURCE}`);
  }
  renameSync(tmp, path);
  // Builds of older sources are never loaded again (a running process keeps its mapped copy).
  for (const f of readdirSync(dirname(path))) if (/^ranas_graph-[0-9a-f]+\.node$/.test(f) && join(dirname(path), f) !== path) rmSync(join(dirname(path), f), { force: true });
  return { path, built: true };
}

/**
 * The graph addon of this checkout, compiled now when it is missing (a checkout updated since `ranas setup
 * native`, or whose source changed) and tfjs-node's TensorFlow and a C compiler are there; undefined when it
 * cannot be had (the caller then runs the eager step and says why).
 */
export async function ensureGraphAddon(projectRoot?: string): Promise<string | undefined> {
  try {
    const found = findGraphAddon(projectRoot);
    if (found) return found;
    const paths = nativePaths(projectRoot);
    return (await buildGraphAddon(paths.nativeCache, tfjsNodeDeps(paths.tfjsNodeDir))).path;
  } catch {
    return undefined;
  }
}
