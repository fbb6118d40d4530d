/**
 * The device package carries its dependencies inside it (npm `bundleDependencies`), copied from this
 * checkout's node_modules (the locked versions): it installs with no registry and no install script, and
 * holds only one platform's native files. Each dependency's closure is followed through package.json
 * `dependencies` with Node's lookup (nested node_modules first); `PRUNE` trims packages that ship every
 * platform's binaries or an installer, and drops type-only dependencies.
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { RanasError } from '../../src/errors.ts';
import { DEVICE_PLATFORMS, type DevicePlatform } from './device-platforms.ts';

/** What to change in one copied package. */
interface Prune {
  /** Paths (relative to the package) removed after copying. */
  remove?: (platform: DevicePlatform) => string[];
  /** Paths kept under a folder of per-platform builds: everything else in `folder` is removed. */
  keepOnly?: (platform: DevicePlatform) => { folder: string; keep: string[] };
  /** Dependencies not needed at run time (installer helpers, headers): not copied, removed from package.json. */
  dropDependencies?: string[];
  /** Remove the package's npm lifecycle scripts (an installer that would download or compile). */
  dropScripts?: boolean;
}

const PRUNE: Record<string, Prune> = {
  'onnxruntime-node': {
    // ORT ships every OS's libraries (288 MB); its postinstall only fetches optional CUDA files.
    keepOnly: (p) => ({ folder: 'bin/napi-v6', keep: [DEVICE_PLATFORMS[p].onnxruntimeDir] }),
    remove: () => ['lib', 'script'],
    dropDependencies: ['adm-zip', 'global-agent'],
    dropScripts: true,
  },
  '@serialport/bindings-cpp': {
    // Prebuilt for every platform; its install script would compile when no prebuild matched.
    keepOnly: (p) => ({ folder: 'prebuilds', keep: [DEVICE_PLATFORMS[p].serialportPrebuilds] }),
    remove: () => ['src', 'binding.gyp'],
    dropDependencies: ['node-addon-api'],
    dropScripts: true,
  },
  // Its postinstall only checks the TypeScript typings' version.
  protobufjs: { dropDependencies: ['@types/node'], dropScripts: true },
};

/** The fields of a package.json this copy reads, and the whole object (rewritten when pruned). */
interface PackageJson {
  version: string;
  dependencies: Record<string, string>;
  raw: Record<string, unknown>;
}

function readPackageJson(file: string): PackageJson {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new RanasError('E_DEVICE_PACKAGE', `${file} is not a JSON object`);
  const raw: Record<string, unknown> = Object.fromEntries(Object.entries(parsed));
  const deps: unknown = raw.dependencies ?? {};
  if (typeof deps !== 'object' || deps === null) throw new RanasError('E_DEVICE_PACKAGE', `${file}: dependencies is ${typeof deps}; expected an object`);
  const dependencies: Record<string, string> = {};
  for (const [k, v] of Object.entries(deps)) {
    if (typeof v !== 'string') throw new RanasError('E_DEVICE_PACKAGE', `${file}: dependency '${k}' has range ${JSON.stringify(v)}; expected a string`);
    dependencies[k] = v;
  }
  return { version: typeof raw.version === 'string' ? raw.version : '0.0.0', dependencies, raw };
}

/** The folder Node would load `name` from when required inside `fromDir` (nested node_modules first), up to `root`. */
function resolvePackageDir(name: string, fromDir: string, root: string): string {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dirname(dir) === dir) break;
  }
  throw new RanasError('E_DEVICE_PACKAGE', `dependency '${name}' (needed from ${relative(root, fromDir) || '.'}) is not installed under ${root}/node_modules; expected npm ci to have installed it`);
}

/** One copied package. */
export interface VendoredPackage {
  name: string;
  version: string;
  /** Path relative to the checkout (and to the device package): node_modules/... */
  path: string;
}

/**
 * Copies `names` and their dependency closure from `root`'s node_modules into `stageDir`'s, pruned for
 * `platform`; returns the packages copied.
 */
export function vendorDependencies(names: readonly string[], platform: DevicePlatform, root: string, stageDir: string): VendoredPackage[] {
  const done = new Map<string, VendoredPackage>();
  const visit = (name: string, fromDir: string): void => {
    const src = resolvePackageDir(name, fromDir, root);
    const rel = relative(root, src);
    if (done.has(rel)) return;
    const pkg = readPackageJson(join(src, 'package.json'));
    const prune = PRUNE[name] ?? {};
    done.set(rel, { name, version: pkg.version, path: rel });
    const dest = join(stageDir, rel);
    // Nested node_modules are copied (and pruned) as packages of their own.
    cpSync(src, dest, { recursive: true, filter: (from) => relative(src, from).split('/').includes('node_modules') === false });
    for (const p of prune.remove?.(platform) ?? []) rmSync(join(dest, p), { recursive: true, force: true });
    const only = prune.keepOnly?.(platform);
    if (only) {
      const tmp = `${dest}.keep`;
      for (const k of only.keep) cpSync(join(dest, only.folder, k), join(tmp, k), { recursive: true });
      rmSync(join(dest, only.folder), { recursive: true, force: true });
      cpSync(tmp, join(dest, only.folder), { recursive: true });
      rmSync(tmp, { recursive: true, force: true });
    }
    const deps = Object.keys(pkg.dependencies).filter((d) => !(prune.dropDependencies ?? []).includes(d));
    if (prune.dropDependencies || prune.dropScripts) {
      const rewritten: Record<string, unknown> = { ...pkg.raw, dependencies: Object.fromEntries(deps.map((d) => [d, pkg.dependencies[d]])) };
      if (prune.dropScripts) {
        delete rewritten.scripts;
        delete rewritten.gypfile;
      }
      writeFileSync(join(dest, 'package.json'), JSON.stringify(rewritten, null, 2) + '\n');
    }
    for (const d of deps) visit(d, src);
  };
  for (const n of names) visit(n, root);
  return [...done.values()].sort((a, b) => a.path.localeCompare(b.path));
}
