/**
 * `npm pack` (prepack): the TFLite addon prebuilt into natives/<platform>/ for each Linux platform whose
 * compiler is here (g++ for linux-x64, aarch64-linux-gnu-g++ for linux-arm64), so an installed `ranas`
 * needs no node-gyp build (npm 11 does not run a dependency's install script unless allowed). `--clean`
 * (postpack) removes natives/ again: a checkout uses tfjs-tflite-node's own build.
 *   node --import tsx scripts/pack-natives.ts [--clean]
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/package-root.ts';
import { nativesDir } from '../src/tflite-addon-path.ts';
import { DEVICE_PLATFORMS, parseDevicePlatform } from '../device/package/device-platforms.ts';
import { buildTfliteAddon, hasCompiler } from '../device/package/tflite-addon-build.ts';

rmSync(join(PACKAGE_ROOT, 'natives'), { recursive: true, force: true });
if (!process.argv.includes('--clean')) {
  for (const platform of Object.keys(DEVICE_PLATFORMS).map(parseDevicePlatform)) {
    const spec = DEVICE_PLATFORMS[platform];
    if (!hasCompiler(platform)) {
      console.error(`pack-natives: ${spec.cxx} not installed (${spec.cxxPackage}); ${platform} installs fall back to tfjs-tflite-node's node-gyp build`);
      continue;
    }
    console.error(`pack-natives: ${buildTfliteAddon(platform, nativesDir(PACKAGE_ROOT, spec.platform, spec.arch))}`);
  }
}
