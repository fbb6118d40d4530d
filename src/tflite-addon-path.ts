/**
 * Where the TFLite addon (tfjs-tflite-node's `node_tflite_binding.node`, TFLite 2.9 C API) is loaded from.
 * The device package and the packed host package ship it prebuilt in `natives/<platform>-<arch>/`, beside
 * the TFLite C library it links (run path `$ORIGIN`), so nothing is compiled at install; a checkout uses
 * tfjs-tflite-node's own node-gyp build. Shared by the device runtime and the converters' TFLite runner.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from './package-root.ts';

/** File name of the addon. */
export const TFLITE_ADDON_FILE = 'node_tflite_binding.node';

/** Module id of tfjs-tflite-node's own build (a checkout's npm install compiles it). */
export const TFLITE_NODE_GYP_BUILD = `tfjs-tflite-node/build/Release/${TFLITE_ADDON_FILE}`;

/** Folder of a package's prebuilt natives for one platform: `natives/linux-arm64`, ... */
export function nativesDir(root: string, platform: string, arch: string): string {
  return join(root, 'natives', `${platform}-${arch}`);
}

/** The addon to `require`: the package's prebuilt for this platform when present, else tfjs-tflite-node's build. */
export function tfliteAddonPath(root = PACKAGE_ROOT, platform: string = process.platform, arch: string = process.arch): string {
  const prebuilt = join(nativesDir(root, platform, arch), TFLITE_ADDON_FILE);
  return existsSync(prebuilt) ? prebuilt : TFLITE_NODE_GYP_BUILD;
}
