/**
 * Builds tfjs-tflite-node's addon (`binding/node_tflite_binding.cc`, Node-API, so one build serves every
 * Node >= 14) for a device platform with that platform's C++ compiler — `aarch64-linux-gnu-g++` for a Pi
 * — against the TFLite C library tfjs-tflite-node ships prebuilt for it, with run path `$ORIGIN`: the
 * addon and the two libraries sit in one folder (`natives/<platform>/`) and load from anywhere. The same
 * compile and link flags as its binding.gyp (C++ exceptions, -O3); Node-API headers from this Node's
 * include folder.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { RanasError } from '../../src/errors.ts';
import { PACKAGE_ROOT } from '../../src/package-root.ts';
import { TFLITE_ADDON_FILE } from '../../src/tflite-addon-path.ts';
import { DEVICE_PLATFORMS, type DevicePlatform } from './device-platforms.ts';

/** The TFLite C libraries the addon links (tfjs-tflite-node/cc_deps/<platform>/). */
export const TFLITE_LIBRARIES = ['libtensorflowlite_c.so', 'libexternal_delegate_obj.so'] as const;

/** tfjs-tflite-node's package folder in this checkout. */
export function tfliteNodeDir(root = PACKAGE_ROOT): string {
  return dirname(createRequire(join(root, 'package.json')).resolve('tfjs-tflite-node/package.json'));
}

/** Folder holding node_api.h: this Node's own include folder, or Debian's /usr/include/node. */
export function nodeApiIncludeDir(): string {
  const candidates = [join(dirname(dirname(process.execPath)), 'include', 'node'), '/usr/include/node'];
  const found = candidates.find((d) => existsSync(join(d, 'node_api.h')));
  if (!found) throw new RanasError('E_DEVICE_PACKAGE', `no node_api.h in ${candidates.join(' or ')}; expected Node's headers (Debian: nodejs or libnode-dev)`);
  return found;
}

/** True when the platform's C++ compiler is on PATH. */
export function hasCompiler(platform: DevicePlatform): boolean {
  try {
    execFileSync(DEVICE_PLATFORMS[platform].cxx, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Compiles the addon for `platform` into `outDir` and copies the TFLite libraries beside it; returns the addon's path. */
export function buildTfliteAddon(platform: DevicePlatform, outDir: string, root = PACKAGE_ROOT): string {
  const spec = DEVICE_PLATFORMS[platform];
  if (!hasCompiler(platform)) throw new RanasError('E_DEVICE_PACKAGE', `${spec.cxx} is not installed; expected it to build the TFLite addon for ${platform} (Debian package ${spec.cxxPackage})`);
  const pkg = tfliteNodeDir(root);
  const libDir = join(pkg, 'cc_deps', spec.tfliteLibDir);
  const addonApi = dirname(createRequire(join(pkg, 'package.json')).resolve('node-addon-api/package.json'));
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, TFLITE_ADDON_FILE);
  const args = [
    '-shared', '-fPIC', '-pthread', '-O3', '-std=c++14', '-fexceptions',
    '-DNAPI_CPP_EXCEPTIONS', '-DBUILDING_NODE_EXTENSION', '-DNODE_GYP_MODULE_NAME=node_tflite_binding',
    '-I', nodeApiIncludeDir(), '-I', join(pkg, 'cc_deps', 'include'), '-I', addonApi,
    join(pkg, 'binding', 'node_tflite_binding.cc'),
    ...TFLITE_LIBRARIES.map((l) => join(libDir, l)),
    '-Wl,-rpath,$ORIGIN', '-s', '-o', out,
  ];
  try {
    execFileSync(spec.cxx, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const stderr = e instanceof Error && 'stderr' in e ? String(e.stderr) : String(e);
    throw new RanasError('E_DEVICE_PACKAGE', `${spec.cxx} could not build the TFLite addon for ${platform}: ${stderr.split('\n').filter((l) => l.includes('error')).slice(0, 3).join(' | ')}`);
  }
  for (const lib of TFLITE_LIBRARIES) copyFileSync(join(libDir, lib), join(outDir, lib));
  return out;
}
