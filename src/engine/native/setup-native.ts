/**
 * `ranas setup native`: makes `@tensorflow/tfjs-node` load on a machine that cannot reach its download
 * host. Order: verify (done if it loads) → TensorFlow C library from the project cache, else extracted
 * from a wheel (pip download or `--wheel`) → `deps/` links → addon from the cache, else built from source
 * → verify again. A failure leaves the fallback engine (wasm) untouched and says what was missing.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RanasError, errorMessage, isRanasError } from '../../errors.ts';
import { PROJECT_ROOT, TF_WHEEL_VERSION, nativePaths, type NativePaths } from './native-paths.ts';
import { buildGraphAddon, tfjsNodeDeps } from './graph-addon-build.ts';
import { downloadWheel, extractWheel, isExtracted } from './wheel.ts';
import { layoutDeps } from './deps-layout.ts';
import { addonCacheDir, buildAddon, restoreAddon, saveAddon } from './addon-build.ts';
import { checkAddon, type AddonCheck } from './verify-addon.ts';

/** Options of one setup run. */
export interface SetupNativeOptions {
  /** A tensorflow-cpu wheel to extract instead of downloading one with pip. */
  wheel?: string;
  /** Rebuild the addon even when tfjs-node loads (and ignore the cached addon). */
  force: boolean;
  projectRoot?: string;
  tfVersion?: string;
  /** Progress lines (one per step). */
  onStep?: (line: string) => void;
}

/** One step of the run and how long it took. */
export interface SetupStep {
  step: 'verify' | 'download' | 'extract' | 'layout' | 'restore' | 'build' | 'graph';
  ms: number;
  detail: string;
}

/** What `setupNative` did. */
export interface SetupNativeReport {
  ok: boolean;
  /** verified: already loaded; restored: addon from the cache; built: compiled now. */
  action: 'verified' | 'restored' | 'built' | 'failed';
  check?: AddonCheck;
  steps: SetupStep[];
  elapsedMs: number;
  error?: { code: string; message: string };
}

function tfjsNodeVersion(tfjsNodeDir: string): string {
  const pkg: unknown = JSON.parse(readFileSync(join(tfjsNodeDir, 'package.json'), 'utf8'));
  const version = typeof pkg === 'object' && pkg !== null && 'version' in pkg ? pkg.version : undefined;
  if (typeof version !== 'string') throw new RanasError('E_NATIVE_NO_TFJS_NODE', `${tfjsNodeDir}/package.json has no version string`);
  return version;
}

/** Runs the setup; never throws (failures are in the report). */
export async function setupNative(o: SetupNativeOptions): Promise<SetupNativeReport> {
  const t0 = performance.now();
  const steps: SetupStep[] = [];
  const step = async <T>(name: SetupStep['step'], f: () => Promise<T> | T, detail: (v: T) => string): Promise<T> => {
    const s0 = performance.now();
    const v = await f();
    const record = { step: name, ms: Math.round(performance.now() - s0), detail: detail(v) };
    steps.push(record);
    o.onStep?.(`${name}: ${record.detail} (${(record.ms / 1000).toFixed(1)} s)`);
    return v;
  };
  // The graph addon (whole training steps as one TensorFlow graph) is built once tfjs-node loads; without it
  // training runs op by op, so a failure here is reported, not fatal.
  const graphAddon = async (paths: NativePaths) => {
    await step('graph', async () => {
      try {
        const r = await buildGraphAddon(paths.nativeCache, tfjsNodeDeps(paths.tfjsNodeDir));
        return `${r.path} (${r.built ? 'built' : 'cached'})`;
      } catch (e) {
        return `not built, training runs op by op: ${errorMessage(e)}`;
      }
    }, (d) => d);
  };
  const done = (action: SetupNativeReport['action'], check: AddonCheck): SetupNativeReport => ({ ok: true, action, check, steps, elapsedMs: Math.round(performance.now() - t0) });
  const root = o.projectRoot ?? PROJECT_ROOT;
  const tfVersion = o.tfVersion ?? TF_WHEEL_VERSION;
  try {
    const paths = nativePaths(root, tfVersion);
    const tryCheck = async (): Promise<AddonCheck | undefined> => {
      try {
        return await checkAddon(root);
      } catch (e) {
        if (isRanasError(e, 'E_NATIVE_LOAD')) return undefined;
        throw e;
      }
    };
    if (!o.force) {
      const check = await step('verify', tryCheck, (c) => (c ? 'tfjs-node loads' : 'tfjs-node does not load'));
      if (check) {
        await graphAddon(paths);
        return done('verified', check);
      }
    }
    if (o.wheel !== undefined || !isExtracted(paths.tfDir)) {
      const given = o.wheel;
      const wheel = given ?? (await step('download', () => downloadWheel(paths.wheelDir, tfVersion), (w) => w));
      await step('extract', () => extractWheel(wheel, paths.tfDir), (r) => `${paths.tfDir} (${r.tool})`);
      if (given === undefined) rmSync(wheel, { force: true }); // 274 MB no longer needed once extracted
    }
    await step('layout', () => layoutDeps(paths.tfjsNodeDir, paths.tfDir), (d) => d);
    const cacheDir = addonCacheDir(paths.nativeCache, tfjsNodeVersion(paths.tfjsNodeDir), tfVersion);
    if (!o.force) {
      const rel = await step('restore', () => restoreAddon(cacheDir, paths.tfjsNodeDir), (r) => (r ? `${r} from ${cacheDir}` : 'no cached addon'));
      if (rel) {
        const check = await step('verify', tryCheck, (c) => (c ? 'tfjs-node loads' : 'cached addon does not load'));
        if (check) {
          await graphAddon(paths);
          return done('restored', check);
        }
      }
    }
    const built = await step('build', () => buildAddon(paths.tfjsNodeDir, paths.buildLog), (b) => b.rel);
    const check = await step('verify', () => checkAddon(root), (c) => `TensorFlow ${c.tensorflowVersion}, conv2d max |Δ| vs cpu ${c.conv2dMaxAbsDiff}`);
    saveAddon(paths.tfjsNodeDir, built.rel, cacheDir);
    await graphAddon(paths);
    return done('built', check);
  } catch (e) {
    const code = isRanasError(e) ? e.code : 'E_NATIVE_SETUP';
    return { ok: false, action: 'failed', steps, elapsedMs: Math.round(performance.now() - t0), error: { code, message: errorMessage(e) } };
  }
}

/** The one line CI and users see. */
export function summaryLine(r: SetupNativeReport): string {
  const s = (r.elapsedMs / 1000).toFixed(1);
  if (r.ok && r.check) {
    return `native engine ready (${r.action} in ${s} s): tfjs-node ${r.check.tfjsNodeVersion} on TensorFlow ${r.check.tensorflowVersion}, conv2d max |Δ| vs cpu ${r.check.conv2dMaxAbsDiff.toExponential(1)}`;
  }
  return `native engine not set up (${r.error?.code ?? 'E_NATIVE_SETUP'}): ${r.error?.message ?? 'unknown failure'} — the wasm engine stays active`;
}
